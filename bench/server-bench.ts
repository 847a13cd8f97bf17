/**
 * One column of the signaling table: every relay scenario against one deployment (a
 * server, or our service as two instances on Redis), from the same scenario code.
 */
import type { Flavor, Peer } from "./clients.ts";
import type { Deployment } from "./deployments.ts";
import { machineBusySeconds, ownCpuSeconds } from "./proc.ts";
import type { MemoryResult, Outcome, ServerResult } from "./report.ts";
import {
  closeAll,
  type CpuProbe,
  errorCounts,
  joinStorm,
  type LatencyOptions,
  openPairs,
  relayLatency,
  relayThroughput,
  type ThroughputOptions,
} from "./scenarios.ts";
import { attempt, delay } from "./util.ts";

export interface ServerBenchConfig {
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

export interface ServerTarget {
  /** Name for --only. */
  id: string;
  start(): Promise<Deployment>;
  /** Whether to run the join storm (the cluster skips it to keep the run short). */
  joinStorm: boolean;
}

function mergeErrors(into: Record<string, number>, peers: readonly Peer[]): void {
  for (const [code, n] of Object.entries(errorCounts(peers))) into[code] = (into[code] ?? 0) + n;
}

/** JIT, allocator and server caches warm before anything is measured. */
async function warmUp(flavor: Flavor, server: CpuProbe, errors: Record<string, number>) {
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

export async function benchServer(
  target: ServerTarget,
  config: ServerBenchConfig,
): Promise<ServerResult> {
  const server = await target.start();
  const { flavor } = server;
  console.log(`\n${server.label}: starting`);
  const errors: Record<string, number> = {};
  const log = (text: string) => console.log(`  ${text}`);
  const cpuAtStart = await cpuSnapshot(server);
  try {
    log(server.where);
    for (const command of server.commands) log(`  ${command}`);
    await warmUp(flavor, server, errors);
    await delay(config.settleMs / 2);

    // RSS per idle socket (one process only), then relay latency over the same sockets.
    let idle: Peer[] = [];
    const openIdle = async () => {
      const start = performance.now();
      idle = await openPairs(flavor, config.idleSockets, "i");
      return performance.now() - start;
    };
    const readMemory = server.memory;
    let memory: Outcome<MemoryResult> | null = null;
    if (readMemory) {
      memory = await attempt(
        "idle sockets",
        () => measureMemory(readMemory, openIdle, config, log),
      );
    } else {
      await attempt("idle sockets", openIdle);
    }
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

    let storm = null;
    if (target.joinStorm) {
      storm = await attempt("join storm", () => joinStorm(flavor, config.stormUsers));
      if (!("error" in storm)) log(`join storm: ${storm.completeMs.toFixed(0)} ms`);
    }

    if (readMemory && memory && !("error" in memory)) {
      memory.peakRssBytes = (await readMemory()).hwm;
    }
    const cpuAtEnd = await cpuSnapshot(server);
    const elapsedSeconds = (cpuAtEnd.at - cpuAtStart.at) / 1000;
    const others = cpuAtEnd.machine - cpuAtStart.machine -
      (cpuAtEnd.bench - cpuAtStart.bench) - (cpuAtEnd.server - cpuAtStart.server);
    return {
      server: server.label,
      hasRooms: flavor.hasRooms,
      command: server.commands.join("; "),
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

/** RSS before and after opening the idle set (opened by `open`, which returns its ms). */
async function measureMemory(
  memory: NonNullable<Deployment["memory"]>,
  open: () => Promise<number>,
  config: ServerBenchConfig,
  log: (text: string) => void,
): Promise<MemoryResult> {
  const before = await memory();
  const openMs = await open();
  await delay(config.settleMs);
  const after = await memory();
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
}

async function cpuSnapshot(server: CpuProbe) {
  return {
    at: performance.now(),
    machine: await machineBusySeconds(),
    bench: await ownCpuSeconds(),
    server: await server.cpuSeconds(),
  };
}
