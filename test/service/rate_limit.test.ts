import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { RateLimiter, TokenBucket, type Verdict } from "../../signaling/rate_limit.ts";

/** A clock the test moves by hand. */
function fakeClock() {
  let now = 1000;
  return { now: () => now, advance: (ms: number) => now += ms };
}

function admitMany(limiter: RateLimiter, count: number): Verdict[] {
  return Array.from({ length: count }, () => limiter.admit());
}

Deno.test("rate limit: a token bucket admits a burst, then refills at the sustained rate", () => {
  const clock = fakeClock();
  const bucket = new TokenBucket(10, 3, clock.now);
  assertEquals([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [
    true,
    true,
    true,
    false,
  ]);
  clock.advance(100); // 10/s → one token per 100 ms
  assertEquals([bucket.take(), bucket.take()], [true, false]);
  clock.advance(10_000); // never more than the burst
  assertEquals(Array.from({ length: 4 }, () => bucket.take()), [true, true, true, false]);
});

Deno.test("rate limit: over the limit, messages are dropped with at most one notice per second", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ ratePerSecond: 1, burst: 4 }, clock.now);
  assertEquals(admitMany(limiter, 6), [
    "accept",
    "accept",
    "accept",
    "accept",
    "drop-and-notify",
    "drop",
  ]);
  clock.advance(1000); // one token back, and a new notice is allowed
  assertEquals(admitMany(limiter, 3), ["accept", "drop-and-notify", "drop"]);
});

Deno.test("rate limit: persistently sending over twice the rate means disconnect", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ ratePerSecond: 10, burst: 5 }, clock.now);
  // 5 accepted (burst), then 5 drops use up the tolerance, the 11th disconnects.
  const verdicts = admitMany(limiter, 11);
  assertEquals(verdicts.filter((v) => v === "accept").length, 5);
  assertEquals(verdicts.at(-1), "disconnect");
});

Deno.test("rate limit: a client just over the rate is throttled but never disconnected", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter({ ratePerSecond: 10, burst: 5 }, clock.now);
  const verdicts: Verdict[] = [];
  for (let i = 0; i < 1000; i++) {
    clock.advance(80); // 12.5 msg/s against 10/s
    verdicts.push(limiter.admit());
  }
  assertEquals(verdicts.includes("disconnect"), false);
  assertEquals(verdicts.filter((v) => v === "accept").length >= 790, true);
});

Deno.test("rate limit: rate 0 turns limiting off", () => {
  const limiter = new RateLimiter({ ratePerSecond: 0, burst: 1 });
  assertEquals(new Set(admitMany(limiter, 10_000)), new Set(["accept"]));
});

Deno.test("rate limit: frame text counts too: a few huge frames are limited like many small ones", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter(
    { ratePerSecond: 50, burst: 200, bytesPerSecond: 1000, bytesBurst: 4000 },
    clock.now,
  );
  // 4,000 characters at once: four frames of 1,000 fit, the fifth is dropped with a notice.
  assertEquals(
    Array.from({ length: 5 }, () => limiter.admit(1000)),
    ["accept", "accept", "accept", "accept", "drop-and-notify"],
  );
  // Small frames still pass the message bucket but not the empty byte bucket.
  assertEquals(limiter.admit(10), "drop");
  clock.advance(1000); // 1,000 characters back
  assertEquals([limiter.admit(600), limiter.admit(600)], ["accept", "drop-and-notify"]);
});

Deno.test("rate limit: persistently sending over twice the byte rate means disconnect, with few messages", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter(
    { ratePerSecond: 50, burst: 200, bytesPerSecond: 1000, bytesBurst: 4000 },
    clock.now,
  );
  const verdicts: Verdict[] = [];
  for (let i = 0; i < 20 && verdicts.at(-1) !== "disconnect"; i++) {
    clock.advance(100);
    verdicts.push(limiter.admit(1000)); // 10,000 characters a second against 1,000
  }
  assertEquals(verdicts.at(-1), "disconnect");
  // Far below the message burst of 200: the bytes decided.
  assertEquals(verdicts.length < 20, true);
});

Deno.test("rate limit: just under the byte rate is never dropped", () => {
  const clock = fakeClock();
  const limiter = new RateLimiter(
    { ratePerSecond: 50, burst: 200, bytesPerSecond: 1000, bytesBurst: 4000 },
    clock.now,
  );
  for (let i = 0; i < 1000; i++) {
    clock.advance(1000);
    assertEquals(limiter.admit(950), "accept");
  }
});
