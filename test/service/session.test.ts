/** Connecting, registering and the user list (PROTOCOL "Session"). */
import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import { startTestService } from "./_service.ts";

Deno.test("on connect the service sends id with a per-socket number and protocol 1", async () => {
  await using service = await startTestService();
  const a = await service.open();
  const b = await service.open();
  const [idA, idB] = [await a.next("id"), await b.next("id")];
  assertEquals(Object.keys(idA).sort(), ["id", "protocol", "resume", "resumeGrace", "type"]);
  strictEqual(idA.protocol, 1);
  strictEqual(idA.resumeGrace, 20);
  // 128 random bits, base64url, one per socket.
  strictEqual(/^[A-Za-z0-9_-]{22}$/.test(idA.resume as string), true);
  strictEqual(idA.resume === idB.resume, false);
  strictEqual(typeof idA.id, "number");
  strictEqual(idA.id === idB.id, false);
});

Deno.test("with --resume-grace 0 the id message carries no resume token", async () => {
  await using service = await startTestService({ resumeGraceSeconds: 0 });
  const client = await service.open();
  assertEquals(Object.keys(await client.next("id")).sort(), ["id", "protocol", "type"]);
});

Deno.test("the id message carries the configured ICE servers", async () => {
  const iceServers = [{ urls: "stun:stun.example.org:3478" }];
  await using service = await startTestService({ iceServers });
  const client = await service.open();
  assertEquals((await client.next("id")).iceServers, iceServers);
});

Deno.test("an ICE server source hands each socket its own servers once it registered (the TURN hook)", async () => {
  const source = (
    socketId: number,
  ) => [{ urls: "turn:t.example:3478", username: `u${socketId}`, credential: "c" }];
  await using service = await startTestService({}, { iceServers: source });
  const client = await service.open();
  const id = await client.next("id");
  // Nothing from the source before a username: `id` has only the static servers (none).
  strictEqual(id.iceServers, undefined);
  client.send({ type: "username", name: "alice" });
  assertEquals((await client.next("ice-servers")).iceServers, [{
    urls: "turn:t.example:3478",
    username: `u${id.id}`,
    credential: "c",
  }]);
});

Deno.test("the json subprotocol is selected when offered, as MDN's client requires", async () => {
  await using service = await startTestService();
  const offered = await service.connect({ protocols: "json" });
  strictEqual(offered.socket.protocol, "json");
  const amongOthers = await service.connect({ protocols: ["chat", "json"] });
  strictEqual(amongOthers.socket.protocol, "json");
  const plain = await service.connect();
  strictEqual(plain.socket.protocol, "");
});

Deno.test("registering puts the user in a userlist sent to every member, own name included", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  assertEquals(await alice.userlist(["alice", "bob"]), ["alice", "bob"]);
  assertEquals(await bob.userlist(["alice", "bob"]), ["alice", "bob"]);
});

Deno.test("sockets that have not registered are not listed and get no userlist", async () => {
  await using service = await startTestService();
  const lurker = await service.connect();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  await alice.userlist(["alice", "bob"]);
  // The lurker registers last; the first userlist it gets is the full one.
  lurker.send({ type: "username", name: "carol" });
  assertEquals(await lurker.next("userlist"), {
    type: "userlist",
    users: ["alice", "bob", "carol"],
  });
  await bob.userlist(["alice", "bob", "carol"]);
});

Deno.test("a taken name is made unique (alice2, alice3) and the client is told with rejectusername", async () => {
  await using service = await startTestService();
  await service.join("alice");
  const second = await service.connect();
  second.send({ type: "username", name: "alice", id: second.id });
  assertEquals(await second.next("rejectusername"), {
    type: "rejectusername",
    id: second.id,
    name: "alice2",
  });
  const third = await service.connect();
  third.send({ type: "username", name: "alice", id: third.id });
  strictEqual((await third.next("rejectusername")).name, "alice3");
  await third.userlist(["alice", "alice2", "alice3"]);
});

Deno.test("registering again renames the user and frees the old name", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  alice.send({ type: "username", name: "carol" });
  await bob.userlist(["carol", "bob"]);
  const newcomer = await service.join("alice");
  strictEqual(newcomer.name, "alice");
  assertEquals(newcomer.pending().filter((m) => m.type === "rejectusername"), []);
});

Deno.test("registering with the current name again changes nothing", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  alice.send({ type: "username", name: "alice" });
  alice.send({ type: "message", text: "still me" });
  const line = await alice.next("message");
  strictEqual(line.name, "alice");
  assertEquals(alice.pending().filter((m) => m.type === "rejectusername"), []);
});

Deno.test("registering with another room moves the user: it leaves the old room's list", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice", { room: "one" });
  const bob = await service.join("bob", { room: "one" });
  await alice.userlist(["alice", "bob"]);
  const carol = await service.join("carol", { room: "two" });
  alice.send({ type: "username", name: "alice", room: "two" });
  await bob.userlist(["bob"]);
  await carol.userlist(["carol", "alice"]);
});

Deno.test("the room comes from the username message, else ?room=, else the default room", async () => {
  await using service = await startTestService({ defaultRoom: "hall" });
  const inHall = await service.join("h");
  const byQuery = await service.join("q", { query: { room: "annex" } });
  const byMessage = await service.join("m", { query: { room: "annex" }, room: "attic" });
  const hallPeer = await service.join("h2");
  const annexPeer = await service.join("q2", { query: { room: "annex" } });
  const atticPeer = await service.join("m2", { room: "attic" });
  await inHall.userlist(["h", "h2"]);
  await hallPeer.userlist(["h", "h2"]);
  await byQuery.userlist(["q", "q2"]);
  await annexPeer.userlist(["q", "q2"]);
  await byMessage.userlist(["m", "m2"]);
  await atticPeer.userlist(["m", "m2"]);
});

Deno.test("an invalid ?room= is reported as invalid-name when registering, unless the message names a room", async () => {
  await using service = await startTestService();
  const client = await service.connect({ query: { room: "r".repeat(65) } });
  client.send({ type: "username", name: "alice" });
  const error = await client.nextError("invalid-name");
  strictEqual(error.message, "The room name must be at most 64 characters.");
  client.send({ type: "username", name: "alice", room: "fine" });
  assertEquals(await client.next("userlist"), { type: "userlist", users: ["alice"] });
});

Deno.test("a socket that disconnects leaves the user list of its room", async () => {
  await using service = await startTestService();
  const alice = await service.join("alice");
  const bob = await service.join("bob");
  await alice.userlist(["alice", "bob"]);
  await bob.close();
  await alice.userlist(["alice"]);
  const health = await (await fetch(`${service.origin}/healthz`)).json();
  assertEquals(health, { ok: true, protocol: 1, rooms: 1, sockets: 1 });
});

Deno.test("/healthz counts rooms and connected sockets", async () => {
  await using service = await startTestService();
  await service.join("a", { room: "one" });
  await service.join("b", { room: "two" });
  await service.connect();
  const response = await fetch(`${service.origin}/healthz`);
  strictEqual(response.status, 200);
  assertEquals(await response.json(), { ok: true, protocol: 1, rooms: 2, sockets: 3 });
});

Deno.test("a join storm of 60 users costs about one userlist per user, not one per join (O(N), not O(N²))", async () => {
  const users = 60;
  await using service = await startTestService({ userlistDelayMs: 20 });
  const clients = await Promise.all(Array.from({ length: users }, () => service.connect()));
  clients.forEach((client, i) => client.send({ type: "username", name: `user${i}` }));
  const everyone = JSON.stringify(clients.map((_, i) => `user${i}`).sort());
  let userlists = 0;
  await Promise.all(clients.map(async (client) => {
    while (true) {
      const list = (await client.next("userlist")).users as string[];
      userlists++;
      if (JSON.stringify([...list].sort()) === everyone) return;
    }
  }));
  // Uncoalesced, N sequential joins cost N(N+1)/2 = 1,830 userlists.
  const bound = 3 * users;
  if (userlists > bound) {
    throw new Error(`${userlists} userlists for ${users} joins (bound ${bound})`);
  }
});
