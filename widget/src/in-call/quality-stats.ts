/**
 * Call quality from RTCPeerConnection.getStats(): pure functions, so the
 * arithmetic and the good/fair/poor thresholds are tested without a call.
 * getStats counters are cumulative, so rates and loss come from the
 * difference between two reports.
 */

export type QualityLevel = "good" | "fair" | "poor";

/** One measurement, over the interval since the previous report. */
export interface QualitySample {
  level: QualityLevel;
  /** Round-trip time of the active ICE candidate pair in ms, if known. */
  roundTripTime: number | null;
  /** Bits per second received, all incoming media. */
  bitrateIn: number;
  /** Bits per second sent, all outgoing media. */
  bitrateOut: number;
  /** Share (0–1) of incoming packets lost in the interval; `null` if none were expected. */
  packetLoss: number | null;
  /** Incoming video size and frame rate, once frames were decoded. */
  width: number | null;
  height: number | null;
  frameRate: number | null;
}

/** The cumulative counters of one report, kept to diff the next one against. */
export interface StatsSnapshot {
  /** Milliseconds (any monotonic clock, the same for every snapshot). */
  time: number;
  bytesIn: number;
  bytesOut: number;
  packetsReceived: number;
  packetsLost: number;
}

/**
 * Thresholds of the level. ITU-T G.114 finds one-way delay unnoticed up to
 * 150 ms; the network RTT here leaves out capture, jitter buffer and
 * decoding, so it is held to less than twice that. Video with NACK/FEC stays
 * watchable through a few percent of loss, not through ten.
 */
export const QUALITY_THRESHOLDS = {
  fair: { roundTripTime: 250, packetLoss: 0.03 },
  poor: { roundTripTime: 500, packetLoss: 0.1 },
} as const;

// Only the fields read here; RTCStatsReport's values are untyped dictionaries.
interface Stat {
  type: string;
  id: string;
  kind?: string;
  bytesReceived?: number;
  bytesSent?: number;
  packetsReceived?: number;
  packetsLost?: number;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  selectedCandidatePairId?: string;
  currentRoundTripTime?: number;
  roundTripTime?: number;
  state?: string;
  nominated?: boolean;
  selected?: boolean;
}

/** Reads a getStats report; `time` is when it was taken. */
export function snapshotOf(report: RTCStatsReport, time: number): {
  snapshot: StatsSnapshot;
  roundTripTime: number | null;
  width: number | null;
  height: number | null;
  frameRate: number | null;
} {
  const stats = [...(report as unknown as Map<string, Stat>).values()];
  const snapshot: StatsSnapshot = {
    time,
    bytesIn: 0,
    bytesOut: 0,
    packetsReceived: 0,
    packetsLost: 0,
  };
  let width: number | null = null;
  let height: number | null = null;
  let frameRate: number | null = null;
  for (const stat of stats) {
    if (stat.type === "inbound-rtp") {
      snapshot.bytesIn += stat.bytesReceived ?? 0;
      snapshot.packetsReceived += stat.packetsReceived ?? 0;
      // Can be negative with duplicates (RFC 3550 §6.4.1).
      snapshot.packetsLost += Math.max(0, stat.packetsLost ?? 0);
      if (stat.kind === "video" && stat.frameWidth && stat.frameHeight) {
        width = stat.frameWidth;
        height = stat.frameHeight;
        frameRate = stat.framesPerSecond ?? frameRate;
      }
    } else if (stat.type === "outbound-rtp") {
      snapshot.bytesOut += stat.bytesSent ?? 0;
    }
  }
  return { snapshot, roundTripTime: roundTripOf(stats), width, height, frameRate };
}

/** The RTT of the candidate pair in use, else the peer's RTCP-reported one. */
function roundTripOf(stats: Stat[]): number | null {
  const transport = stats.find((stat) => stat.type === "transport" && stat.selectedCandidatePairId);
  const pair = stats.find((stat) =>
    stat.type === "candidate-pair" &&
    (transport
      ? stat.id === transport.selectedCandidatePairId
      // Firefox marks the pair instead of naming it on the transport.
      : stat.selected || (stat.nominated && stat.state === "succeeded"))
  );
  const seconds = pair?.currentRoundTripTime ??
    stats.find((stat) => stat.type === "remote-inbound-rtp" && stat.roundTripTime !== undefined)
      ?.roundTripTime;
  return seconds === undefined ? null : Math.round(seconds * 1000);
}

export function levelOf(
  sample: Pick<QualitySample, "roundTripTime" | "packetLoss">,
  mediaStalled: boolean,
): QualityLevel {
  const rtt = sample.roundTripTime ?? 0;
  const loss = sample.packetLoss ?? 0;
  const { fair, poor } = QUALITY_THRESHOLDS;
  if (mediaStalled || rtt >= poor.roundTripTime || loss >= poor.packetLoss) return "poor";
  if (rtt >= fair.roundTripTime || loss >= fair.packetLoss) return "fair";
  return "good";
}

/**
 * The quality between `previous` and this report. `sample` is `null` for the
 * first report of a connection (rates need two).
 */
export function sampleQuality(
  report: RTCStatsReport,
  previous: StatsSnapshot | null,
  time: number,
): { sample: QualitySample | null; snapshot: StatsSnapshot } {
  const current = snapshotOf(report, time);
  const { snapshot } = current;
  const seconds = previous ? (snapshot.time - previous.time) / 1000 : 0;
  if (!previous || seconds <= 0) return { sample: null, snapshot };
  const rate = (now: number, before: number) =>
    Math.max(0, Math.round((now - before) * 8 / seconds));
  const received = snapshot.packetsReceived - previous.packetsReceived;
  const lost = Math.max(0, snapshot.packetsLost - previous.packetsLost);
  const packetLoss = received + lost > 0 ? lost / (received + lost) : null;
  const bitrateIn = rate(snapshot.bytesIn, previous.bytesIn);
  const partial = {
    roundTripTime: current.roundTripTime,
    bitrateIn,
    bitrateOut: rate(snapshot.bytesOut, previous.bytesOut),
    packetLoss,
    width: current.width,
    height: current.height,
    frameRate: current.frameRate,
  };
  // Nothing arrived although something did before: frozen media, whatever RTT says.
  const stalled = previous.bytesIn > 0 && bitrateIn === 0;
  return { sample: { level: levelOf(partial, stalled), ...partial }, snapshot };
}
