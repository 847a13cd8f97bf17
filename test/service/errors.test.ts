/**
 * Every error code of the protocol, each provoked on a real socket (PROTOCOL
 * "Errors"). The table is typed `Record<ErrorCode, …>`, so adding a code to
 * signaling/protocol.ts without a test here does not compile.
 */
import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import { type ErrorCode } from "../../signaling/protocol.ts";
import { mintToken } from "../../signaling/token.ts";
import { type ConfigOverrides, startTestService, type TestService } from "./_service.ts";
import type { Received } from "./_client.ts";

interface Case {
  /** How the service is configured for this case. */
  config?: ConfigOverrides;
  /** What a client does wrong; returns the error frame it received. */
  provoke(service: TestService): Promise<Received>;
  /** The close code the error comes with, if it closes the socket. */
  closes?: number;
}

const SECRET = "test-secret-0123456789";

const cases: Record<ErrorCode, Case> = {
  "bad-json": {
    async provoke(service) {
      const client = await service.connect();
      client.send("{ this is not json");
      return client.nextError("bad-json");
    },
  },
  "not-object": {
    async provoke(service) {
      const client = await service.connect();
      for (const text of ["[1,2]", "42", '"text"', "null", "{}", '{"type":7}']) {
        client.send(text);
        await client.nextError("not-object");
      }
      client.send('[{"type":"message"}]');
      return client.nextError("not-object");
    },
  },
  "too-large": {
    config: { limits: { maxFrameBytes: 1024 } },
    closes: 1009,
    async provoke(service) {
      const client = await service.join("big");
      // Exactly at the limit, counted in UTF-8 bytes (é is 2 bytes), is fine.
      const atLimit = JSON.stringify({ type: "message", text: "" });
      client.send({ type: "message", text: "é".repeat((1024 - atLimit.length) / 2) });
      await client.next("message");
      client.send({ type: "message", text: "x".repeat(1024) });
      return client.nextError("too-large");
    },
  },
  "binary-unsupported": {
    async provoke(service) {
      const client = await service.connect();
      client.send(new Uint8Array([123, 125]));
      return client.nextError("binary-unsupported");
    },
  },
  "not-registered": {
    async provoke(service) {
      await service.join("bob");
      const client = await service.connect();
      client.send({ type: "video-offer", target: "bob", sdp: { type: "offer", sdp: "" } });
      await client.nextError("not-registered");
      client.send({ type: "message", text: "hi" });
      return client.nextError("not-registered");
    },
  },
  "invalid-name": {
    async provoke(service) {
      const client = await service.connect();
      for (const name of ["", "x".repeat(65), "a\nb", 42]) {
        client.send({ type: "username", name });
        await client.nextError("invalid-name");
      }
      client.send({ type: "username", name: "fine", room: "bad\u0007room" });
      return client.nextError("invalid-name");
    },
  },
  "missing-target": {
    async provoke(service) {
      const client = await service.join("alice");
      client.send({ type: "video-offer", sdp: { type: "offer", sdp: "" } });
      return client.nextError("missing-target");
    },
  },
  "unknown-target": {
    async provoke(service) {
      const client = await service.join("alice");
      client.send({ type: "video-offer", target: "nobody", sdp: { type: "offer", sdp: "" } });
      const error = await client.nextError("unknown-target");
      strictEqual(error.target, "nobody");
      return error;
    },
  },
  "rate-limited": {
    config: { limits: { ratePerSecond: 1, rateBurst: 3 } },
    async provoke(service) {
      const client = await service.join("chatty");
      for (let i = 0; i < 5; i++) client.send({ type: "message", text: `line ${i}` });
      return client.nextError("rate-limited");
    },
  },
  "unauthorized": {
    config: { tokenSecret: SECRET },
    closes: 1008,
    async provoke(service) {
      const client = await service.open();
      return client.nextError("unauthorized");
    },
  },
  "room-full": {
    config: { limits: { maxRoomMembers: 2 } },
    async provoke(service) {
      const first = await service.join("first");
      const second = await service.join("second");
      const client = await service.connect();
      client.send({ type: "username", name: "third" });
      const error = await client.nextError("room-full");
      // Room for the check below, which registers the socket again.
      await second.close();
      await first.userlist(["first"]);
      return error;
    },
  },
  "reserved-type": {
    async provoke(service) {
      const client = await service.join("mallory");
      await service.join("bob");
      client.send({ type: "userlist", target: "bob", users: ["mallory"] });
      return client.nextError("reserved-type");
    },
  },
};

for (const [code, { config, provoke, closes }] of Object.entries(cases)) {
  const outcome = closes ? `and closes the socket with ${closes}` : "and keeps the socket open";
  Deno.test(`error "${code}" has a readable message ${outcome}`, async () => {
    await using service = await startTestService(config);
    const error = await provoke(service);
    strictEqual(error.type, "error");
    strictEqual(error.code, code);
    ok(
      typeof error.message === "string" && /^[A-Z"].{15,}[.:]$/.test(error.message),
      error.message as string,
    );
    const client = service.clients.at(-1)!;
    if (closes) {
      strictEqual((await client.closed).code, closes);
    } else {
      // Still usable: the socket registers (again) and chats.
      client.send({ type: "username", name: "after-error" });
      client.send({ type: "message", text: "still here" });
      if (code === "rate-limited") return; // its bucket is empty on purpose
      strictEqual((await client.next("message")).text, "still here");
    }
  });
}

Deno.test("rate limiting drops excess messages with a single notice, and persistent flooding closes 1008", async () => {
  await using service = await startTestService({ limits: { ratePerSecond: 1, rateBurst: 3 } });
  const flooder = await service.join("flooder");
  const bystander = await service.join("bystander");
  // The burst of 3 covers "username" and two lines; the next three lines are
  // dropped (one notice), the one after that exhausts the tolerance. The
  // flooder stops exactly there, so the close handshake completes cleanly.
  for (let i = 0; i < 6; i++) flooder.send({ type: "message", text: `line ${i}` });
  strictEqual((await flooder.closed).code, 1008);
  const received = flooder.pending().filter((m) => m.type !== "userlist");
  assertEquals(received.map((m) => m.type === "error" ? `error:${m.code}` : m.text), [
    "line 0",
    "line 1",
    "error:rate-limited",
    "error:rate-limited",
  ]);
  // Another socket's budget is its own: its burst still covers two lines after "username".
  for (let i = 0; i < 2; i++) bystander.send({ type: "message", text: `calm ${i}` });
  for (let i = 0; i < 2; i++) {
    strictEqual(
      (await bystander.next((m) => m.type === "message" && m.name === "bystander")).text,
      `calm ${i}`,
    );
  }
});

Deno.test("a frame over the size limit closes only that socket", async () => {
  await using service = await startTestService({ limits: { maxFrameBytes: 512 } });
  const big = await service.join("big");
  const other = await service.join("other");
  big.send("x".repeat(513));
  strictEqual((await big.closed).code, 1009);
  await other.userlist(["other"]);
  other.send({ type: "message", text: "fine" });
  strictEqual((await other.next("message")).text, "fine");
});

Deno.test("a socket with a valid token connects; expired or forged tokens get unauthorized", async () => {
  await using service = await startTestService({ tokenSecret: SECRET });
  const good = await service.connect({ query: { token: await mintToken(SECRET, 60) } });
  ok(good.id > 0);
  const expired = await mintToken(SECRET, -1);
  const forged = await mintToken("some-other-secret-value", 60);
  for (const token of [expired, forged, "garbage"]) {
    const client = await service.open({ query: { token } });
    await client.nextError("unauthorized");
    const closed = await client.closed;
    assertEquals([closed.code, closed.reason], [1008, "unauthorized"]);
    assertEquals(client.pending().filter((m) => m.type === "id"), []);
  }
});

Deno.test("1,000 malformed frames from one socket while two others relay normally: all their messages arrive, in order", async () => {
  // A generous rate limit so every bad frame reaches the parser instead of the limiter.
  await using service = await startTestService({
    limits: { ratePerSecond: 100_000, rateBurst: 100_000 },
  });
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  const mallory = await service.join("mallory");
  const malformed: (string | Uint8Array)[] = [
    "{",
    "[]",
    "null",
    '{"type":42}',
    '{"type":"username","name":""}',
    '{"type":"username","name":"x\\u0000"}',
    '{"type":"video-offer"}',
    '{"type":"video-offer","target":"ghost"}',
    '{"type":"video-offer","target":{"toString":"bob"}}',
    '{"type":"userlist","target":"bob","users":[]}',
    '{"type":"__proto__","target":"nobody","__proto__":{"polluted":true}}',
    new Uint8Array([0xff, 0xfe]),
    "\u0000",
    '{"type":"message","text":' + '"' + "a".repeat(100),
  ];
  const rounds = 100;
  for (let i = 0; i < 1000; i++) {
    mallory.send(malformed[i % malformed.length]);
    if (i % 10 === 0) {
      alice.send({ type: "video-offer", target: "bob", sdp: { type: "offer", sdp: `a${i}` } });
      bob.send({ type: "new-ice-candidate", target: "alice", candidate: { candidate: `b${i}` } });
    }
  }
  for (let round = 0; round < rounds; round++) {
    const offer = await bob.next("video-offer");
    assertEquals([offer.name, (offer.sdp as { sdp: string }).sdp], ["alice", `a${round * 10}`]);
    const candidate = await alice.next("new-ice-candidate");
    assertEquals([candidate.name, (candidate.candidate as { candidate: string }).candidate], [
      "bob",
      `b${round * 10}`,
    ]);
  }
  for (let i = 0; i < 1000; i++) await mallory.next("error");
  ok(mallory.isOpen, "bad input is answered, not punished with a disconnect");
  assertEquals([...alice.pending(), ...bob.pending()].filter((m) => m.type !== "userlist"), []);
  assertEquals(({} as Record<string, unknown>).polluted, undefined);
  const health = await (await fetch(`${service.origin}/healthz`)).json();
  assertEquals([health.rooms, health.sockets], [1, 3]);
});
