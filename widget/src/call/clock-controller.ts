import type { ReactiveController, ReactiveControllerHost } from "lit";

/**
 * Re-renders the host once a second while running (the call timer). Owns the
 * interval, so a removed element leaves no timer behind.
 */
export class ClockController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  #interval: ReturnType<typeof setInterval> | undefined;
  #hostConnected = false;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    this.#hostConnected = true;
  }

  hostDisconnected(): void {
    this.#hostConnected = false;
    this.run(false);
  }

  /** Starts or stops ticking; idempotent, so it can follow state on every update. */
  run(running: boolean): void {
    if (running && this.#hostConnected && this.#interval === undefined) {
      this.#interval = setInterval(() => this.#host.requestUpdate(), 1_000);
    } else if (!running && this.#interval !== undefined) {
      clearInterval(this.#interval);
      this.#interval = undefined;
    }
  }
}
