/**
 * The measurements, written once against the `Flavor`/`Peer` interface so both
 * servers run exactly the same client code.
 *
 * Sockets come in pairs: peer 2i and peer 2i+1 share room `<prefix>-<i>` (a 1:1 call),
 * so relay cost is measured without a big room's user-list traffic on top. The join
 * storm is the one scenario that puts everybody in one room.
 */
import type { Flavor, Peer } from "./clients.ts";
import { SAMPLE_CANDIDATE } from "./clients.ts";
import { type LatencySummary, summarize } from "./stats.ts";
import { ownCpuSeconds } from "./proc.ts";
import { delay, mapLimit, withTimeout } from "./util.ts";

/** What a scenario may ask of the server process (CPU is read from /proc). */
export interface CpuProbe {
  cpuSeconds(): Promise<number>;
}

// ---- socket sets ------------------------------------------------------------------------

/**
 * Opens `count` registered sockets in rooms of two, at most `concurrency` connecting at
 * once, and resolves once every socket sees its partner in its user list. On one
 * instance that is at most a userlist-coalescing delay later; across instances it means
 * the partner's presence has come through Redis, so no relayed message can outrun it.
 */
export async function openPairs(
  flavor: Flavor,
  count: number,
  prefix: string,
  concurrency = 50,
): Promise<Peer[]> {
  if (count % 2 !== 0) throw new Error("openPairs needs an even count");
  const peers = await withTimeout(
    mapLimit(count, concurrency, (i) => flavor.connect(`${prefix}${i}`, `${prefix}-${i >> 1}`)),
    60_000,
    `${flavor.label}: opening ${count} sockets`,
  );
  await withTimeout(
    Promise.all(peers.map((peer) => peer.whenRoster(2))),
    20_000,
    `${flavor.label}: ${count} sockets seeing their partners`,
  );
  return peers;
}

export async function closeAll(peers: readonly Peer[]): Promise<void> {
  await withTimeout(Promise.all(peers.map((p) => p.close())), 20_000, "closing sockets");
}

/** Error frames received by a set of peers, by code (empty when all went well). */
export function errorCounts(peers: readonly Peer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const peer of peers) {
    for (const [code, n] of peer.errors) counts[code] = (counts[code] ?? 0) + n;
  }
  return counts;
}

// ---- relay latency ----------------------------------------------------------------------

export interface LatencyOptions {
  /** Messages per second offered, spread round-robin over every pair, both directions. */
  rate: number;
  /** Messages sent first and not recorded. */
  warmup: number;
  samples: number;
}

export interface LatencyResult extends LatencySummary {
  sockets: number;
  rate: number;
  /** Messages whose server-stamped sender was not the real sender (must be 0). */
  misattributed: number;
}

/**
 * One-way relay latency at a fixed, moderate offered load: each message carries the
 * sender's performance.now() and the receiver (same process, same clock) records the
 * difference. Message k goes through pair k mod P, alternating direction, so every
 * socket of the set sends and receives.
 */
export async function relayLatency(
  flavor: Flavor,
  peers: readonly Peer[],
  { rate, warmup, samples }: LatencyOptions,
): Promise<LatencyResult> {
  const pairs = peers.length / 2;
  const total = warmup + samples;
  const latencies: number[] = [];
  let received = 0;
  let misattributed = 0;
  const done = Promise.withResolvers<void>();

  for (let i = 0; i < peers.length; i++) {
    const partner = peers[i ^ 1];
    peers[i].onRelay = (frame) => {
      const now = performance.now();
      const { from, body } = flavor.parseRelay(frame);
      if (from !== partner.name) misattributed++;
      if (body.seq >= warmup) latencies.push(now - body.t);
      if (++received === total) done.resolve();
    };
  }

  const sendOne = (seq: number) => {
    const pair = seq % pairs;
    const forward = Math.floor(seq / pairs) % 2 === 0;
    const from = peers[2 * pair + (forward ? 0 : 1)];
    const to = peers[2 * pair + (forward ? 1 : 0)];
    from.send(
      flavor.relayFrame(to.name, { candidate: SAMPLE_CANDIDATE, t: performance.now(), seq }),
    );
  };

  // Paced by the clock, not by timer ticks: each tick sends whatever is due by now.
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    while (sent < due) sendOne(sent++);
    await delay(1);
  }
  await withTimeout(
    done.promise,
    10_000,
    `${flavor.label}: ${total - received} of ${total} latency messages undelivered ` +
      JSON.stringify(errorCounts(peers)),
  );
  for (const peer of peers) peer.onRelay = null;
  return { sockets: peers.length, rate, misattributed, ...summarize(latencies) };
}

// ---- relay throughput -------------------------------------------------------------------

export interface ThroughputOptions {
  /** Messages per round. */
  messages: number;
  /** Rounds run back to back on the same sockets; the median round is reported. */
  rounds: number;
  /** Sender→receiver pairs relaying at once. */
  pairs: number;
  /** Messages in flight per pair (sent, not yet received). */
  window: number;
}

export interface ThroughputRound {
  messages: number;
  pairs: number;
  window: number;
  elapsedMs: number;
  msgsPerSec: number;
  /** Server CPU (user+sys) spent per relayed message, from /proc/<pid>/stat. */
  serverCpuMicrosPerMsg: number;
  /** The bench process's own CPU per message (senders and receivers), to spot a client bottleneck. */
  clientCpuMicrosPerMsg: number;
}

/**
 * Saturating relay: `pairs` senders each keep `window` targeted messages in flight to
 * their receiver until `messages` have been delivered in all. Frames are serialised
 * once and receivers only count them, so the client spends as little CPU as it can.
 */
async function throughputRound(
  flavor: Flavor,
  peers: readonly Peer[],
  server: CpuProbe,
  { messages, pairs, window }: ThroughputOptions,
): Promise<ThroughputRound> {
  if (peers.length < 2 * pairs) throw new Error(`need ${2 * pairs} sockets`);
  const quota = Math.floor(messages / pairs);
  const total = quota * pairs;
  let delivered = 0;
  const done = Promise.withResolvers<void>();
  const starters: (() => void)[] = [];

  for (let i = 0; i < pairs; i++) {
    const sender = peers[2 * i];
    const receiver = peers[2 * i + 1];
    const frame = flavor.relayFrame(receiver.name, { candidate: SAMPLE_CANDIDATE, t: 0, seq: i });
    let sent = 0;
    receiver.onRelay = () => {
      if (sent < quota) {
        sender.send(frame);
        sent++;
      }
      if (++delivered === total) done.resolve();
    };
    starters.push(() => {
      for (; sent < Math.min(window, quota); sent++) sender.send(frame);
    });
  }

  const cpuBefore = await server.cpuSeconds();
  const clientCpuBefore = await ownCpuSeconds();
  const start = performance.now();
  for (const kick of starters) kick();
  await withTimeout(
    done.promise,
    60_000,
    `${flavor.label}: ${total - delivered} of ${total} throughput messages undelivered ` +
      JSON.stringify(errorCounts(peers)),
  );
  const elapsedMs = performance.now() - start;
  const cpu = (await server.cpuSeconds()) - cpuBefore;
  const clientCpu = (await ownCpuSeconds()) - clientCpuBefore;
  for (const peer of peers) peer.onRelay = null;
  return {
    messages: total,
    pairs,
    window,
    elapsedMs,
    msgsPerSec: total / (elapsedMs / 1000),
    serverCpuMicrosPerMsg: (cpu * 1e6) / total,
    clientCpuMicrosPerMsg: (clientCpu * 1e6) / total,
  };
}

export interface ThroughputResult extends ThroughputRound {
  /** msgs/s of every round, in the order run. */
  roundsMsgsPerSec: number[];
}

/** `rounds` saturating rounds; the figures are those of the median round by msgs/s. */
export async function relayThroughput(
  flavor: Flavor,
  peers: readonly Peer[],
  server: CpuProbe,
  options: ThroughputOptions,
): Promise<ThroughputResult> {
  const rounds: ThroughputRound[] = [];
  for (let i = 0; i < options.rounds; i++) {
    rounds.push(await throughputRound(flavor, peers, server, options));
  }
  const sorted = [...rounds].sort((a, b) => a.msgsPerSec - b.msgsPerSec);
  return {
    ...sorted[Math.floor((sorted.length - 1) / 2)],
    roundsMsgsPerSec: rounds.map((r) => r.msgsPerSec),
  };
}

// ---- join storm -------------------------------------------------------------------------

export interface JoinStormResult {
  users: number;
  /** Until every socket was registered (own name in a userlist; peerjs: OPEN). */
  registeredMs: number;
  /** Until every socket saw all `users` in its user list (= registeredMs without rooms). */
  completeMs: number;
  /** Payload bytes all clients received, through completion plus a short settle. */
  bytes: number;
  frames: number;
  /** Bytes and frames received per user. */
  bytesPerUser: number;
  framesPerUser: number;
}

/** `users` sockets connect at once into one room; measured at the clients. */
export async function joinStorm(
  flavor: Flavor,
  users: number,
  settleMs = 500,
): Promise<JoinStormResult> {
  const peers: Peer[] = [];
  const start = performance.now();
  try {
    await withTimeout(
      Promise.all(
        Array.from({ length: users }, async (_, i) => {
          peers.push(await flavor.connect(`s${i}`, "storm"));
        }),
      ),
      60_000,
      `${flavor.label}: ${users} users registering`,
    );
    const registeredMs = performance.now() - start;
    await withTimeout(
      Promise.all(peers.map((p) => p.whenRoster(users))),
      60_000,
      `${flavor.label}: every user seeing all ${users} users`,
    );
    const completeMs = performance.now() - start;
    await delay(settleMs);
    const bytes = peers.reduce((sum, p) => sum + p.bytes, 0);
    const frames = peers.reduce((sum, p) => sum + p.frames, 0);
    return {
      users,
      registeredMs,
      completeMs,
      bytes,
      frames,
      bytesPerUser: bytes / users,
      framesPerUser: frames / users,
    };
  } finally {
    await closeAll(peers);
  }
}
