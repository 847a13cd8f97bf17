/**
 * Reconnect delays: exponential backoff with "equal jitter" (half fixed, half
 * random), so a service restart is not met by every client at the same instant
 * while each client still retries reasonably soon.
 */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  initial: number;
  /** Upper bound for any delay, in ms. */
  max: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initial: 500, max: 15_000 };

/** Delay before retry number `attempt` (0-based); `random` is injectable for tests. */
export function backoffDelay(
  attempt: number,
  { initial, max }: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(max, initial * 2 ** Math.max(0, attempt));
  return ceiling / 2 + random() * (ceiling / 2);
}
