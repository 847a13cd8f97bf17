/** Targeted relay, chat and the call vocabulary (PROTOCOL "Relay"). */
import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { startTestService, type TestService } from "./_service.ts";
import type { TestClient } from "./_client.ts";

const offer = { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n" };

/**
 * A chat line arrives behind everything relayed to the receiver before it, so
 * once it is in, anything that was going to arrive has: a fence for "nothing
 * else came" without sleeping. Both copies (receiver's and sender's echo) are consumed.
 */
async function fence(sender: TestClient, receiver: TestClient) {
  const text = `fence ${crypto.randomUUID()}`;
  const isFence = (m: Record<string, unknown>) => m.type === "message" && m.text === text;
  sender.send({ type: "message", text });
  await Promise.all([receiver.next(isFence), sender.next(isFence)]);
}

Deno.test("a targeted message reaches that user with every field untouched and the sender's name stamped", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  const frame = {
    type: "video-offer",
    target: "bob",
    sdp: offer,
    extra: { nested: [1, "two", null], unicode: "héllo 🎉" },
    id: 77,
  };
  alice.send(frame);
  assertEquals(await bob.next("video-offer"), { ...frame, name: "alice" });
});

Deno.test("a client cannot speak as another name: the service overwrites name", async () => {
  await using service = await startTestService();
  const mallory = await service.join("mallory");
  const bob = await service.join("bob");
  await service.join("alice");
  mallory.send({ type: "video-offer", target: "bob", name: "alice", sdp: offer });
  mallory.send({ type: "message", text: "it is me, alice", name: "alice" });
  strictEqual((await bob.next("video-offer")).name, "mallory");
  strictEqual((await bob.next("message")).name, "mallory");
});

Deno.test("the whole call vocabulary is relayed: offer, answer, candidates, hang-up with reason", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  const candidate = {
    candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
    sdpMid: "0",
    sdpMLineIndex: 0,
  };
  alice.send({ type: "video-offer", target: "bob", sdp: offer });
  strictEqual((await bob.next("video-offer")).name, "alice");
  bob.send({ type: "video-answer", target: "alice", sdp: { type: "answer", sdp: "v=0" } });
  strictEqual((await alice.next("video-answer")).name, "bob");
  bob.send({ type: "new-ice-candidate", target: "alice", candidate });
  assertEquals((await alice.next("new-ice-candidate")).candidate, candidate);
  alice.send({ type: "new-ice-candidate", target: "bob", candidate: null });
  strictEqual((await bob.next("new-ice-candidate")).candidate, null);
  bob.send({ type: "hang-up", target: "alice", reason: "busy" });
  assertEquals(await alice.next("hang-up"), {
    type: "hang-up",
    target: "alice",
    reason: "busy",
    name: "bob",
  });
});

Deno.test("relay is immediate and in order: back-to-back frames are never batched or reordered", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  const types = ["video-offer", "new-ice-candidate", "video-answer", "video-offer"];
  for (let i = 0; i < 200; i++) alice.send({ type: types[i % 4], target: "bob", seq: i });
  for (let i = 0; i < 200; i++) {
    const frame = await bob.next((m) => types.includes(m.type));
    assertEquals([frame.type, frame.seq], [types[i % 4], i]);
  }
});

Deno.test("types the service does not know are relayed too when targeted (forward compatible)", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  alice.send({ type: "screen-share-start", target: "bob", tracks: 2 });
  assertEquals(await bob.next("screen-share-start"), {
    type: "screen-share-start",
    target: "bob",
    tracks: 2,
    name: "alice",
  });
});

Deno.test("a message without target is a chat line for the whole room, sender included, name stamped", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  const carol = await service.join("carol");
  alice.send({ type: "message", text: "hello room", id: alice.id, date: 1 });
  for (const member of [alice, bob, carol]) {
    assertEquals(await member.next("message"), {
      type: "message",
      text: "hello room",
      id: alice.id,
      date: 1,
      name: "alice",
    });
  }
});

Deno.test("a message with a target is private to that user", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  const carol = await service.join("carol");
  alice.send({ type: "message", target: "bob", text: "psst" });
  strictEqual((await bob.next("message")).text, "psst");
  await fence(bob, carol);
  assertEquals(carol.pending().filter((m) => m.text === "psst"), []);
});

Deno.test("two rooms are isolated: same names, separate user lists, no relay or chat across", async () => {
  await using service = await startTestService();
  const alice1 = await service.join("alice", { room: "one" });
  const bob1 = await service.join("bob", { room: "one" });
  const alice2 = await service.join("alice", { room: "two" });
  const carol2 = await service.join("carol", { room: "two" });
  strictEqual(alice2.name, "alice");
  await alice1.userlist(["alice", "bob"]);
  await alice2.userlist(["alice", "carol"]);

  alice1.send({ type: "video-offer", target: "bob", sdp: offer });
  strictEqual((await bob1.next("video-offer")).name, "alice");
  carol2.send({ type: "video-offer", target: "bob", sdp: offer });
  assertEquals(await carol2.next("error"), {
    type: "error",
    code: "unknown-target",
    message: 'Nobody named "bob" is in room "two".',
    target: "bob",
  });
  carol2.send({ type: "video-offer", target: "alice", sdp: offer });
  strictEqual((await alice2.next("video-offer")).name, "carol");
  carol2.send({ type: "message", text: "room two only" });
  await alice2.next("message");

  await fence(bob1, alice1);
  for (const client of [alice1, bob1]) {
    assertEquals(client.pending().filter((m) => m.type !== "userlist"), []);
  }
});

Deno.test("hang-up with a null or missing target goes to the user the sender last exchanged an offer or answer with", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  alice.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");
  // MDN's client clears its target before sending hang-up, so the wire carries null.
  alice.send({ type: "hang-up", target: null });
  assertEquals(await bob.next("hang-up"), { type: "hang-up", target: null, name: "alice" });

  alice.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");
  bob.send({ type: "video-answer", target: "alice", sdp: { type: "answer", sdp: "v=0" } });
  await alice.next("video-answer");
  bob.send({ type: "hang-up", reason: "hangup" });
  assertEquals(await alice.next("hang-up"), { type: "hang-up", reason: "hangup", name: "bob" });
});

Deno.test("hang-up without a target and without a current call is dropped silently", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  alice.send({ type: "hang-up", target: null });
  await fence(alice, bob);
  await fence(bob, alice);
  for (const client of [alice, bob]) {
    assertEquals(client.pending().filter((m) => m.type === "hang-up" || m.type === "error"), []);
  }
});

Deno.test("the call peer is cleared by hang-up: a second bare hang-up is dropped", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  alice.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");
  bob.send({ type: "hang-up", target: "alice", reason: "declined" });
  await alice.next("hang-up");
  alice.send({ type: "hang-up", target: null }); // alice's peer was cleared by bob's hang-up
  bob.send({ type: "hang-up", target: null }); // and bob's by his own
  await fence(alice, bob);
  await fence(bob, alice);
  assertEquals([...alice.pending(), ...bob.pending()].filter((m) => m.type === "hang-up"), []);
});

Deno.test("the call peer is cleared when it leaves: a bare hang-up never reaches whoever takes its name", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  alice.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");
  await bob.close();
  await alice.userlist(["alice"]);
  const newBob = await service.join("bob");
  alice.send({ type: "hang-up", target: null });
  await fence(alice, newBob);
  assertEquals(newBob.pending().filter((m) => m.type === "hang-up"), []);
});

/** alice and bob in a call: an offer one way, an answer back. */
/** alice has called bob and bob has answered; carol is in the room too. */
async function bobInCallWithAlice(service: TestService) {
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  const carol = await service.join("carol");
  alice.send({ type: "video-offer", target: bob.name, sdp: offer });
  await bob.next("video-offer");
  bob.send({ type: "video-answer", target: alice.name, sdp: { type: "answer", sdp: "v=0" } });
  await alice.next("video-answer");
  return { alice, bob, carol };
}

Deno.test("an offer from a third party does not replace the call peer: after answering it busy, a bare hang-up still ends the call", async () => {
  await using service = await startTestService();
  const { alice, bob, carol } = await bobInCallWithAlice(service);
  // A renegotiation from the current peer is not a third party.
  alice.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");

  // carol calls bob, who is busy; his refusal is targeted and ends only carol's attempt.
  carol.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");
  bob.send({ type: "hang-up", target: "carol", reason: "busy" });
  strictEqual((await carol.next("hang-up")).reason, "busy");

  // MDN's client hangs up with a null target: it reaches alice, not carol.
  bob.send({ type: "hang-up", target: null });
  assertEquals(await alice.next("hang-up"), { type: "hang-up", target: null, name: "bob" });
  await fence(bob, carol);
  assertEquals(carol.pending().filter((m) => m.type === "hang-up"), []);
});

Deno.test("an unanswered offer from a third party does not take the call peer: a bare hang-up goes to the peer", async () => {
  await using service = await startTestService();
  const { alice, bob, carol } = await bobInCallWithAlice(service);
  carol.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");
  bob.send({ type: "hang-up", target: null });
  strictEqual((await alice.next("hang-up")).name, "bob");
  await fence(bob, carol);
  assertEquals(carol.pending().filter((m) => m.type === "hang-up"), []);
});

Deno.test("answering a third party's offer switches the call peer to it", async () => {
  await using service = await startTestService();
  const { alice, bob, carol } = await bobInCallWithAlice(service);
  carol.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");
  bob.send({ type: "video-answer", target: "carol", sdp: { type: "answer", sdp: "v=0" } });
  await carol.next("video-answer");
  bob.send({ type: "hang-up", target: null });
  strictEqual((await carol.next("hang-up")).name, "bob");
  await fence(bob, alice);
  assertEquals(alice.pending().filter((m) => m.type === "hang-up"), []);
});

Deno.test("after a call ends with a hang-up, the next caller becomes the call peer", async () => {
  await using service = await startTestService();
  const { alice, bob, carol } = await bobInCallWithAlice(service);
  alice.send({ type: "hang-up", target: null });
  await bob.next("hang-up");
  carol.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");
  bob.send({ type: "hang-up", target: null, reason: "declined" });
  strictEqual((await carol.next("hang-up")).reason, "declined");
  await fence(bob, alice);
  assertEquals(alice.pending().filter((m) => m.type === "hang-up"), []);
});

Deno.test("when the call peer left without a hang-up, a bare hang-up goes to whoever called since", async () => {
  await using service = await startTestService();
  const { alice, bob, carol } = await bobInCallWithAlice(service);
  await alice.close();
  await bob.userlist(["bob", "carol"]);
  carol.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");
  bob.send({ type: "hang-up", target: null, reason: "declined" });
  strictEqual((await carol.next("hang-up")).reason, "declined");
});
