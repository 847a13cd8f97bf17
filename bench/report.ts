/** Turns the results into the side-by-side text tables, problems and warnings. */
import type { CallSetupResult, CallSetupSeries } from "./call-setup.ts";
import type { JoinStormResult, LatencyResult, ThroughputResult } from "./scenarios.ts";

export interface MemoryResult {
  sockets: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssPerSocketBytes: number;
  /** Peak RSS over the whole run (VmHWM at the end). */
  peakRssBytes: number;
  /** Time to open and register the idle sockets and see their partners (50 at a time). */
  openMs: number;
}

/** A scenario either produced its figures or failed with a message; the run goes on. */
export type Outcome<T> = T | { error: string };

export interface ServerResult {
  server: string;
  /** Whether the server has rooms and user lists (peerjs-server does not). */
  hasRooms: boolean;
  command: string;
  info: Record<string, unknown>;
  /** null: not measured for this deployment (several processes: RSS per socket would mix them). */
  memory: Outcome<MemoryResult> | null;
  latency1000: Outcome<LatencyResult>;
  latency100: Outcome<LatencyResult>;
  throughput: Outcome<ThroughputResult>;
  /** null: not measured for this deployment (kept out of the cluster run for time). */
  joinStorm: Outcome<JoinStormResult> | null;
  /** Error frames the clients received, by code (expected empty). */
  errors: Record<string, number>;
  /** Seconds this server's part of the run took. */
  elapsedSeconds: number;
  /** Average cores busy with processes other than the bench and this server meanwhile. */
  otherCpuCores: number;
}

function ok<T extends object>(outcome: Outcome<T> | null | undefined): T | undefined {
  return outcome && !("error" in outcome) ? outcome as T : undefined;
}

interface Row {
  label: string;
  value: (r: ServerResult) => number | undefined;
  digits: number;
  /** Shown instead of a missing number when the scenario did not fail (e.g. "n/a"). */
  missing?: (r: ServerResult) => string | undefined;
  /** Which scenario the row reads, to show "FAILED" when it failed. */
  from?: keyof Pick<
    ServerResult,
    "memory" | "latency1000" | "latency100" | "throughput" | "joinStorm"
  >;
}

const KiB = 1024;
const MiB = 1024 * 1024;

/** Socket counts the labels name (they differ in a --quick run). */
export interface Sizes {
  idle: number;
  small: number;
  storm: number;
}

function rows({ idle, small, storm }: Sizes): Row[] {
  const n = (count: number) => count.toLocaleString("en-US");
  return [
    {
      label: "relay throughput (msgs/s, median round)",
      from: "throughput",
      digits: 0,
      value: (r) => ok(r.throughput)?.msgsPerSec,
    },
    {
      label: "  slowest round (msgs/s)",
      from: "throughput",
      digits: 0,
      value: (r) => min(ok(r.throughput)?.roundsMsgsPerSec),
    },
    {
      label: "  fastest round (msgs/s)",
      from: "throughput",
      digits: 0,
      value: (r) => max(ok(r.throughput)?.roundsMsgsPerSec),
    },
    {
      label: "  server CPU per relayed msg (µs)",
      from: "throughput",
      digits: 1,
      value: (r) => ok(r.throughput)?.serverCpuMicrosPerMsg,
    },
    {
      label: "  bench client CPU per relayed msg (µs)",
      from: "throughput",
      digits: 1,
      value: (r) => ok(r.throughput)?.clientCpuMicrosPerMsg,
    },
    {
      label: `relay latency p50 @ ${n(small)} sockets (ms)`,
      from: "latency100",
      digits: 3,
      value: (r) => ok(r.latency100)?.p50,
    },
    {
      label: `relay latency p99 @ ${n(small)} sockets (ms)`,
      from: "latency100",
      digits: 3,
      value: (r) => ok(r.latency100)?.p99,
    },
    {
      label: `relay latency p50 @ ${n(idle)} sockets (ms)`,
      from: "latency1000",
      digits: 3,
      value: (r) => ok(r.latency1000)?.p50,
    },
    {
      label: `relay latency p99 @ ${n(idle)} sockets (ms)`,
      from: "latency1000",
      digits: 3,
      value: (r) => ok(r.latency1000)?.p99,
    },
    {
      label: `join storm, ${n(storm)} users: all registered (ms)`,
      from: "joinStorm",
      digits: 0,
      value: (r) => ok(r.joinStorm)?.registeredMs,
    },
    {
      label: `join storm: all see ${n(storm)} users (ms)`,
      from: "joinStorm",
      digits: 0,
      value: (r) => (r.hasRooms ? ok(r.joinStorm)?.completeMs : undefined),
      missing: (r) => (r.hasRooms ? undefined : "n/a (no lists)"),
    },
    {
      label: "join storm: bytes received, all clients (MB)",
      from: "joinStorm",
      digits: 2,
      value: (r) => div(ok(r.joinStorm)?.bytes, 1e6),
    },
    {
      label: "join storm: frames received per user",
      from: "joinStorm",
      digits: 1,
      value: (r) => ok(r.joinStorm)?.framesPerUser,
    },
    {
      label: "RSS per idle socket (KiB)",
      from: "memory",
      digits: 1,
      value: (r) => div(ok(r.memory)?.rssPerSocketBytes, KiB),
    },
    {
      label: "  RSS before the idle sockets (MiB)",
      from: "memory",
      digits: 1,
      value: (r) => div(ok(r.memory)?.rssBeforeBytes, MiB),
    },
    {
      label: `  RSS with ${n(idle)} idle sockets (MiB)`,
      from: "memory",
      digits: 1,
      value: (r) => div(ok(r.memory)?.rssAfterBytes, MiB),
    },
    {
      label: "  peak RSS over the run (MiB)",
      from: "memory",
      digits: 1,
      value: (r) => div(ok(r.memory)?.peakRssBytes, MiB),
    },
    {
      label: `  open+register ${n(idle)} sockets, 50 at a time (ms)`,
      from: "memory",
      digits: 0,
      value: (r) => ok(r.memory)?.openMs,
    },
    {
      label: "other processes' CPU meanwhile (cores of 2)",
      digits: 2,
      value: (r) => r.otherCpuCores,
    },
  ];
}

function min(values: number[] | undefined) {
  return values?.length ? Math.min(...values) : undefined;
}

function max(values: number[] | undefined) {
  return values?.length ? Math.max(...values) : undefined;
}

function div(value: number | undefined, by: number) {
  return value === undefined ? undefined : value / by;
}

function format(value: number, digits: number): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function cell(row: Row, result: ServerResult): string {
  const outcome = row.from && result[row.from];
  if (outcome === null) return "n/a";
  if (outcome && "error" in outcome) return "FAILED";
  const value = row.value(result);
  if (value === undefined || Number.isNaN(value)) return row.missing?.(result) ?? "-";
  return format(value, row.digits);
}

/** The side-by-side table, one column per server. */
export function renderTable(results: readonly ServerResult[], sizes: Sizes): string {
  const header = ["", ...results.map((r) => r.server)];
  const body = rows(sizes).map((row) => [row.label, ...results.map((r) => cell(row, r))]);
  return textTable(header, body);
}

/**
 * Every row of the side-by-side table as a ratio to the floor relay's figure from the
 * same run (issue 16): 1.00 is what the runtime itself needs, higher is our overhead.
 * Throughput rows read "higher is better" the other way round; the label says which.
 */
export function renderRatios(
  results: readonly ServerResult[],
  sizes: Sizes,
  floorLabel: string,
): string {
  const floor = results.find((r) => r.server === floorLabel);
  const others = results.filter((r) => r !== floor);
  if (!floor || !others.length) return "";
  const header = [`÷ ${floorLabel} (same run)`, ...others.map((r) => r.server)];
  const body = rows(sizes).map((row) => {
    const base = cell(row, floor) === "FAILED" ? undefined : row.value(floor);
    return [
      row.label,
      ...others.map((r) => {
        const value = cell(row, r) === "FAILED" ? undefined : row.value(r);
        if (base === undefined || value === undefined || !base) return "-";
        return `${format(value / base, 2)}×`;
      }),
    ];
  });
  return textTable(header, body);
}

/** Left-aligned first column, right-aligned numbers, a rule under the header. */
function textTable(header: string[], body: string[][]): string {
  const widths = header.map((_, c) => Math.max(...[header, ...body].map((line) => line[c].length)));
  const line = (cells: string[]) =>
    cells.map((text, c) => (c === 0 ? text.padEnd(widths[c]) : text.padStart(widths[c])))
      .join("   ");
  const rule = widths.map((w) => "-".repeat(w)).join("   ");
  return [line(header), rule, ...body.map(line)].join("\n");
}

/** Milliseconds with one decimal; "-" where no call of a kind succeeded. */
const ms = (value: number) => (Number.isNaN(value) ? "-" : format(value, 1));

/**
 * The call setup table (issue 3): one row per kind of call, percentiles across, the
 * difference of the medians under it.
 */
export function renderCallSetup(result: Outcome<CallSetupResult>): string {
  if ("error" in result) return `call setup FAILED: ${result.error}`;
  const cells = (label: string, s: CallSetupSeries) => [
    label,
    ...[s.frame.p50, s.frame.p90, s.frame.min, s.frame.max, s.connected.p50].map(ms),
    `${s.frame.samples}/${result.calls}`,
  ];
  const header = [
    `call() → first remote frame, ms`,
    "p50",
    "p90",
    "min",
    "max",
    "ICE+DTLS up, p50",
    "calls ok",
  ];
  const table = textTable(header, [
    cells("<p2p-call> pair via the service", result.widget),
    cells("in-page RTCPeerConnection loopback", result.loopback),
  ]);
  const overhead = `element + service overhead (difference of medians): ` +
    `${ms(result.overheadMs)} ms to the first frame, ` +
    `${ms(result.widget.connected.p50 - result.loopback.connected.p50)} ms to ICE+DTLS up`;
  return `${table}\n${overhead}\n` +
    `other processes' CPU meanwhile: ${format(result.otherCpuCores, 2)} cores of 2`;
}

/** Failures and unexpected error frames, one line each (empty when all went well). */
export function renderProblems(
  results: readonly ServerResult[],
  callSetup?: Outcome<CallSetupResult>,
): string[] {
  const problems: string[] = [];
  for (const r of results) {
    for (const key of ["throughput", "latency100", "latency1000", "joinStorm", "memory"] as const) {
      const outcome = r[key];
      if (outcome && "error" in outcome) {
        problems.push(`${r.server} ${key} FAILED: ${outcome.error}`);
      }
    }
    for (const key of ["latency100", "latency1000"] as const) {
      const latency = ok(r[key]);
      if (latency?.misattributed) {
        problems.push(`${r.server} ${key}: ${latency.misattributed} messages with a wrong sender`);
      }
    }
    if (Object.keys(r.errors).length) {
      problems.push(`${r.server}: clients received error frames ${JSON.stringify(r.errors)}`);
    }
  }
  if (callSetup && "error" in callSetup) problems.push(`call setup FAILED: ${callSetup.error}`);
  const setup = ok(callSetup);
  if (setup) {
    for (const [kind, series] of Object.entries({ widget: setup.widget, loop: setup.loopback })) {
      for (const failure of series.failures) problems.push(`call setup, ${kind} ${failure}`);
    }
    for (const [error, times] of tally(setup.pageErrors)) {
      problems.push(`call setup page: ${error}${times > 1 ? ` (${times} times)` : ""}`);
    }
  }
  return problems;
}

/** Distinct messages with their counts, in order of first appearance. */
function tally(messages: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages) counts.set(message, (counts.get(message) ?? 0) + 1);
  return counts;
}

/** Conditions that make the figures less trustworthy without failing the run. */
export function renderWarnings(
  results: readonly ServerResult[],
  callSetup?: Outcome<CallSetupResult>,
  maxOtherCores = 0.2,
): string[] {
  const parts = results.map((r) => ({ part: r.server, cores: r.otherCpuCores }));
  const setup = ok(callSetup);
  if (setup) parts.push({ part: "call setup", cores: setup.otherCpuCores });
  return parts
    .filter(({ cores }) => cores > maxOtherCores)
    .map(({ part, cores }) =>
      `other processes kept ${cores.toFixed(2)} of 2 cores busy during the ${part} part: ` +
      `its throughputs are understated and its times overstated; rerun on a quiet machine`
    );
}
