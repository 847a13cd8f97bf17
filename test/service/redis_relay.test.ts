/** Several instances sharing Redis act as one service: relay across instances (issue 4). */
import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { startCluster } from "./_cluster.ts";
import type { TestClient } from "./_client.ts";

const offer = { type: "offer", sdp: "v=0 offer" };
const answer = { type: "answer", sdp: "v=0 answer" };

/** Waits until every client's userlist shows exactly `users`. */
async function allSee(clients: TestClient[], users: string[]): Promise<void> {
  for (const client of clients) await client.userlist(users);
}

Deno.test("redis: offer, answer and candidates relay both ways between instances, sender stamped, fields untouched", async () => {
  await using cluster = await startCluster(2);
  const [one, two] = cluster.instances;
  const alice = await one.join("alice");
  const bob = await two.join("bob");
  await allSee([alice, bob], ["alice", "bob"]);

  alice.send({ type: "video-offer", target: "bob", name: "mallory", sdp: offer, extra: [1] });
  assertEquals(await bob.next("video-offer"), {
    type: "video-offer",
    target: "bob",
    name: "alice",
    sdp: offer,
    extra: [1],
  });
  bob.send({ type: "video-answer", target: "alice", sdp: answer });
  assertEquals(await alice.next("video-answer"), {
    type: "video-answer",
    target: "alice",
    sdp: answer,
    name: "bob",
  });
  for (const [from, to, target] of [[alice, bob, "bob"], [bob, alice, "alice"]] as const) {
    const candidate = { candidate: `candidate:1 1 udp 1 127.0.0.1 9 typ host from ${from.name}` };
    from.send({ type: "new-ice-candidate", target, candidate });
    const relayed = await to.next("new-ice-candidate");
    assertEquals([relayed.name, relayed.candidate], [from.name, candidate]);
  }
});

Deno.test("redis: a burst of frames across instances arrives in the order it was sent", async () => {
  await using cluster = await startCluster(2);
  const [one, two] = cluster.instances;
  const alice = await one.join("alice");
  const bob = await two.join("bob");
  const carol = await two.join("carol");
  await allSee([alice, bob, carol], ["alice", "bob", "carol"]);
  // Targeted frames to a remote user interleaved with chat lines to the room:
  // both reach bob through Redis and must keep alice's order.
  const sent: string[] = [];
  for (let i = 0; i < 60; i++) {
    if (i % 10 === 9) {
      alice.send({ type: "message", text: `line ${i}` });
    } else {
      alice.send({ type: "new-ice-candidate", target: "bob", candidate: { candidate: `c${i}` } });
    }
    sent.push(String(i));
  }
  alice.send({ type: "video-answer", target: "bob", sdp: answer });
  alice.send({ type: "video-offer", target: "bob", sdp: offer });
  const received: string[] = [];
  while (received.length < 60) {
    const message = await bob.next((m) => m.type === "new-ice-candidate" || m.type === "message");
    received.push(
      message.type === "message"
        ? String(message.text).slice(5)
        : String((message.candidate as { candidate: string }).candidate).slice(1),
    );
  }
  assertEquals(received, sent);
  // An answer followed at once by the next offer (MDN's client races otherwise).
  strictEqual(
    (await bob.next((m) => m.type === "video-answer" || m.type === "video-offer")).type,
    "video-answer",
  );
  strictEqual((await bob.next("video-offer")).type, "video-offer");
});

Deno.test("redis: a hang-up with a null target reaches the call peer on the other instance", async () => {
  await using cluster = await startCluster(2);
  const [one, two] = cluster.instances;
  const alice = await one.join("alice");
  const bob = await two.join("bob");
  await allSee([alice, bob], ["alice", "bob"]);

  alice.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");
  // MDN's client clears its target before sending hang-up.
  bob.send({ type: "hang-up", target: null });
  assertEquals(await alice.next("hang-up"), { type: "hang-up", target: null, name: "bob" });

  // And the other way: the caller hangs up on the callee.
  bob.send({ type: "video-offer", target: "alice", sdp: offer });
  await alice.next("video-offer");
  alice.send({ type: "hang-up" });
  assertEquals(await bob.next("hang-up"), { type: "hang-up", name: "alice" });

  // Once the peer moved to another room there is no call to end: dropped silently.
  alice.send({ type: "video-offer", target: "bob", sdp: offer });
  await bob.next("video-offer");
  bob.send({ type: "username", name: "bob", room: "elsewhere" });
  await bob.userlist(["bob"]);
  alice.send({ type: "hang-up", target: null });
  alice.send({ type: "message", text: "marker" });
  await alice.next("message");
  bob.send({ type: "message", text: "bob's marker" });
  await bob.next("message");
  strictEqual(bob.pending().some((m) => m.type === "hang-up"), false);
});

Deno.test("redis: chat is broadcast to the room on every instance, sender included, and to no other room", async () => {
  await using cluster = await startCluster(2);
  const [one, two] = cluster.instances;
  const alice = await one.join("alice");
  const bob = await two.join("bob");
  const carol = await one.join("carol");
  const outsider = await two.join("olga", { room: "hall" });
  await allSee([alice, bob, carol], ["alice", "bob", "carol"]);

  bob.send({ type: "message", text: "hello from two", name: "mallory" });
  for (const client of [alice, bob, carol]) {
    assertEquals(await client.next("message"), {
      type: "message",
      text: "hello from two",
      name: "bob",
    });
  }
  alice.send({ type: "message", text: "hello from one" });
  for (const client of [alice, bob, carol]) {
    strictEqual((await client.next("message")).text, "hello from one");
  }
  outsider.send({ type: "message", text: "hall only" });
  strictEqual((await outsider.next("message")).text, "hall only");
  for (const client of [alice, bob, carol]) {
    strictEqual(client.pending().some((m) => m.type === "message"), false);
  }
});

Deno.test("redis: a target nobody has in the room, on any instance, gets unknown-target", async () => {
  await using cluster = await startCluster(2);
  const [one, two] = cluster.instances;
  const alice = await one.join("alice");
  await two.join("bob", { room: "hall" });
  await alice.userlist(["alice"]);
  alice.send({ type: "video-offer", target: "bob", sdp: offer });
  const error = await alice.nextError("unknown-target");
  strictEqual(error.target, "bob");
  strictEqual(error.message, 'Nobody named "bob" is in room "lobby".');
  alice.send({ type: "video-offer", target: "zoe", sdp: offer });
  strictEqual((await alice.nextError("unknown-target")).target, "zoe");
});
