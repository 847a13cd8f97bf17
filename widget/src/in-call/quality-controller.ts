import type { ReactiveController, ReactiveControllerHost } from "lit";
import { type QualitySample, sampleQuality, type StatsSnapshot } from "./quality-stats.ts";

export interface QualityParts {
  /** The connection to measure while media should flow, else `null`. */
  connection(): RTCPeerConnection | null;
  onSample(sample: QualitySample): void;
}

/** How often getStats runs: the panel and the `p2p-quality` event refresh at this pace. */
export const QUALITY_INTERVAL = 1_000;

/**
 * Owns the getStats polling of a call: once a second while a connection is
 * handed to it, turning each report into a QualitySample (quality-stats.ts).
 * A report that resolves after its call ended is dropped; a slow getStats
 * is not overlapped by the next one.
 *
 * Loaded (a separate chunk) when the first call connects.
 */
export class QualityController implements ReactiveController {
  /** The latest sample of the current call; `null` until two reports exist. */
  sample: QualitySample | null = null;

  readonly #host: ReactiveControllerHost;
  readonly #parts: QualityParts;
  #pc: RTCPeerConnection | null = null;
  #previous: StatsSnapshot | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #pending = false;

  constructor(host: ReactiveControllerHost, parts: QualityParts) {
    this.#host = host;
    this.#parts = parts;
    host.addController(this);
  }

  hostUpdate(): void {
    const pc = this.#parts.connection();
    if (pc !== this.#pc) this.#watch(pc);
  }

  hostDisconnected(): void {
    this.#watch(null);
  }

  #watch(pc: RTCPeerConnection | null): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#previous = null;
    this.#pending = false;
    // Another call's numbers must not linger into this one.
    this.sample = null;
    this.#pc = pc;
    if (!pc) return;
    void this.#measure(pc);
    this.#timer = setInterval(() => void this.#measure(pc), QUALITY_INTERVAL);
  }

  async #measure(pc: RTCPeerConnection): Promise<void> {
    if (this.#pending) return;
    this.#pending = true;
    let report: RTCStatsReport;
    try {
      report = await pc.getStats();
    } catch {
      // A connection closed mid-call rejects; the next update stops polling.
      return;
    } finally {
      if (pc === this.#pc) this.#pending = false;
    }
    if (pc !== this.#pc) return;
    const { sample, snapshot } = sampleQuality(report, this.#previous, performance.now());
    this.#previous = snapshot;
    if (!sample) return;
    this.sample = sample;
    this.#host.requestUpdate();
    this.#parts.onSample(sample);
  }
}
