/**
 * Features a call can start without (chat panel, screen share, call quality)
 * are separate chunks, imported on first use, so the element a page loads up
 * front stays small.
 */
import type { ReactiveControllerHost } from "lit";

/** One lazily imported module: `module` is set, and the host updated, once it has loaded. */
export class LazyModule<T> {
  module: T | undefined;

  readonly #host: ReactiveControllerHost;
  readonly #import: () => Promise<T>;
  readonly #onLoad: (module: T) => void;
  #loading: Promise<T> | undefined;

  constructor(host: ReactiveControllerHost, load: () => Promise<T>, onLoad: (module: T) => void) {
    this.#host = host;
    this.#import = load;
    this.#onLoad = onLoad;
  }

  /** Imports the module (once); a failed import may be retried by calling again. */
  load(): Promise<T> {
    this.#loading ??= this.#import().then((module) => {
      this.module = module;
      this.#onLoad(module);
      this.#host.requestUpdate();
      return module;
    }, (error: unknown) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }
}
