import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { ExclusiveGate } from "../../signaling/exclusive_gate.ts";

/** A promise and its resolver, to hold an operation open. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => open = resolve);
  return { promise, open };
}

Deno.test("gate: shared operations overlap; an exclusive one waits for them and holds back new ones", async () => {
  const gate = new ExclusiveGate();
  const log: string[] = [];
  const [first, second] = [latch(), latch()];
  const a = gate.shared(async () => {
    log.push("a start");
    await first.promise;
    log.push("a end");
  });
  const b = gate.shared(async () => {
    log.push("b start");
    await second.promise;
    log.push("b end");
  });
  const x = gate.exclusive(() => {
    log.push("x");
    return 42;
  });
  const c = gate.shared(() => {
    log.push("c");
  });
  await Promise.resolve();
  assertEquals(log, ["a start", "b start"]);
  first.open();
  second.open();
  assertEquals(await x, 42);
  await Promise.all([a, b, c]);
  assertEquals(log, ["a start", "b start", "a end", "b end", "x", "c"]);
});

Deno.test("gate: exclusive operations run one at a time, and a failure releases the gate", async () => {
  const gate = new ExclusiveGate();
  const log: string[] = [];
  const held = latch();
  const x = gate.exclusive(async () => {
    log.push("x start");
    try {
      await held.promise;
      throw new Error("x failed");
    } finally {
      log.push("x end");
    }
  });
  const failed = x.then(() => "resolved", (error) => error.message);
  const y = gate.exclusive(() => {
    log.push("y");
  });
  await Promise.resolve();
  assertEquals(log, ["x start"]);
  held.open();
  assertEquals(await failed, "x failed");
  await y;
  await gate.shared(() => {
    log.push("shared");
  });
  assertEquals(log, ["x start", "x end", "y", "shared"]);
});
