/**
 * Issue 11, "any room member can disconnect anyone else": what one member
 * of a room can do to the others, each tried against the real service with
 * the default limits, as an attacker would. The attacker pays (it is
 * rate-limited, refused or closed); its victims keep their connection and
 * their calls.
 */
import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import { defaultConfig } from "../../signaling/config.ts";
import { Logger } from "../../signaling/log.ts";
import { startTestService, type TestService } from "./_service.ts";
import type { TestClient } from "./_client.ts";
import { type Cluster, startCluster } from "./_cluster.ts";

const offer = { type: "offer", sdp: "v=0" };

/** Rejects if `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits until everything `client` sent before has been handled (its chat echo is back). */
async function fence(client: TestClient): Promise<void> {
  const text = `fence ${crypto.randomUUID()}`;
  client.send({ type: "message", text });
  await client.next((m) => m.type === "message" && m.text === text, 10_000);
}

/** `client` is still connected and served: a relay from `from` reaches it. */
async function stillServed(from: TestClient, client: TestClient): Promise<void> {
  const text = `still there ${crypto.randomUUID()}`;
  from.send({ type: "message", target: client.name, text });
  await client.next((m) => m.type === "message" && m.text === text, 10_000);
  strictEqual(client.isOpen, true);
}

const PADDING = "x".repeat(60_000);

/** The service's log lines, parsed, and a logger that records them. */
function recordedLogs() {
  const lines: Record<string, unknown>[] = [];
  const logger = new Logger("warn", (line) => lines.push(JSON.parse(line)));
  return { lines, logger };
}

/**
 * The service told the attacker it was rate-limited, then disconnected it
 * (its log says so, for the attacker's socket), and the attacker's socket
 * closed. What the attacker itself sees is not checked: a client still
 * pushing megabytes may have its connection reset before the error frames
 * and the 1008 reach it.
 */
async function disconnectedForFlooding(
  attacker: TestClient,
  lines: Record<string, unknown>[],
): Promise<void> {
  await within(attacker.closed, 20_000, "the attacker's close");
  const about = (msg: string) => lines.some((l) => l.msg === msg && l.socket === attacker.id);
  ok(about("rate limited"), JSON.stringify(lines));
  ok(about("disconnecting flooder"), JSON.stringify(lines));
}

Deno.test("200 relays of 60 KB to one victim: the sender is rate-limited and disconnected, the victim stays connected", async () => {
  const { lines, logger } = recordedLogs();
  await using service = await startTestService({}, { logger });
  const victim = await service.join("victim");
  const attacker = await service.join("attacker");
  const carol = await service.join("carol");
  for (let i = 0; i < 200; i++) {
    attacker.send({ type: "message", target: "victim", text: PADDING, i });
  }
  await disconnectedForFlooding(attacker, lines);
  await stillServed(carol, victim);
  // What reached the victim is what the sender's byte budget allowed, not 12 MB.
  const flood = victim.pending().filter((m) => m.text === PADDING).length;
  ok(flood > 0 && flood < 10, `${flood} flood frames reached the victim`);
});

Deno.test("200 chat lines of 60 KB: the sender is rate-limited and disconnected, every other member of the room stays connected", async () => {
  const { lines, logger } = recordedLogs();
  await using service = await startTestService({}, { logger });
  const members = [];
  for (const name of ["m1", "m2", "m3", "m4"]) members.push(await service.join(name));
  const attacker = await service.join("attacker");
  for (let i = 0; i < 200; i++) attacker.send({ type: "message", text: PADDING, i });
  await disconnectedForFlooding(attacker, lines);
  const [first, ...others] = members;
  for (const member of others) await stillServed(first, member);
  await stillServed(others[0], first);
});

Deno.test("a sender just under the byte rate is never limited: 16 frames of 8 KB, one every 150 ms", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  const text = "s".repeat(8_000);
  for (let i = 0; i < 16; i++) {
    alice.send({ type: "message", target: "bob", text, i });
    strictEqual((await bob.next((m) => m.text === text)).i, i);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  await fence(alice);
  assertEquals(alice.pending().filter((m) => m.type === "error"), []);
});

/** Flips `client`'s name between two values `times` times, `gapMs` apart. */
async function flipName(client: TestClient, times: number, gapMs: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    client.send({ type: "username", name: i % 2 === 0 ? "flip" : "flop" });
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
}

Deno.test("renames are limited: flipping a name 40 times in a second sends the room a handful of user lists, and the flipper hears rate-limited", async () => {
  await using service = await startTestService();
  const observers = [];
  for (let i = 0; i < 10; i++) observers.push(await service.join(`o${i}`));
  const flipper = await service.join("flipper");
  const watcher = observers[0];
  await watcher.userlist([...observers.map((o) => o.name), "flipper"]);
  const before = watcher.pending().filter((m) => m.type === "userlist").length;
  await flipName(flipper, 40, 25);
  await fence(flipper);
  await fence(watcher);
  const lists = watcher.pending().filter((m) => m.type === "userlist").length - before;
  ok(lists <= 8, `${lists} user lists for 40 renames`);
  ok(flipper.pending().some((m) => m.type === "error" && m.code === "rate-limited"));
  // The refused renames changed nothing: the flipper keeps its last accepted name.
  flipper.send({ type: "message", text: "who am I" });
  const echo = await flipper.next((m) => m.text === "who am I");
  ok(echo.name === "flip" || echo.name === "flop", String(echo.name));
});

Deno.test("a room has at most --max-room-members members: the next one gets room-full and nobody else notices", async () => {
  strictEqual(defaultConfig().limits.maxRoomMembers > 0, true);
  await using service = await startTestService({ limits: { maxRoomMembers: 3 } });
  const a = await service.join("a");
  await service.join("b");
  await service.join("c");
  const late = await service.connect();
  late.send({ type: "username", name: "d" });
  const error = await late.nextError("room-full");
  ok(/full/.test(error.message as string));
  // Another room is not full; a rename inside the full room is no join.
  late.send({ type: "username", name: "d", room: "other" });
  await late.userlist(["d"]);
  const b = service.clients[1];
  b.send({ type: "username", name: "b2" });
  await a.userlist(["a", "b2", "c"]);
  // Moving into the full room is refused too, and the mover stays where it was.
  late.send({ type: "username", name: "d", room: "lobby" });
  await late.nextError("room-full");
  late.send({ type: "message", text: "still in other" });
  strictEqual((await late.next("message")).text, "still in other");
  await fence(a);
  assertEquals(a.pending().filter((m) => (m.users as string[] | undefined)?.includes("d")), []);
});

Deno.test("redis: the room-size cap holds across instances", async () => {
  await using cluster = await startCluster(2, { limits: { maxRoomMembers: 2 } });
  const [x, y] = cluster.instances;
  await x.join("a");
  await y.join("b");
  const late = await x.connect();
  late.send({ type: "username", name: "c" });
  await late.nextError("room-full");
});

// ---- held frames ---------------------------------------------------------------

interface Resumable {
  client: TestClient;
  token: string;
}

async function joinResumable(service: TestService, name: string): Promise<Resumable> {
  const client = await service.open();
  const id = await client.next("id");
  client.send({ type: "username", name, resume: "" });
  client.name = name;
  await client.peek((m) => m.type === "userlist" && (m.users as string[]).includes(name));
  return { client, token: id.resume as string };
}

async function socketCount(service: TestService): Promise<number> {
  return (await (await fetch(`${service.origin}/healthz`)).json()).sockets;
}

/** Drops a socket like a reload does (not a normal close) and waits until the service noticed. */
async function drop(service: TestService, client: TestClient): Promise<void> {
  const before = await socketCount(service);
  client.socket.close(4000, "simulated drop");
  await client.closed;
  while (await socketCount(service) >= before) { /* poll */ }
}

/** A frame of exactly `bytes` UTF-8 bytes, as sent. */
function frameOfSize(target: string, bytes: number): string {
  const empty = JSON.stringify({ type: "message", target, text: "" });
  return JSON.stringify({ type: "message", target, text: "h".repeat(bytes - empty.length) });
}

/**
 * alice (resumable) drops; mallory fills what it can of alice's queue with
 * one near-limit frame; bob, her call peer, then sends his offer; alice
 * comes back and gets both.
 */
async function heldQueueIsShared(
  holder: TestService,
  alice: Resumable,
  mallory: TestClient,
  bob: TestClient,
): Promise<void> {
  await drop(holder, alice.client);
  // As big as a frame may be, less room for the stamped name: alone, it fits.
  mallory.send(frameOfSize("alice", defaultConfig().limits.maxFrameBytes - 20));
  await fence(mallory);
  bob.send({ type: "video-offer", target: "alice", sdp: offer });
  await fence(bob);
  assertEquals(bob.pending().filter((m) => m.type === "error"), []);

  const back = await holder.connect();
  back.send({ type: "username", name: "alice", resume: alice.token });
  assertEquals(await back.next("resume"), { type: "resume", ok: true, name: "alice", held: 2 });
  strictEqual((await back.next("message")).name, "mallory");
  strictEqual((await back.next("video-offer")).name, "bob");
}

Deno.test("held frames: one member's 64 KB frame does not fill a held name's queue; the call peer's offer is still held", async () => {
  await using service = await startTestService();
  const alice = await joinResumable(service, "alice");
  const mallory = await service.join("mallory");
  const bob = await service.join("bob");
  await heldQueueIsShared(service, alice, mallory, bob);
});

Deno.test("redis: held frames: one member's 64 KB frame does not fill a held name's queue", async () => {
  await using cluster: Cluster = await startCluster(2);
  const [x, y] = cluster.instances;
  const alice = await joinResumable(x, "alice");
  const mallory = await y.join("mallory");
  const bob = await x.join("bob");
  await mallory.userlist(["alice", "bob", "mallory"]);
  await heldQueueIsShared(x, alice, mallory, bob);
});

Deno.test("held frames: a frame at the frame limit is held even though the stamped name makes it longer", async () => {
  await using service = await startTestService();
  const alice = await joinResumable(service, "alice");
  const bob = await service.join("bob");
  await drop(service, alice.client);
  const limit = defaultConfig().limits.maxFrameBytes;
  bob.send(frameOfSize("alice", limit - 6));
  await fence(bob);
  assertEquals(bob.pending().filter((m) => m.type === "error"), []);
  const back = await service.connect();
  back.send({ type: "username", name: "alice", resume: alice.token });
  assertEquals(await back.next("resume"), { type: "resume", ok: true, name: "alice", held: 1 });
  strictEqual((await back.next("message")).name, "bob");
});

// ---- the call peer ---------------------------------------------------------------

Deno.test("a caller from an earlier call is forgotten when a new call starts: the new call's bare hang-up never goes to it", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  const eve = await service.join("eve");
  const carol = await service.join("carol");
  // Call 1: alice and bob. Eve offers alice meanwhile, and alice ends the call with bob.
  alice.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");
  bob.send({ type: "video-answer", target: "alice", sdp: { type: "answer", sdp: "v=0" } });
  await alice.next("video-answer");
  eve.send({ type: "video-offer", target: "alice", sdp: offer });
  await alice.next("video-offer");
  alice.send({ type: "hang-up", target: "bob" });
  await bob.next("hang-up");
  // Call 2: alice and carol; carol hangs up, then alice's MDN client sends its bare hang-up.
  alice.send({ type: "video-offer", target: "carol", sdp: offer });
  await carol.next("video-offer");
  carol.send({ type: "video-answer", target: "alice", sdp: { type: "answer", sdp: "v=0" } });
  await alice.next("video-answer");
  carol.send({ type: "hang-up", target: "alice" });
  await alice.next("hang-up");
  alice.send({ type: "hang-up", target: null });
  alice.send({ type: "message", target: "eve", text: "after" });
  await eve.next((m) => m.text === "after");
  assertEquals(eve.pending().filter((m) => m.type === "hang-up"), []);
});
