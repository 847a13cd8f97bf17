/**
 * Per-socket flood control. A token bucket admits a sustained rate with a
 * burst allowance; a second bucket of the same size measures how much a
 * socket keeps exceeding that, so a client that merely bursts gets a few
 * messages dropped, while one that persistently sends faster than twice the
 * rate is disconnected.
 */

export type Clock = () => number;

/** Milliseconds; monotonic so wall-clock jumps cannot refill a bucket. */
const monotonic: Clock = () => performance.now();

export class TokenBucket {
  #capacity: number;
  #perMs: number;
  #tokens: number;
  #updatedAt: number;
  #now: Clock;

  constructor(ratePerSecond: number, capacity: number, now: Clock = monotonic) {
    this.#capacity = capacity;
    this.#perMs = ratePerSecond / 1000;
    this.#tokens = capacity;
    this.#now = now;
    this.#updatedAt = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) * this.#perMs);
    this.#updatedAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/**
 * - `accept`: handle the message.
 * - `drop`: ignore it silently.
 * - `drop-and-notify`: ignore it and send one `rate-limited` error (at most one
 *   per second, so the limiter never amplifies a flood).
 * - `disconnect`: persistent abuse, close the socket with 1008.
 */
export type Verdict = "accept" | "drop" | "drop-and-notify" | "disconnect";

const NOTICE_INTERVAL_MS = 1000;

export class RateLimiter {
  #messages: TokenBucket | null;
  #excess: TokenBucket | null;
  #lastNoticeAt = -Infinity;
  #now: Clock;

  /** `ratePerSecond` 0 admits everything. */
  constructor(ratePerSecond: number, burst: number, now: Clock = monotonic) {
    this.#now = now;
    const enabled = ratePerSecond > 0;
    this.#messages = enabled ? new TokenBucket(ratePerSecond, burst, now) : null;
    this.#excess = enabled ? new TokenBucket(ratePerSecond, burst, now) : null;
  }

  admit(): Verdict {
    if (!this.#messages || this.#messages.take()) return "accept";
    if (!this.#excess!.take()) return "disconnect";
    const now = this.#now();
    if (now - this.#lastNoticeAt < NOTICE_INTERVAL_MS) return "drop";
    this.#lastNoticeAt = now;
    return "drop-and-notify";
  }
}
