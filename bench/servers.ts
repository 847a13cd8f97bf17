/**
 * The servers under test (and the Redis behind a cluster of ours), each spawned as its
 * own child process so that its memory and CPU figures (read from /proc/<pid>) are the
 * server's alone.
 */
import { readCpuSeconds, readMemory, type ServerMemory } from "./proc.ts";
import { delay, withTimeout } from "./util.ts";
import { freePort } from "../test/support/process.ts";
import { redisServerArgs } from "../test/support/redis.ts";

export type { ServerMemory };

const root = new URL("..", import.meta.url).pathname;

export interface ServerProcess {
  readonly label: string;
  readonly pid: number;
  readonly port: number;
  /** What started it, for the report. */
  readonly command: string;
  /** Extra facts from its "listening" line (e.g. the ws version peerjs runs on). */
  readonly info: Record<string, unknown>;
  memory(): Promise<ServerMemory>;
  /** User + system CPU time the process has used so far, seconds. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Flags for our service. Rate limits (messages and bytes), the room-size cap and the
 * per-address cap are raised out of the way, still on, so the bench measures relay cost
 * with the limiter's own cost in it but no refusals; the join storm puts everyone in one
 * room (names from signaling/config.ts).
 */
export const P2P_CALL_FLAGS = [
  "--port",
  "0",
  "--host",
  "127.0.0.1",
  "--log-level",
  "error",
  "--rate-per-second",
  "1000000",
  "--rate-burst",
  "1000000",
  "--rate-bytes",
  "1000000000",
  "--rate-bytes-burst",
  "1000000000",
  "--max-room-members",
  "1000000",
  // Every bench socket comes from 127.0.0.1: the per-address cap would refuse most.
  "--max-connections-per-address",
  "0",
];

/** Our Deno signaling service, run by the same deno binary that runs the bench. */
export function startP2pCall(extraFlags: string[] = []): Promise<ServerProcess> {
  const args = [
    "run",
    "--allow-net",
    "--allow-read",
    "--allow-env",
    `${root}signaling/main.ts`,
    ...P2P_CALL_FLAGS,
    ...extraFlags,
  ];
  return spawnServer("p2p-call", Deno.execPath(), args);
}

/** The floor relay (bench/floor_relay.ts): a measuring stick, run by the same deno. */
export function startFloorRelay(): Promise<ServerProcess> {
  const args = ["run", "--allow-net", `${root}bench/floor_relay.ts`, "0"];
  return spawnServer(FLOOR_LABEL, Deno.execPath(), args);
}

/** The floor's column name, which the ratio table looks for. */
export const FLOOR_LABEL = "floor relay";

/** peerjs-server (npm `peer`) with its default options, under Node. */
export function startPeerjs(): Promise<ServerProcess> {
  return spawnServer("peerjs-server", "node", [`${root}bench/peerjs-server.mjs`, "0"]);
}

/**
 * A real redis-server on loopback and an ephemeral port, without persistence (nothing
 * the bench does should wait on a disk), for two instances of our service to share.
 * Its readiness is an accepted TCP connection: its log wording varies between versions.
 */
export function startRedis(binary = Deno.env.get("REDIS_SERVER") ?? "redis-server") {
  const port = freePort();
  return spawnServer("redis-server", binary, redisServerArgs(port), async (child) => {
    await waitForTcp(port);
    drain(child.stdout.pipeThrough(new TextDecoderStream()).getReader());
    return { port, url: `redis://127.0.0.1:${port}`, version: await redisVersion(binary) };
  });
}

/** e.g. "7.0.15", from `redis-server --version` ("Redis server v=7.0.15 sha=..."). */
async function redisVersion(binary: string): Promise<string | undefined> {
  const { stdout } = await new Deno.Command(binary, { args: ["--version"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(stdout).match(/v=(\S+)/)?.[1];
}

/** Polls until 127.0.0.1:`port` accepts a connection (gives up with spawnServer's timeout). */
async function waitForTcp(port: number, giveUpMs = 15_000): Promise<void> {
  const deadline = performance.now() + giveUpMs;
  while (performance.now() < deadline) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await delay(20);
    }
  }
  throw new Error(`nothing listens on port ${port}`);
}

const running = new Set<Deno.ChildProcess>();
const otherKills = new Set<() => void>();

/**
 * Registers a synchronous kill for a process the bench started some other way (the
 * browser); killAllServers() runs it. Returns the unregistration.
 */
export function onKillAll(kill: () => void): () => void {
  otherKills.add(kill);
  return () => otherKills.delete(kill);
}

/** Kills every server still running (used on errors and signals). Synchronous on purpose. */
export function killAllServers(): void {
  for (const child of running) killQuietly(child);
  running.clear();
  for (const kill of otherKills) {
    try {
      kill();
    } catch {
      // already gone
    }
  }
  otherKills.clear();
}

/**
 * Spawns a server and waits until `ready` (by default: its JSON "listening" line)
 * resolves with facts about it, among them its numeric `port`.
 */
async function spawnServer(
  label: string,
  cmd: string,
  args: string[],
  ready = (child: Deno.ChildProcess) => waitForListening(child.stdout),
): Promise<ServerProcess> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  running.add(child);
  const stderrTail = collectTail(child.stderr);
  const exited = child.status.then((status) => {
    running.delete(child);
    return status;
  });

  let listening: Record<string, unknown>;
  try {
    listening = await withTimeout(
      Promise.race([
        ready(child),
        exited.then((s) => Promise.reject(new Error(`exited with code ${s.code}`))),
      ]),
      15_000,
      `${label} to be ready`,
    );
  } catch (error) {
    killQuietly(child);
    await exited;
    const tail = (await stderrTail).trim();
    throw new Error(`${label} did not start: ${(error as Error).message}\n${tail}`);
  }

  const pid = child.pid;
  const command = [cmd === Deno.execPath() ? "deno" : cmd, ...args.map((a) => a.replace(root, ""))]
    .map((a) => (a === "" ? "''" : a))
    .join(" ");
  return {
    label,
    pid,
    port: Number(listening.port),
    command,
    info: listening,
    memory: () => readMemory(pid),
    cpuSeconds: () => readCpuSeconds(pid),
    async stop() {
      killQuietly(child, "SIGTERM");
      const timer = setTimeout(() => killQuietly(child, "SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
      await stderrTail;
    },
  };
}

function killQuietly(child: Deno.ChildProcess, signal: Deno.Signal = "SIGKILL"): void {
  try {
    child.kill(signal);
  } catch {
    // already exited
  }
}

/**
 * Reads JSON log lines until one has "msg":"listening" and a numeric port, then keeps
 * draining stdout in the background so a chatty server never blocks on a full pipe.
 */
async function waitForListening(stdout: ReadableStream<Uint8Array>) {
  const reader = stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error("stdout closed before the listening line");
    buffered += value;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      const parsed = parseLogLine(line);
      if (parsed?.msg === "listening" && typeof parsed.port === "number") {
        drain(reader);
        return parsed;
      }
    }
  }
}

function parseLogLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

async function drain(reader: ReadableStreamDefaultReader<string>): Promise<void> {
  try {
    while (!(await reader.read()).done) {
      // discard
    }
  } catch {
    // process gone
  }
}

/** Keeps the last few KiB of a stream (stderr), for error messages. */
async function collectTail(stream: ReadableStream<Uint8Array>, keep = 4096): Promise<string> {
  let tail = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      tail = (tail + chunk).slice(-keep);
    }
  } catch {
    // process gone
  }
  return tail;
}
