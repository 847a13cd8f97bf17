/**
 * Resuming after a reload or a network blip (docs/protocol.md "Resume"): the
 * name of a dropped socket is held for the grace period, frames sent to it
 * are held and delivered on resume, and when the grace ends the name is freed
 * and the senders hear `unknown-target`.
 */
import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { type JoinOptions, startTestService, type TestService } from "./_service.ts";
import type { Received, TestClient } from "./_client.ts";
import { type Cluster, startCluster } from "./_cluster.ts";
import { RawWebSocket } from "./_raw_socket.ts";
import { HELD_MAX_FRAMES } from "../../signaling/resume.ts";

/** A connected socket and the resume token its `id` message carried. */
interface Resumable {
  client: TestClient;
  token: string;
}

async function connect(service: TestService, options: JoinOptions = {}): Promise<Resumable> {
  const client = await service.open(options);
  const id = await client.next("id");
  client.id = id.id as number;
  strictEqual(typeof id.resume, "string");
  return { client, token: id.resume as string };
}

/**
 * Registers as a client that can resume: `resume` is the previous socket's
 * token, or "" for none (which still opts in to having the name held).
 */
async function joinResumable(
  service: TestService,
  name: string,
  resume = "",
): Promise<Resumable> {
  const socket = await connect(service);
  socket.client.send({ type: "username", name, id: socket.client.id, resume });
  socket.client.name = name;
  await socket.client.peek((m) => m.type === "userlist" && (m.users as string[]).includes(name));
  return socket;
}

/** Opens a new socket and asks for `name` with the `resume` token of a dropped one. */
async function resumeAs(
  service: TestService,
  name: string,
  resume: string,
  fields: Record<string, unknown> = {},
): Promise<Resumable> {
  const socket = await connect(service);
  socket.client.send({ type: "username", name, resume, ...fields });
  return socket;
}

async function socketCount(service: TestService): Promise<number> {
  return (await (await fetch(`${service.origin}/healthz`)).json()).sockets;
}

/**
 * Drops a socket the way a reload or a lost network does (not a normal
 * close), and waits until the service has noticed: frames sent before that
 * die with the socket, as they would on a real network.
 */
async function drop(service: TestService, client: TestClient): Promise<void> {
  const before = await socketCount(service);
  client.socket.close(4000, "simulated drop");
  await client.closed;
  while (await socketCount(service) >= before) { /* poll */ }
}

/** The next `count` frames, whatever their type, in arrival order. */
async function nextFrames(client: TestClient, count: number): Promise<Received[]> {
  const frames: Received[] = [];
  for (let i = 0; i < count; i++) frames.push(await client.next(() => true));
  return frames;
}

/**
 * Proves `client` got no userlist since its last one other than the one a
 * new member brings: a list without someone held would come first.
 */
async function assertNoListChangeUntil(
  service: TestService,
  client: TestClient,
  expected: string[],
): Promise<void> {
  const carol = await service.join("carol");
  assertEquals(await client.next("userlist"), { type: "userlist", users: [...expected, "carol"] });
  await carol.close();
}

Deno.test("resume within the grace keeps the name and delivers the held frames in order; nobody sees a change", async () => {
  await using service = await startTestService();
  const alice = await joinResumable(service, "alice");
  const bob = await service.join("bob");
  await alice.client.userlist(["alice", "bob"]);
  await bob.userlist(["alice", "bob"]);

  await drop(service, alice.client);
  const offer = { type: "video-offer", target: "alice", sdp: { type: "offer", sdp: "v=0 1" } };
  const candidate = { type: "new-ice-candidate", target: "alice", candidate: { candidate: "c" } };
  const line = { type: "message", target: "alice", text: "are you there?" };
  for (const frame of [offer, candidate, line]) bob.send(frame);
  // A room chat line is for whoever is there: not held.
  bob.send({ type: "message", text: "lobby line" });
  strictEqual((await bob.next("message")).text, "lobby line");

  const back = await connect(service);
  back.client.send({ type: "username", name: "alice", id: back.client.id, resume: alice.token });
  const [resumed, ...rest] = await nextFrames(back.client, 5);
  assertEquals(resumed, { type: "resume", ok: true, name: "alice", held: 3 });
  assertEquals(rest.slice(0, 3), [
    { ...offer, name: "bob" },
    { ...candidate, name: "bob" },
    { ...line, name: "bob" },
  ]);
  assertEquals(rest[3], { type: "userlist", users: ["alice", "bob"] });

  // The resumed socket is alice in every way: both directions relay.
  back.client.send({ type: "video-answer", target: "bob", sdp: { type: "answer", sdp: "v=0" } });
  strictEqual((await bob.next("video-answer")).name, "alice");
  bob.send({ type: "message", target: "alice", text: "welcome back" });
  strictEqual((await back.client.next("message")).text, "welcome back");
  await assertNoListChangeUntil(service, bob, ["alice", "bob"]);
  // The list bob saw while alice was away never changed either.
  strictEqual(bob.pending().some((m) => m.type === "error"), false);
});

Deno.test("when the grace ends the name is freed, the room is told, and every sender of a held frame gets unknown-target", async () => {
  await using service = await startTestService({ resumeGraceSeconds: 1 });
  const alice = await joinResumable(service, "alice");
  const bob = await service.join("bob");
  const carol = await service.join("carol");
  await bob.userlist(["alice", "bob", "carol"]);
  await carol.userlist(["alice", "bob", "carol"]);

  await drop(service, alice.client);
  bob.send({ type: "video-offer", target: "alice", sdp: { type: "offer", sdp: "v=0" } });
  bob.send({ type: "new-ice-candidate", target: "alice", candidate: null });
  carol.send({ type: "message", target: "alice", text: "hello?" });

  // No list change during the grace: the next list is the one after it.
  assertEquals(await bob.next("userlist"), { type: "userlist", users: ["bob", "carol"] });
  assertEquals(await carol.next("userlist"), { type: "userlist", users: ["bob", "carol"] });
  // One error per sender, naming the target.
  for (const sender of [bob, carol]) {
    const error = await sender.nextError("unknown-target");
    strictEqual(error.target, "alice");
    strictEqual(/did not come back in time/.test(error.message as string), true);
  }
  // Later senders get the usual unknown-target.
  bob.send({ type: "message", target: "alice", text: "still?" });
  strictEqual((await bob.nextError("unknown-target")).target, "alice");
  strictEqual(bob.pending().some((m) => m.type === "error"), false);

  // The expired token resumes nothing; the name is simply free again.
  const late = await resumeAs(service, "alice", alice.token);
  assertEquals(await late.client.next(() => true), { type: "resume", ok: false });
  await late.client.userlist(["bob", "carol", "alice"]);
});

Deno.test("registering a held name without its token (or with a wrong one) gets a unique name", async () => {
  await using service = await startTestService();
  const alice = await joinResumable(service, "alice");
  const bob = await service.join("bob");
  await bob.userlist(["alice", "bob"]);

  await drop(service, alice.client);
  const wrong = await resumeAs(service, "alice", "A".repeat(22));
  assertEquals(await nextFrames(wrong.client, 2), [
    { type: "rejectusername", id: wrong.client.id, name: "alice2" },
    { type: "resume", ok: false },
  ]);
  const plain = await service.join("alice");
  strictEqual(plain.name, "alice3");
  await bob.userlist(["alice", "bob", "alice2", "alice3"]);

  // The right token still works afterwards.
  const back = await resumeAs(service, "alice", alice.token);
  assertEquals(await back.client.next(() => true), {
    type: "resume",
    ok: true,
    name: "alice",
    held: 0,
  });
});

Deno.test("a resume with the token of a socket still open takes over from it (a half-open connection after a blip)", async () => {
  await using service = await startTestService();
  const alice = await joinResumable(service, "alice");
  const bob = await service.join("bob");
  await bob.userlist(["alice", "bob"]);

  // The service has not noticed that alice's old connection is dead.
  const back = await resumeAs(service, "alice", alice.token);
  assertEquals(await back.client.next(() => true), {
    type: "resume",
    ok: true,
    name: "alice",
    held: 0,
  });
  strictEqual((await alice.client.closed).code, 4000);
  bob.send({ type: "message", target: "alice", text: "on the new socket" });
  strictEqual((await back.client.next("message")).text, "on the new socket");
  await assertNoListChangeUntil(service, bob, ["alice", "bob"]);
});

Deno.test("a token works once: each resumed socket has its own token for the next drop", async () => {
  await using service = await startTestService();
  const first = await joinResumable(service, "alice");
  const bob = await service.join("bob");
  await drop(service, first.client);

  const second = await resumeAs(service, "alice", first.token);
  strictEqual((await second.client.next("resume")).ok, true);
  strictEqual(second.token === first.token, false);
  await drop(service, second.client);

  const replay = await resumeAs(service, "alice", first.token);
  assertEquals(await nextFrames(replay.client, 2), [
    { type: "rejectusername", id: replay.client.id, name: "alice2" },
    { type: "resume", ok: false },
  ]);

  const third = await resumeAs(service, "alice", second.token);
  assertEquals(await third.client.next(() => true), {
    type: "resume",
    ok: true,
    name: "alice",
    held: 0,
  });
  await bob.userlist(["alice", "bob", "alice2"]);
});

Deno.test("a resume for a made-unique name asks for the wanted name and gets the held one back", async () => {
  await using service = await startTestService();
  await service.join("alice");
  const other = await joinResumable(service, "alice");
  strictEqual((await other.client.next("rejectusername")).name, "alice2");
  await drop(service, other.client);

  const back = await resumeAs(service, "alice", other.token);
  assertEquals(await nextFrames(back.client, 2), [
    { type: "rejectusername", id: back.client.id, name: "alice2" },
    { type: "resume", ok: true, name: "alice2", held: 0 },
  ]);
  // Another room, or another name, does not fit the token.
  await drop(service, back.client);
  const elsewhere = await resumeAs(service, "alice", back.token, { room: "hall" });
  assertEquals(await elsewhere.client.next(() => true), { type: "resume", ok: false });
});

Deno.test("a normal close, and a client that never said it can resume, leave at once", async () => {
  await using service = await startTestService();
  const bob = await service.join("bob");
  const alice = await joinResumable(service, "alice");
  await bob.userlist(["bob", "alice"]);
  alice.client.socket.close(1000);
  await bob.userlist(["bob"]);

  // MDN's client never sends `resume`: its drop frees the name as before.
  const mdn = await service.join("mdn");
  await bob.userlist(["bob", "mdn"]);
  await drop(service, mdn);
  await bob.userlist(["bob"]);
  bob.send({ type: "message", target: "mdn", text: "hi" });
  strictEqual((await bob.nextError("unknown-target")).target, "mdn");
});

Deno.test("an abrupt TCP drop (no close frame) holds the name too", async () => {
  await using service = await startTestService();
  const bob = await service.join("bob");
  const raw = await RawWebSocket.connect(service.server.port);
  let token: string;
  try {
    const id = await raw.readJson();
    token = id?.resume as string;
    await raw.sendText(JSON.stringify({ type: "username", name: "ghost", resume: "" }));
    await bob.userlist(["bob", "ghost"]);
  } finally {
    raw.close();
  }
  // Frames sent before the service notices the drop die with the socket.
  while (await socketCount(service) > 1) { /* poll */ }
  bob.send({ type: "message", target: "ghost", text: "boo" });
  const back = await resumeAs(service, "ghost", token);
  assertEquals(await back.client.next("resume"), {
    type: "resume",
    ok: true,
    name: "ghost",
    held: 1,
  });
  strictEqual((await back.client.next("message")).text, "boo");
  await assertNoListChangeUntil(service, bob, ["bob", "ghost"]);
});

/** Sends one frame more than a held name keeps: that one is refused at once. */
async function overfillHeldQueue(sender: TestClient, target: string): Promise<void> {
  for (let i = 0; i <= HELD_MAX_FRAMES; i++) {
    sender.send({ type: "new-ice-candidate", target, candidate: { candidate: `c${i}` } });
  }
  const refused = await sender.nextError("unknown-target");
  strictEqual(refused.target, target);
  strictEqual(/too many messages are waiting/.test(refused.message as string), true);
}

Deno.test("the held queue is bounded: a frame that does not fit is refused at once with unknown-target", async () => {
  await using service = await startTestService();
  const alice = await joinResumable(service, "alice");
  const bob = await service.join("bob");
  await drop(service, alice.client);
  await overfillHeldQueue(bob, "alice");

  const back = await resumeAs(service, "alice", alice.token);
  strictEqual((await back.client.next("resume")).held, HELD_MAX_FRAMES);
  const first = await back.client.next("new-ice-candidate");
  assertEquals(first.candidate, { candidate: "c0" });
});

Deno.test("the call peer survives a resume: a bare hang-up reaches the resumed socket, and goes out from it", async () => {
  await using service = await startTestService();
  const alice = await joinResumable(service, "alice");
  const bob = await service.join("bob");
  const carol = await service.join("carol");
  bob.send({ type: "video-offer", target: "alice", sdp: { type: "offer", sdp: "v=0" } });
  await alice.client.next("video-offer");
  alice.client.send({ type: "video-offer", target: "carol", sdp: { type: "offer", sdp: "v=0" } });
  await carol.next("video-offer");

  await drop(service, alice.client);
  const back = await resumeAs(service, "alice", alice.token);
  strictEqual((await back.client.next("resume")).ok, true);

  // bob remembers alice's old socket: the hang-up follows her to the new one.
  bob.send({ type: "hang-up", target: null });
  strictEqual((await back.client.next("hang-up")).name, "bob");
  // alice's own call peer (carol) came along with the name.
  back.client.send({ type: "hang-up", target: null, reason: "hangup" });
  assertEquals(await carol.next("hang-up"), {
    type: "hang-up",
    target: null,
    reason: "hangup",
    name: "alice",
  });
});

/** alice (resumable) on the cluster's first instance, bob on the second, and bob sees her. */
async function aliceOnFirstBobOnSecond(cluster: Cluster) {
  const [a, b] = cluster.instances;
  const alice = await joinResumable(a, "alice");
  const bob = await b.join("bob");
  await bob.userlist(["alice", "bob"]);
  return { a, b, alice, bob };
}

Deno.test("redis: a socket resumes on the instance that held its name; frames from another instance are held", async () => {
  await using cluster = await startCluster(2);
  const { a, b, alice, bob } = await aliceOnFirstBobOnSecond(cluster);

  await drop(a, alice.client);
  bob.send({ type: "video-offer", target: "alice", sdp: { type: "offer", sdp: "v=0" } });
  bob.send({ type: "message", target: "alice", text: "through redis" });
  // Sent after the relays: once bob's echo is back, the relays have been published.
  bob.send({ type: "message", text: "sync" });
  await bob.next("message");

  const back = await resumeAs(a, "alice", alice.token);
  const frames = await nextFrames(back.client, 4);
  assertEquals(frames[0], { type: "resume", ok: true, name: "alice", held: 2 });
  strictEqual(frames[1].type, "video-offer");
  strictEqual(frames[2].text, "through redis");
  assertEquals(frames[3], { type: "userlist", users: ["alice", "bob"] });
  back.client.send({ type: "message", target: "bob", text: "back" });
  strictEqual((await bob.next("message")).name, "alice");

  const carol = await b.join("carol");
  assertEquals(await bob.next("userlist"), { type: "userlist", users: ["alice", "bob", "carol"] });
  await carol.close();
});

Deno.test("redis: the held queue is bounded for senders on other instances too: the one that does not fit hears unknown-target", async () => {
  await using cluster = await startCluster(2);
  const { a, b, alice, bob } = await aliceOnFirstBobOnSecond(cluster);
  await drop(a, alice.client);
  await overfillHeldQueue(bob, "alice");

  const back = await resumeAs(b, "alice", alice.token);
  strictEqual((await back.client.next("resume")).held, HELD_MAX_FRAMES);
  assertEquals((await back.client.next("new-ice-candidate")).candidate, { candidate: "c0" });
});

Deno.test("redis: when the grace ends the name is freed across instances and remote senders get unknown-target", async () => {
  await using cluster = await startCluster(2, { resumeGraceSeconds: 1 });
  const { a, alice, bob } = await aliceOnFirstBobOnSecond(cluster);
  await drop(a, alice.client);
  bob.send({ type: "message", target: "alice", text: "hello?" });
  assertEquals(await bob.next("userlist"), { type: "userlist", users: ["bob"] });
  const error = await bob.nextError("unknown-target");
  strictEqual(error.target, "alice");
});

Deno.test("redis: a socket resumes on another instance; the holder hands over its queue in order", async () => {
  await using cluster = await startCluster(2);
  const [a, b] = cluster.instances;
  const alice = await joinResumable(a, "alice");
  const bob = await b.join("bob");
  const carol = await a.join("carol");
  await bob.userlist(["alice", "bob", "carol"]);

  await drop(a, alice.client);
  bob.send({ type: "video-offer", target: "alice", sdp: { type: "offer", sdp: "v=0" } });
  carol.send({ type: "message", target: "alice", text: "from a" });
  bob.send({ type: "message", target: "alice", text: "from b" });
  bob.send({ type: "message", text: "sync" });
  await bob.next("message");

  // The load balancer sends the new socket to the other instance.
  const back = await resumeAs(b, "alice", alice.token);
  const frames = await nextFrames(back.client, 5);
  assertEquals(frames[0], { type: "resume", ok: true, name: "alice", held: 3 });
  // In the order each sender sent them (senders on two instances interleave freely).
  const held = frames.slice(1, 4);
  assertEquals(held.filter((m) => m.name === "bob").map((m) => m.type), ["video-offer", "message"]);
  assertEquals(held.filter((m) => m.name === "carol").map((m) => m.text), ["from a"]);
  assertEquals(frames[4], { type: "userlist", users: ["alice", "bob", "carol"] });

  // From now on alice is on b, for senders on either instance.
  carol.send({ type: "message", target: "alice", text: "after" });
  strictEqual((await back.client.next("message")).text, "after");
  back.client.send({ type: "message", target: "carol", text: "hi carol" });
  const line = await carol.next((m) => m.type === "message" && m.name === "alice");
  strictEqual(line.text, "hi carol");
  const dave = await b.join("dave");
  assertEquals(await bob.next("userlist"), {
    type: "userlist",
    users: ["alice", "bob", "carol", "dave"],
  });
  await dave.close();
});

Deno.test("redis: a token works once across instances", async () => {
  await using cluster = await startCluster(2);
  const { a, b, alice, bob } = await aliceOnFirstBobOnSecond(cluster);
  await drop(a, alice.client);

  const back = await resumeAs(a, "alice", alice.token);
  strictEqual((await back.client.next("resume")).ok, true);
  const replay = await resumeAs(b, "alice", alice.token);
  assertEquals(await nextFrames(replay.client, 2), [
    { type: "rejectusername", id: replay.client.id, name: "alice2" },
    { type: "resume", ok: false },
  ]);
  await bob.userlist(["alice", "bob", "alice2"]);
});
