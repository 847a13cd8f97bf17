/**
 * Issue 11, transport and memory: each test is one attack on the real service
 * (a child process where the failure is exhaustion or the process itself,
 * under `ulimit -n 160` where it is about file descriptors), with hand-made
 * TCP and WebSocket traffic where a well-behaved client would not do it.
 */
import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import { spawnService } from "./_child_service.ts";
import { startTestService } from "./_service.ts";
import { TestClient } from "./_client.ts";
import {
  clientFrame,
  OPCODE_CLOSE,
  OPCODE_CONTINUATION,
  OPCODE_TEXT,
  type RawFrame,
  RawWebSocket,
} from "./_raw_socket.ts";

const ATTACKER = new URL("./_attacker.py", import.meta.url).pathname;
const encoder = new TextEncoder();

async function attack(...args: (string | number)[]): Promise<Record<string, number>> {
  const { code, stdout, stderr } = await new Deno.Command("python3", {
    args: [ATTACKER, ...args.map(String)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0) throw new Error(`attacker failed: ${new TextDecoder().decode(stderr)}`);
  return JSON.parse(text);
}

/** A file of another process's /proc (read by a child: Deno wants --allow-all for /proc). */
async function procFile(pid: number, script: string): Promise<string> {
  const { stdout } = await new Deno.Command("sh", {
    args: ["-c", script, "sh", `/proc/${pid}`],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout);
}

async function openFds(pid: number): Promise<number> {
  return Number((await procFile(pid, 'ls "$1/fd" | wc -l')).trim());
}

async function rssMiB(pid: number): Promise<number> {
  const status = await procFile(pid, 'cat "$1/status"');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

async function healthz(port: number): Promise<{ sockets: number }> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
    headers: { connection: "close" },
  });
  return await response.json();
}

/** Polls `check` until it holds; throws with the last value seen after `timeoutMs`. */
async function eventually<T>(
  what: string,
  probe: () => T | Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | string = "nothing yet";
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (check(last)) return last;
    } catch (error) {
      last = `error: ${error}`;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
}

/** Whether the server ends `conn` (EOF or reset) within `timeoutMs`, reading whatever comes. */
async function endedWithin(conn: Deno.Conn, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) =>
    timer = setTimeout(() => resolve(false), timeoutMs)
  );
  const ended = (async () => {
    const buffer = new Uint8Array(4096);
    try {
      while (await conn.read(buffer) !== null) { /* drain */ }
    } catch {
      // Reset: ended too.
    }
    return true as const;
  })();
  const result = await Promise.race([ended, timeout]);
  clearTimeout(timer);
  conn.close();
  await ended;
  return result;
}

/** A registered client can still join and chat: the service is up and serving. */
async function assertServes(port: number, name: string): Promise<void> {
  const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
  try {
    client.send({ type: "username", name });
    await client.next("userlist");
    client.send({ type: "message", text: "still up" });
    strictEqual((await client.next("message")).text, "still up");
  } finally {
    await client.close();
  }
}

/** Frames until the server's close frame (or the end of the connection). */
async function readUntilClose(
  socket: RawWebSocket,
): Promise<{ texts: string[]; close?: RawFrame }> {
  const texts: string[] = [];
  while (true) {
    const frame = await socket.readFrame();
    if (!frame) return { texts };
    if (frame.opcode === OPCODE_CLOSE) return { texts, close: frame };
    if (frame.opcode === OPCODE_TEXT) texts.push(new TextDecoder().decode(frame.payload));
  }
}

// ---- anyone can crash it or make it unstoppable --------------------------------------

Deno.test("attack: handshakes reset before the 101 leak no fd and no session, and cannot kill a process with 160 fds", async () => {
  await using service = await spawnService(["--max-connections-per-address", "0"], {
    openFiles: 160,
  });
  const baseline = await openFds(service.pid);
  const { reset } = await attack("rst", service.port, 400);
  ok(reset >= 300, `only ${reset} resets`);
  await eventually("/healthz sockets", () => healthz(service.port), (h) => h.sockets === 0);
  await eventually("open fds", () => openFds(service.pid), (fds) => fds <= baseline + 2);
  strictEqual(service.exited, false, service.output());
  await assertServes(service.port, "alice");
});

Deno.test("attack: SIGTERM exits (code 0) within the shutdown bound after reset handshakes, a socket ignoring its close and a half-sent request", async () => {
  await using service = await spawnService(["--shutdown-timeout", "3", "--close-timeout", "2"]);
  await attack("rst", service.port, 40);
  const deaf = await RawWebSocket.connect(service.port);
  const slow = await Deno.connect({ hostname: "127.0.0.1", port: service.port });
  try {
    await slow.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n"));
    const started = Date.now();
    const status = service.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), 15_000));
    const exited = await Promise.race([status, limit]);
    clearTimeout(timer);
    ok(exited, `still running ${Date.now() - started} ms after SIGTERM:\n${service.output()}`);
    strictEqual(exited.code, 0, service.output());
  } finally {
    deaf.close();
    slow.close();
  }
});

Deno.test("attack: 200 connections holding half-sent request heads cannot exhaust 160 fds for good: accept errors are survived and the heads time out", async () => {
  await using service = await spawnService([
    "--max-connections-per-address",
    "0",
    "--header-timeout",
    "2",
  ], { openFiles: 160 });
  const baseline = await openFds(service.pid);
  const result = await attack("partial", service.port, 200, "127.0.0.1", 10);
  // Every one was ended by the service: refused (out of fds), or cut at its header timeout.
  assertEquals(result, { ended: 200, open: 0 });
  strictEqual(service.exited, false, service.output());
  await eventually("open fds", () => openFds(service.pid), (fds) => fds <= baseline + 2);
  await assertServes(service.port, "alice");
});

Deno.test("attack: a silent connection, a half-sent head, a head sent a byte at a time and an idle keep-alive are all closed at their timeouts", async () => {
  await using service = await startTestService({
    headerTimeoutSeconds: 1,
    keepAliveTimeoutSeconds: 1,
  });
  const { port } = service.server;
  const connect = () => Deno.connect({ hostname: "127.0.0.1", port });
  const silent = await connect();
  const partial = await connect();
  await partial.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n"));
  const trickle = await connect();
  let trickling = true;
  const trickler = (async () => {
    const head = encoder.encode(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + "y".repeat(200),
    );
    for (let i = 0; trickling && i < head.length; i++) {
      await trickle.write(head.subarray(i, i + 1)).catch(() => trickling = false);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const keepAlive = await connect();
  await keepAlive.write(encoder.encode("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  const results = await Promise.all(
    [silent, partial, trickle, keepAlive].map((conn) => endedWithin(conn, 6000)),
  );
  trickling = false;
  await trickler;
  assertEquals(results, [true, true, true, true]);
});

Deno.test("attack: connections from one address beyond --max-connections-per-address are refused at once; others are unaffected", async () => {
  await using service = await startTestService({ limits: { maxConnectionsPerAddress: 4 } });
  const { port } = service.server;
  const held: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n"));
      held.push(conn);
    }
    const extra = await Deno.connect({ hostname: "127.0.0.1", port });
    strictEqual(await endedWithin(extra, 2000), true);
    // Freed slots are usable again.
    held.pop()!.close();
    await eventually("a socket after a slot freed", () => assertServes(port, "alice"), () => true);
  } finally {
    for (const conn of held) conn.close();
  }
});

Deno.test("attack: a socket that never registers is closed after the registration deadline, and gets no TURN credential before it registers", async () => {
  await using service = await startTestService({
    registrationTimeoutSeconds: 1,
    iceServers: [{ urls: "stun:stun.example.org:3478" }],
    turn: { secret: "turn-test-secret", urls: ["turn:turn.example.org:3478"], ttlSeconds: 600 },
  });
  const anonymous = await service.open();
  const id = await anonymous.next("id");
  // The id has the static STUN server only: no credential for a socket nobody named.
  assertEquals(id.iceServers, [{ urls: "stun:stun.example.org:3478" }]);
  const registered = await service.join("alice");
  const servers = await registered.next("ice-servers");
  strictEqual(
    (servers.iceServers as { username?: string }[])[1].username?.endsWith(`:${registered.id}`),
    true,
  );

  const error = await anonymous.next("error", 5000);
  strictEqual(error.code, "not-registered");
  const closed = await anonymous.closed;
  assertEquals([closed.code, closed.reason], [1008, "registration timeout"]);
  strictEqual(anonymous.pending().some((m) => m.type === "ice-servers"), false);
  // The registered socket outlives the deadline.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  registered.send({ type: "message", text: "here" });
  strictEqual((await registered.next("message")).text, "here");
});

// ---- memory limits that hold ---------------------------------------------------------

Deno.test("attack: a frame header announcing 8 MB is refused at the header: too-large and 1009 without the payload being sent", async () => {
  await using service = await startTestService();
  const socket = await RawWebSocket.connect(service.server.port);
  try {
    strictEqual((await socket.readJson())?.type, "id");
    // The header and 64 KiB of the promised 8 MB, and then nothing.
    await socket.sendBytes(
      clientFrame(OPCODE_TEXT, new Uint8Array(65536), { announced: 8_000_000 }),
    );
    const { texts, close } = await readUntilClose(socket);
    strictEqual(JSON.parse(texts.at(-1)!).code, "too-large");
    ok(close, "no close frame");
    strictEqual(RawWebSocket.closeCode(close), 1009);
  } finally {
    socket.close();
  }
});

Deno.test("attack: fragments without FIN count together: the one that takes the message past 64 KiB is refused with 1009", async () => {
  await using service = await startTestService();
  const socket = await RawWebSocket.connect(service.server.port);
  try {
    strictEqual((await socket.readJson())?.type, "id");
    const fragment = new Uint8Array(60 * 1024).fill(0x20);
    await socket.sendBytes(clientFrame(OPCODE_TEXT, fragment, { fin: false }));
    for (let i = 0; i < 32; i++) {
      if (!await socket.sendBytes(clientFrame(OPCODE_CONTINUATION, fragment, { fin: false }))) {
        break;
      }
    }
    const { texts, close } = await readUntilClose(socket);
    strictEqual(JSON.parse(texts.at(-1)!).code, "too-large");
    ok(close, "no close frame");
    strictEqual(RawWebSocket.closeCode(close), 1009);
  } finally {
    socket.close();
  }
});

Deno.test("attack: a refused, token-less socket sending a 40 MB frame does not grow the process's memory", async () => {
  await using service = await spawnService(["--token-secret", "a-long-enough-token-secret"]);
  const socket = await RawWebSocket.connect(service.port);
  try {
    const before = await rssMiB(service.pid);
    const chunk = new Uint8Array(1024 * 1024);
    const size = 40 * 1024 * 1024;
    const frame = clientFrame(OPCODE_TEXT, new Uint8Array(0), { announced: size });
    let sent = 0;
    if (await socket.sendBytes(frame)) {
      // The payload itself (unmasked bytes are as good as masked ones to the server's memory).
      while (sent < size && await socket.sendBytes(chunk)) sent += chunk.length;
    }
    const after = await rssMiB(service.pid);
    ok(after - before < 16, `RSS grew from ${before.toFixed(1)} to ${after.toFixed(1)} MiB`);
    strictEqual(service.exited, false);
  } finally {
    socket.close();
  }
});

Deno.test("attack: a socket the service closed (1009) whose client never answers the close frame is dropped after --close-timeout", async () => {
  await using service = await startTestService({ closeTimeoutSeconds: 1 });
  const socket = await RawWebSocket.connect(service.server.port);
  try {
    strictEqual((await socket.readJson())?.type, "id");
    await socket.sendBytes(clientFrame(OPCODE_TEXT, new Uint8Array(70_000).fill(0x20)));
    const { close } = await readUntilClose(socket);
    strictEqual(close && RawWebSocket.closeCode(close), 1009);
    // Never answered: the service ends the TCP connection itself (within the bound + slack).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stillOpen = new Promise<"still open">((resolve) => {
      timer = setTimeout(() => resolve("still open"), 6000);
    });
    const ended = socket.readFrame();
    const outcome = await Promise.race([ended, stillOpen]);
    clearTimeout(timer);
    strictEqual(outcome, null);
  } finally {
    socket.close();
  }
});

Deno.test("attack: /healthz counts a socket dropped by the heartbeat once, never below the sockets still open", async () => {
  await using service = await startTestService({ idleTimeoutSeconds: 1 });
  const bob = await service.join("bob");
  const ghost = await RawWebSocket.connect(service.server.port);
  try {
    strictEqual((await ghost.readJson())?.type, "id");
    await ghost.sendText(JSON.stringify({ type: "username", name: "ghost" }));
    await bob.userlist(["bob", "ghost"]);
    // The ghost never answers a ping: dropped.
    await bob.userlist(["bob"]);
    while (await ghost.readFrame()) { /* until the service ends it */ }
    await new Promise((resolve) => setTimeout(resolve, 300));
    strictEqual((await healthz(service.server.port)).sockets, 1);
  } finally {
    ghost.close();
  }
});
