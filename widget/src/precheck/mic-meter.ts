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
    this.#analyser.fftSize = 1024;
    this.#samples = new Float32Array(this.#analyser.fftSize);
    this.#context.createMediaStreamSource(stream).connect(this.#analyser);
    // Created outside a user gesture (e.g. from a script), the context starts
    // suspended under the autoplay policy; from the check button it runs.
    void this.#context.resume().catch(() => {});
  }

  /** Measures the last ~20 ms: the RMS amplitude, scaled so that speech fills the meter. */
  sample(): number {
    this.#analyser.getFloatTimeDomainData(this.#samples);
    let sum = 0;
    for (const value of this.#samples) sum += value * value;
    const rms = Math.sqrt(sum / this.#samples.length);
    this.level = Math.min(1, rms * 4);
    this.peak = Math.max(this.peak, this.level);
    return this.level;
  }

  close(): void {
    void this.#context.close().catch(() => {});
  }
}
