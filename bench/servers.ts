/**
 * The two servers under test, each spawned as its own child process so that its
 * memory and CPU figures (read from /proc/<pid>) are the server's alone.
 */
import { withTimeout } from "./util.ts";

const root = new URL("..", import.meta.url).pathname;

export interface ServerMemory {
  /** Resident set size now (VmRSS), bytes. */
  rss: number;
  /** Peak resident set size so far (VmHWM), bytes. */
  hwm: number;
}

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
 * Flags for our service. Rate limits and frame limits are raised out of the way so
 * the bench measures relay cost, not the limiter (names from signaling/config.ts).
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

/** peerjs-server (npm `peer`) with its default options, under Node. */
export function startPeerjs(): Promise<ServerProcess> {
  return spawnServer("peerjs-server", "node", [`${root}bench/peerjs-server.mjs`, "0"]);
}

const running = new Set<Deno.ChildProcess>();

/** Kills every server still running (used on errors and signals). Synchronous on purpose. */
export function killAllServers(): void {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  running.clear();
}

async function spawnServer(label: string, cmd: string, args: string[]): Promise<ServerProcess> {
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
        waitForListening(child.stdout),
        exited.then((s) => Promise.reject(new Error(`exited with code ${s.code}`))),
      ]),
      15_000,
      `${label} to print its "listening" line`,
    );
  } catch (error) {
    killQuietly(child);
    await exited;
    const tail = (await stderrTail).trim();
    throw new Error(`${label} did not start: ${(error as Error).message}\n${tail}`);
  }

  const pid = child.pid;
  const command = [cmd === Deno.execPath() ? "deno" : cmd, ...args.map((a) => a.replace(root, ""))]
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

async function readMemory(pid: number): Promise<ServerMemory> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kib = (field: string) => {
    const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/** Clock ticks per second for /proc/<pid>/stat; 100 on every Linux we run on. */
const CLOCK_TICKS = 100;

/**
 * CPU time the whole machine spent busy (user, nice, system, irq, softirq, steal) over
 * all cores, seconds; with the bench's and the server's own share subtracted it tells
 * how much other work (e.g. someone's browser tests) competed with the run.
 */
export async function machineBusySeconds(): Promise<number> {
  const stat = await Deno.readTextFile("/proc/stat");
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = stat.split("\n")[0]
    .trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

/** CPU time of the bench process itself (all its threads), seconds. */
export function ownCpuSeconds(): Promise<number> {
  return readCpuSeconds("self");
}

async function readCpuSeconds(pid: number | "self"): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
