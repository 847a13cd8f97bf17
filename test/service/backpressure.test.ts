/**
 * Backpressure (docs/protocol.md "Limits and configuration"): what the
 * service holds for a client that does not read its socket is bounded by
 * --max-buffered-bytes; past it, that socket is closed with 1013 and nobody
 * else notices.
 */
import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { startTestService } from "./_service.ts";
import type { TestClient } from "./_client.ts";
import { OPCODE_CLOSE, RawWebSocket } from "./_raw_socket.ts";

const LIMIT = 256 * 1024;
/** Far more than loopback's socket buffers (a few MB) plus the limit. */
const GIVE_UP_BYTES = 48 * 1024 * 1024;

/** Waits until everything `client` sent before has been handled (its chat echo is back). */
async function fence(client: TestClient): Promise<void> {
  const text = `fence ${crypto.randomUUID()}`;
  client.send({ type: "message", text });
  await client.next((m) => m.type === "message" && m.text === text, 10_000);
}

/**
 * `sender` sends `target` big frames, a few at a time, until `done()`: first
 * the kernel's socket buffers fill up (a few MB on loopback), then what the
 * service holds for the target.
 */
async function flood(sender: TestClient, target: string, done: () => boolean): Promise<void> {
  const padding = "x".repeat(60_000);
  let sent = 0;
  while (!done()) {
    if (sent > GIVE_UP_BYTES) throw new Error(`${target} still open after ${sent} bytes`);
    for (let i = 0; i < 16; i++) {
      sender.send({ type: "message", target, text: padding });
      sent += padding.length;
    }
    await fence(sender);
  }
}

Deno.test("a client that stops reading is closed with 1013 once more than --max-buffered-bytes wait for it; everyone else carries on", async () => {
  await using service = await startTestService({
    limits: { maxBufferedBytes: LIMIT, ratePerSecond: 0, rateBytesPerSecond: 0 },
  });
  const alice = await service.join("alice");
  const carol = await service.join("carol");
  const dave = await service.join("dave");
  const sink = await RawWebSocket.connect(service.server.port);
  try {
    strictEqual((await sink.readJson())?.type, "id");
    await sink.sendText(JSON.stringify({ type: "username", name: "sink" }));
    await alice.userlist(["alice", "carol", "dave", "sink"]);

    // From here on sink reads nothing. alice floods it until it leaves the room.
    await flood(
      alice,
      "sink",
      () =>
        alice.pending().some((m) =>
          m.type === "userlist" && !(m.users as string[]).includes("sink")
        ),
    );
    // It left the room at once (it cannot resume): nothing more is queued for it.
    alice.send({ type: "message", target: "sink", text: "anyone?" });
    strictEqual((await alice.nextError("unknown-target")).target, "sink");

    // The other users never noticed.
    carol.send({ type: "video-offer", target: "dave", sdp: { type: "offer", sdp: "v=0" } });
    strictEqual((await dave.next("video-offer")).name, "carol");
    dave.send({ type: "video-answer", target: "carol", sdp: { type: "answer", sdp: "v=0" } });
    strictEqual((await carol.next("video-answer")).name, "dave");
    alice.send({ type: "message", target: "carol", text: "still here" });
    await carol.next((m) => m.text === "still here");
    await carol.userlist(["alice", "carol", "dave"]);
    strictEqual(carol.pending().some((m) => m.type === "error"), false);

    // Once sink reads again, it finds what was queued before the limit, then the close.
    let close: { code: number; reason: string } | undefined;
    while (!close) {
      const frame = await sink.readFrame();
      if (!frame) throw new Error("connection ended without a close frame");
      if (frame.opcode === OPCODE_CLOSE) {
        const view = new DataView(frame.payload.buffer, frame.payload.byteOffset);
        close = {
          code: view.getUint16(0),
          reason: new TextDecoder().decode(frame.payload.subarray(2)),
        };
      }
    }
    assertEquals(close, { code: 1013, reason: "too far behind" });
  } finally {
    sink.close();
  }
});

Deno.test("a client that reads keeps up: bursts bigger than --max-buffered-bytes do not close it", async () => {
  await using service = await startTestService({
    limits: { maxBufferedBytes: LIMIT, ratePerSecond: 0, rateBytesPerSecond: 0 },
  });
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  const padding = "y".repeat(60_000);
  // 480 KB sent to bob in one go, 8 times: counted in full before any of it is written.
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < 8; i++) alice.send({ type: "message", target: "bob", text: padding, i });
    for (let i = 0; i < 8; i++) strictEqual((await bob.next((m) => m.text === padding)).i, i);
  }
  await fence(bob);
  strictEqual(bob.isOpen, true);
});

Deno.test("a client closed for falling behind that can resume keeps its name for the grace, like a dropped one", async () => {
  await using service = await startTestService({
    limits: { maxBufferedBytes: LIMIT, ratePerSecond: 0, rateBytesPerSecond: 0 },
  });
  const alice = await service.join("alice");
  const sink = await RawWebSocket.connect(service.server.port);
  let token: string;
  try {
    token = (await sink.readJson())?.resume as string;
    await sink.sendText(JSON.stringify({ type: "username", name: "sink", resume: "" }));
    await alice.userlist(["alice", "sink"]);
    // Held, not gone: alice's frames are queued for a resume until the queue is full.
    await flood(alice, "sink", () => alice.pending().some((m) => m.type === "error"));
    const refused = await alice.nextError("unknown-target");
    strictEqual(/too many messages are waiting/.test(refused.message as string), true);
  } finally {
    sink.close();
  }
  const back = await service.connect();
  back.send({ type: "username", name: "sink", resume: token });
  // alice's share of sink's queue (--held-sender-bytes, 128 KiB) took two 60 KB frames.
  assertEquals(await back.next("resume"), { type: "resume", ok: true, name: "sink", held: 2 });
  assertEquals(alice.pending().filter((m) => m.type === "userlist"), []);
});
