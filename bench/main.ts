/**
 * `deno task bench`: the signaling benchmark of issue 2. Runs the same client-side
 * scenarios against our service (signaling/main.ts) and against peerjs-server (npm
 * `peer`), one server at a time, each in its own child process; prints the figures side
 * by side and writes them to bench/results/latest.json.
 *
 *   deno run -A bench/main.ts            full run (about a minute)
 *   deno run -A bench/main.ts --quick    small smoke run (a few seconds per server)
 *   deno run -A bench/main.ts --only=p2p-call   one server only
 */
import {
  type Flavor,
  p2pCallFlavor,
  type Peer,
  peerjsFlavor,
  SAMPLE_CANDIDATE,
} from "./clients.ts";
import {
  type MemoryResult,
  type Outcome,
  renderProblems,
  renderTable,
  renderWarnings,
  type ServerResult,
} from "./report.ts";
import {
  closeAll,
  errorCounts,
  joinStorm,
  type LatencyOptions,
  openPairs,
  relayLatency,
  relayThroughput,
  type ThroughputOptions,
} from "./scenarios.ts";
import {
  killAllServers,
  machineBusySeconds,
  ownCpuSeconds,
  P2P_CALL_FLAGS,
  type ServerProcess,
  startP2pCall,
  startPeerjs,
} from "./servers.ts";
import { delay } from "./util.ts";

interface BenchConfig {
  /** Idle registered sockets for RSS, also the "1,000 sockets" latency set. */
  idleSockets: number;
  /** The "100 sockets" set, for latency and throughput. */
  smallSockets: number;
  latency: LatencyOptions;
  throughput: ThroughputOptions;
  stormUsers: number;
  /** Quiet time before reading RSS, so the server can finish its work and collect garbage. */
  settleMs: number;
}

const FULL: BenchConfig = {
  idleSockets: 1000,
  smallSockets: 100,
  latency: { rate: 2000, warmup: 1000, samples: 15_000 },
  throughput: { messages: 100_000, rounds: 3, pairs: 10, window: 100 },
  stormUsers: 1000,
  settleMs: 2000,
};

const QUICK: BenchConfig = {
  idleSockets: 200,
  smallSockets: 20,
  latency: { rate: 2000, warmup: 100, samples: 1000 },
  throughput: { messages: 10_000, rounds: 1, pairs: 5, window: 50 },
  stormUsers: 200,
  settleMs: 500,
};

const RESULTS_FILE = new URL("./results/latest.json", import.meta.url);

interface Target {
  label: string;
  start(): Promise<ServerProcess>;
  flavor(port: number): Flavor;
}

const TARGETS: Target[] = [
  { label: "p2p-call", start: () => startP2pCall(), flavor: p2pCallFlavor },
  { label: "peerjs-server", start: startPeerjs, flavor: peerjsFlavor },
];

async function attempt<T>(what: string, run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`  ${what} failed: ${message}`);
    return { error: message };
  }
}

function mergeErrors(into: Record<string, number>, peers: readonly Peer[]): void {
  for (const [code, n] of Object.entries(errorCounts(peers))) into[code] = (into[code] ?? 0) + n;
}

/** JIT, allocator and server caches warm before anything is measured. */
async function warmUp(flavor: Flavor, server: ServerProcess, errors: Record<string, number>) {
  const peers = await openPairs(flavor, 20, "w");
  try {
    await relayThroughput(flavor, peers, server, {
      messages: 5000,
      rounds: 1,
      pairs: 10,
      window: 50,
    });
    await relayLatency(flavor, peers, { rate: 2000, warmup: 0, samples: 500 });
  } finally {
    mergeErrors(errors, peers);
    await closeAll(peers);
  }
}

async function benchServer(target: Target, config: BenchConfig): Promise<ServerResult> {
  console.log(`\n${target.label}: starting`);
  const server = await target.start();
  const flavor = target.flavor(server.port);
  const errors: Record<string, number> = {};
  const log = (text: string) => console.log(`  ${text}`);
  const cpuAtStart = await cpuSnapshot(server);
  try {
    log(`pid ${server.pid}, port ${server.port}: ${server.command}`);
    await warmUp(flavor, server, errors);
    await delay(config.settleMs / 2);

    // RSS per idle socket, then relay latency over the same 1,000 sockets.
    let idle: Peer[] = [];
    const memory = await attempt("idle sockets", async (): Promise<MemoryResult> => {
      const before = await server.memory();
      const start = performance.now();
      idle = await openPairs(flavor, config.idleSockets, "i");
      const openMs = performance.now() - start;
      await delay(config.settleMs);
      const after = await server.memory();
      const perSocket = (after.rss - before.rss) / config.idleSockets;
      log(`${config.idleSockets} idle sockets: ${(perSocket / 1024).toFixed(1)} KiB RSS each`);
      return {
        sockets: config.idleSockets,
        rssBeforeBytes: before.rss,
        rssAfterBytes: after.rss,
        rssPerSocketBytes: perSocket,
        peakRssBytes: after.hwm,
        openMs,
      };
    });
    const latency1000 = idle.length
      ? await attempt("latency @ idle set", () => relayLatency(flavor, idle, config.latency))
      : { error: "no sockets" };
    if (!("error" in latency1000)) {
      log(`latency @ ${idle.length}: p50 ${latency1000.p50.toFixed(3)} ms`);
    }
    mergeErrors(errors, idle);
    await closeAll(idle);
    await delay(200);

    // Relay latency and throughput over 100 sockets.
    let small: Peer[] = [];
    const latency100 = await attempt("latency @ small set", async () => {
      small = await openPairs(flavor, config.smallSockets, "h");
      return await relayLatency(flavor, small, config.latency);
    });
    if (!("error" in latency100)) {
      log(`latency @ ${small.length}: p50 ${latency100.p50.toFixed(3)} ms`);
    }
    const throughput = small.length
      ? await attempt("throughput", () => relayThroughput(flavor, small, server, config.throughput))
      : { error: "no sockets" };
    if (!("error" in throughput)) log(`throughput: ${throughput.msgsPerSec.toFixed(0)} msgs/s`);
    mergeErrors(errors, small);
    await closeAll(small);
    await delay(200);

    const storm = await attempt("join storm", () => joinStorm(flavor, config.stormUsers));
    if (!("error" in storm)) log(`join storm: ${storm.completeMs.toFixed(0)} ms`);

    if (!("error" in memory)) memory.peakRssBytes = (await server.memory()).hwm;
    const cpuAtEnd = await cpuSnapshot(server);
    const elapsedSeconds = (cpuAtEnd.at - cpuAtStart.at) / 1000;
    const others = cpuAtEnd.machine - cpuAtStart.machine -
      (cpuAtEnd.bench - cpuAtStart.bench) - (cpuAtEnd.server - cpuAtStart.server);
    return {
      server: target.label,
      hasRooms: flavor.hasRooms,
      command: server.command,
      info: server.info,
      memory,
      latency1000,
      latency100,
      throughput,
      joinStorm: storm,
      errors,
      elapsedSeconds,
      otherCpuCores: Math.max(0, others / elapsedSeconds),
    };
  } finally {
    await server.stop();
  }
}

async function cpuSnapshot(server: ServerProcess) {
  return {
    at: performance.now(),
    machine: await machineBusySeconds(),
    bench: await ownCpuSeconds(),
    server: await server.cpuSeconds(),
  };
}

/** Bytes of one relayed frame as each client sends it, for the notes. */
function relayFrameBytes(flavor: Flavor): number {
  const body = { candidate: SAMPLE_CANDIDATE, t: 12345.678901, seq: 12345 };
  return new TextEncoder().encode(flavor.relayFrame("h12", body)).length;
}

function notes(config: BenchConfig, results: readonly ServerResult[]): string[] {
  const peerjs = results.find((r) => r.server === "peerjs-server");
  const { latency: l, throughput: t } = config;
  const n = (count: number) => count.toLocaleString("en-US");
  return [
    `Each server runs alone in its own child process on 127.0.0.1; all clients are WebSockets in ` +
    `this Deno process. Relayed message: one trickled ICE candidate, ` +
    `${relayFrameBytes(p2pCallFlavor(0))} bytes as new-ice-candidate (p2p-call), ` +
    `${relayFrameBytes(peerjsFlavor(0))} bytes as CANDIDATE (peerjs).`,
    `Throughput: ${n(t.messages)} targeted messages over ${t.pairs} sender->receiver pairs, ` +
    `${t.window} in flight per pair; msgs/s = delivered / elapsed; median of ${t.rounds} ` +
    `rounds. CPU per message (server, and this client process) from /proc/<pid>/stat.`,
    `Latency: one-way, sender's performance.now() in the payload, read at the receiver; ` +
    `${n(l.rate)} msgs/s offered round-robin over every pair (rooms of 2), both directions; ` +
    `${n(l.warmup)} warm-up + ${n(l.samples)} samples per socket count.`,
    `RSS per idle socket: (VmRSS with ${n(config.idleSockets)} registered idle sockets - VmRSS ` +
    `before) / ${n(config.idleSockets)}, read ${config.settleMs} ms after the last one ` +
    `registered (no forced GC: the servers are unmodified).`,
    `Join storm: ${n(config.stormUsers)} sockets connect at once into one room. p2p-call: each ` +
    `registers a name; done when every client's userlist holds all ${n(config.stormUsers)}; ` +
    `bytes = every frame received (id + coalesced userlists).`,
    `peerjs-server has no rooms or user lists: its storm is ${n(config.stormUsers)} connects ` +
    `until each got OPEN, and its bytes are the OPEN frames only; not like for like.`,
    `p2p-call runs with ${P2P_CALL_FLAGS.slice(4).join(" ")} (limiter on, out of the way).`,
    ...(peerjs
      ? [
        `peerjs-server ${peerjs.info.peer} with default options on node ${peerjs.info.node}, ` +
        `ws ${peerjs.info.ws} (as this lockfile resolves it).`,
      ]
      : []),
  ];
}

async function main(): Promise<number> {
  const quick = Deno.args.includes("--quick");
  const only = Deno.args.find((a) => a.startsWith("--only="))?.slice("--only=".length);
  const config = quick ? QUICK : FULL;
  const targets = TARGETS.filter((t) => !only || t.label === only);
  if (targets.length === 0) throw new Error(`--only: no server named "${only}"`);

  const startedAt = new Date();
  const results: ServerResult[] = [];
  for (const target of targets) {
    results.push(await benchServer(target, config));
  }
  const elapsedS = (Date.now() - startedAt.getTime()) / 1000;

  console.log(`\nSignaling benchmark${quick ? " (--quick)" : ""}, ${elapsedS.toFixed(0)} s\n`);
  const sizes = { idle: config.idleSockets, small: config.smallSockets, storm: config.stormUsers };
  console.log(renderTable(results, sizes));
  console.log("");
  for (const note of notes(config, results)) console.log(`* ${note}`);
  const problems = renderProblems(results);
  const warnings = renderWarnings(results);
  for (const line of [...problems, ...warnings]) console.log(`! ${line}`);

  await Deno.mkdir(new URL(".", RESULTS_FILE), { recursive: true });
  const report = {
    date: startedAt.toISOString(),
    elapsedSeconds: elapsedS,
    quick,
    machine: { cpu: await cpuModel(), cores: navigator.hardwareConcurrency },
    deno: Deno.version,
    config,
    notes: notes(config, results),
    problems,
    warnings,
    results,
  };
  await Deno.writeTextFile(RESULTS_FILE, JSON.stringify(report, null, 2) + "\n");
  console.log(`\nwrote ${RESULTS_FILE.pathname}`);
  return problems.length ? 1 : 0;
}

async function cpuModel(): Promise<string | undefined> {
  const info = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  return info.match(/^model name\s*:\s*(.+)$/m)?.[1];
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    killAllServers();
    Deno.exit(130);
  });
}
globalThis.addEventListener("unload", killAllServers);

try {
  Deno.exit(await main());
} catch (error) {
  console.error(error instanceof Error ? error.stack : error);
  killAllServers();
  Deno.exit(1);
}
