/**
 * A microphone level meter: an AnalyserNode on the track, sampled on demand.
 * Not connected to the speakers, so the user does not hear themselves.
 */
export class MicMeter {
  /** The latest level, 0 (silence) … 1 (loud). */
  level = 0;
  /** The loudest level since the meter started. */
  peak = 0;

  readonly #context: AudioContext;
  readonly #analyser: AnalyserNode;
  readonly #samples: Float32Array<ArrayBuffer>;

  constructor(stream: MediaStream) {
    this.#context = new AudioContext();
    this.#analyser = this.#context.createAnalyser();
    // ~170 ms at 48 kHz: longer than the 100 ms between samples, so no sound
    // falls between two of them (a 1024-sample window missed short sounds,
    // e.g. the beeps of Chromium's fake microphone, most of the time).
    this.#analyser.fftSize = 8192;
    this.#samples = new Float32Array(this.#analyser.fftSize);
    this.#context.createMediaStreamSource(stream).connect(this.#analyser);
    // Created outside a user gesture (e.g. from a script), the context starts
    // suspended under the autoplay policy; from the check button it runs.
    void this.#context.resume().catch(() => {});
  }

  /**
   * Measures the last ~170 ms: the peak amplitude, which a short sound in a
   * long window does not dilute the way an average would.
   */
  sample(): number {
    this.#analyser.getFloatTimeDomainData(this.#samples);
    let peak = 0;
    for (const value of this.#samples) peak = Math.max(peak, Math.abs(value));
    this.level = Math.min(1, peak * 2);
    this.peak = Math.max(this.peak, this.level);
    return this.level;
  }

  close(): void {
    void this.#context.close().catch(() => {});
  }
}
