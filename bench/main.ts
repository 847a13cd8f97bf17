/**
 * `deno task bench`: the benchmarks of issues 2, 3 and 4, in one run.
 *
 * - Signaling: the same client-side scenarios against the runtime's floor (a minimal
 *   MDN-protocol relay, bench/floor_relay.ts), our service (signaling/main.ts),
 *   against peerjs-server (npm `peer`), and against two instances of our service on one
 *   Redis; one deployment at a time, each server in its own child process.
 * - Call setup: call() → first remote frame through two `<p2p-call>` elements and the
 *   service, next to a direct RTCPeerConnection loopback, in headless Chromium.
 * - Soak (issue 11): 100 pairs relaying through one instance while another address
 *   attacks it for 30 s; fds, RSS, relay p99 and honest disconnects before, during, after.
 *
 * Prints the figures side by side and writes them to bench/results/latest.json.
 *
 *   deno run -A bench/main.ts            full run (about two minutes)
 *   deno run -A bench/main.ts --quick    small smoke run (a few seconds per part)
 *   deno run -A bench/main.ts --only=p2p-call,call-setup   some parts only
 *     parts: floor (bench/floor_relay.ts, a measuring stick), p2p-call, peerjs-server, redis (the two-instance cluster), call-setup, soak
 */
import { benchCallSetup, type CallSetupOptions, type CallSetupResult } from "./call-setup.ts";
import {
  startClusterDeployment,
  startFloorDeployment,
  startP2pCallDeployment,
  startPeerjsDeployment,
} from "./deployments.ts";
import { callSetupNotes, signalingNotes } from "./notes.ts";
import {
  type Outcome,
  renderCallSetup,
  renderProblems,
  renderRatios,
  renderTable,
  renderWarnings,
  type ServerResult,
} from "./report.ts";
import { benchServer, type ServerBenchConfig, type ServerTarget } from "./server-bench.ts";
import { FLOOR_LABEL, killAllServers } from "./servers.ts";
import { benchSoak, renderSoak, type SoakOptions, soakProblems, type SoakResult } from "./soak.ts";
import { attempt } from "./util.ts";

interface BenchConfig extends ServerBenchConfig {
  callSetup: CallSetupOptions;
  soak: SoakOptions;
}

const FULL: BenchConfig = {
  idleSockets: 1000,
  smallSockets: 100,
  latency: { rate: 2000, warmup: 1000, samples: 15_000 },
  throughput: { messages: 100_000, rounds: 3, pairs: 10, window: 100 },
  stormUsers: 1000,
  settleMs: 2000,
  callSetup: { calls: 20, warmup: 2, settleMs: 300 },
  soak: { pairs: 100, beforeMs: 8000, attackMs: 30_000, afterMs: 10_000, relayEveryMs: 100 },
};

const QUICK: BenchConfig = {
  idleSockets: 200,
  smallSockets: 20,
  latency: { rate: 2000, warmup: 100, samples: 1000 },
  throughput: { messages: 10_000, rounds: 1, pairs: 5, window: 50 },
  stormUsers: 200,
  settleMs: 500,
  callSetup: { calls: 3, warmup: 1, settleMs: 200 },
  soak: { pairs: 20, beforeMs: 3000, attackMs: 8000, afterMs: 4000, relayEveryMs: 100 },
};

const RESULTS_FILE = new URL("./results/latest.json", import.meta.url);

const SERVER_TARGETS: ServerTarget[] = [
  // The runtime's floor first: the measuring stick every other column is divided by.
  { id: "floor", start: startFloorDeployment, joinStorm: true },
  { id: "p2p-call", start: startP2pCallDeployment, joinStorm: true },
  { id: "peerjs-server", start: startPeerjsDeployment, joinStorm: true },
  { id: "redis", start: () => startClusterDeployment(2), joinStorm: false },
];
const CALL_SETUP = "call-setup";
const SOAK = "soak";
const PARTS = [...SERVER_TARGETS.map((t) => t.id), CALL_SETUP, SOAK];

async function main(): Promise<number> {
  const quick = Deno.args.includes("--quick");
  const only = Deno.args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
  const unknown = only?.filter((part) => !PARTS.includes(part)) ?? [];
  if (unknown.length) throw new Error(`--only: no part ${unknown} (parts: ${PARTS})`);
  const selected = (part: string) => !only || only.includes(part);
  const config = quick ? QUICK : FULL;

  const startedAt = new Date();
  const results: ServerResult[] = [];
  const startFailures: string[] = [];
  for (const target of SERVER_TARGETS.filter((t) => selected(t.id))) {
    // A part that cannot even start (say, no redis-server) costs its column, not the run.
    const result = await attempt(target.id, () => benchServer(target, config));
    if ("error" in result) startFailures.push(`${target.id} FAILED: ${result.error}`);
    else results.push(result);
  }
  let callSetup: Outcome<CallSetupResult> | undefined;
  if (selected(CALL_SETUP)) {
    console.log("\ncall setup: starting");
    const log = (text: string) => console.log(`  ${text}`);
    callSetup = await attempt("call setup", () => benchCallSetup(config.callSetup, log));
  }
  let soak: Outcome<SoakResult> | undefined;
  if (selected(SOAK)) {
    console.log("\nsoak: starting");
    soak = await attempt("soak", () => benchSoak(config.soak, (text) => console.log(`  ${text}`)));
  }
  const elapsedS = (Date.now() - startedAt.getTime()) / 1000;

  console.log(`\nBenchmark${quick ? " (--quick)" : ""}, ${elapsedS.toFixed(0)} s`);
  const notes = [
    ...signalingNotes(config, results),
    ...callSetupNotes(config.callSetup, callSetup),
  ];
  if (results.length) {
    const sizes = {
      idle: config.idleSockets,
      small: config.smallSockets,
      storm: config.stormUsers,
    };
    console.log(`\n${renderTable(results, sizes)}`);
    const ratios = renderRatios(results, sizes, FLOOR_LABEL);
    if (ratios) console.log(`\n${ratios}`);
  }
  if (callSetup) console.log(`\n${renderCallSetup(callSetup)}`);
  if (soak) console.log(`\n${"error" in soak ? `soak FAILED: ${soak.error}` : renderSoak(soak)}`);
  console.log("");
  for (const note of notes) console.log(`* ${note}`);
  const problems = [
    ...startFailures,
    ...renderProblems(results, callSetup),
    ...(soak ? ("error" in soak ? [`soak FAILED: ${soak.error}`] : soakProblems(soak)) : []),
  ];
  const warnings = renderWarnings(results, callSetup);
  for (const line of [...problems, ...warnings]) console.log(`! ${line}`);

  await Deno.mkdir(new URL(".", RESULTS_FILE), { recursive: true });
  const report = {
    date: startedAt.toISOString(),
    elapsedSeconds: elapsedS,
    quick,
    machine: { cpu: await cpuModel(), cores: navigator.hardwareConcurrency },
    deno: Deno.version,
    config,
    notes,
    problems,
    warnings,
    results,
    callSetup,
    soak,
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
