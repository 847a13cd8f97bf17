/**
 * Per-socket flood control, paid by the sender. A token bucket admits a
 * sustained rate with a burst allowance; a second bucket of the same size
 * measures how much a socket keeps exceeding that, so a client that merely
 * bursts gets a few messages dropped, while one that persistently sends
 * faster than twice the rate is disconnected.
 *
 * Two such pairs run side by side: one counts messages, one counts the
 * frame's text (its length, already known: no encoding, no allocation). A
 * frame is admitted only if both have room, so a few huge frames are
 * limited like many small ones, and what one socket can push at the others
 * per second is bounded in bytes, not only in messages.
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

  /** Takes `cost` tokens if there are that many (a cost above the capacity never fits). */
  take(cost = 1, now = this.#now()): boolean {
    if (!this.has(cost, now)) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Refills up to `now`; whether `cost` tokens are there. Takes nothing. */
  has(cost: number, now: number): boolean {
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) * this.#perMs);
    this.#updatedAt = now;
    return this.#tokens >= cost;
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

export interface RateLimits {
  /** Messages per second; 0 turns the message limit off. */
  ratePerSecond: number;
  burst: number;
  /** Frame text per second (UTF-16 code units); 0 turns the byte limit off. */
  bytesPerSecond?: number;
  bytesBurst?: number;
}

export class RateLimiter {
  #messages: TokenBucket | null;
  #messageExcess: TokenBucket | null;
  #bytes: TokenBucket | null;
  #byteExcess: TokenBucket | null;
  #lastNoticeAt = -Infinity;
  #now: Clock;

  /** `ratePerSecond` 0 admits every message; `bytesPerSecond` 0 (or absent) any size. */
  constructor(limits: RateLimits, now: Clock = monotonic) {
    this.#now = now;
    const { ratePerSecond, burst, bytesPerSecond = 0, bytesBurst = 0 } = limits;
    const messages = ratePerSecond > 0;
    this.#messages = messages ? new TokenBucket(ratePerSecond, burst, now) : null;
    this.#messageExcess = messages ? new TokenBucket(ratePerSecond, burst, now) : null;
    const bytes = bytesPerSecond > 0;
    this.#bytes = bytes ? new TokenBucket(bytesPerSecond, bytesBurst, now) : null;
    this.#byteExcess = bytes ? new TokenBucket(bytesPerSecond, bytesBurst, now) : null;
  }

  /** The verdict on one frame of `length` (its text's `.length`; 0 counts messages only). */
  admit(length = 0): Verdict {
    const messages = this.#messages;
    const bytes = this.#bytes;
    if (!messages && !bytes) return "accept";
    const now = this.#now();
    const messageOk = !messages || messages.has(1, now);
    const bytesOk = !bytes || bytes.has(length, now);
    if (messageOk && bytesOk) {
      messages?.take(1, now);
      bytes?.take(length, now);
      return "accept";
    }
    // Over a limit: the excess buckets count what was refused, in kind; one
    // that runs dry means the socket keeps sending over twice that rate.
    if (!messageOk && !this.#messageExcess!.take(1, now)) return "disconnect";
    if (!bytesOk && !this.#byteExcess!.take(length, now)) return "disconnect";
    if (now - this.#lastNoticeAt < NOTICE_INTERVAL_MS) return "drop";
    this.#lastNoticeAt = now;
    return "drop-and-notify";
  }
}
