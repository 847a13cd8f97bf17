/**
 * Many shared operations at a time, or one exclusive operation alone: an
 * exclusive one waits until the shared ones in flight have finished, and
 * shared ones that arrive meanwhile wait until it is done. The Redis hub runs
 * its claims and releases as shared operations and its write-back (which
 * snapshots the instance's members) as the exclusive one, so the snapshot
 * never misses a claim whose reply is still on its way.
 */
export class ExclusiveGate {
  #shared = 0;
  #drained: (() => void)[] = [];
  #exclusive: Promise<void> | undefined;

  async shared<T>(operation: () => T | Promise<T>): Promise<T> {
    while (this.#exclusive) await this.#exclusive;
    this.#shared++;
    try {
      return await operation();
    } finally {
      if (--this.#shared === 0) { for (const wake of this.#drained.splice(0)) wake(); }
    }
  }

  /** Runs `operation` alone; exclusive operations queue behind each other. */
  async exclusive<T>(operation: () => T | Promise<T>): Promise<T> {
    while (this.#exclusive) await this.#exclusive;
    let release!: () => void;
    this.#exclusive = new Promise<void>((resolve) => release = resolve);
    try {
      if (this.#shared > 0) await new Promise<void>((wake) => this.#drained.push(wake));
      return await operation();
    } finally {
      this.#exclusive = undefined;
      release();
    }
  }

  /** Resolves when no exclusive operation is running. */
  async idle(): Promise<void> {
    while (this.#exclusive) await this.#exclusive;
  }
}
