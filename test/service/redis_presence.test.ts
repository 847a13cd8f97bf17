/** Several instances sharing Redis act as one service: presence (issue 4). */
import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import { startCluster } from "./_cluster.ts";

Deno.test("redis: users on different instances see each other in one userlist, in join order", async () => {
  await using cluster = await startCluster(2);
  const [one, two] = cluster.instances;
  const alice = await one.join("alice");
  const bob = await two.join("bob");
  const carol = await one.join("carol");
  for (const client of [alice, bob, carol]) {
    assertEquals(await client.userlist(["alice", "bob", "carol"]), ["alice", "bob", "carol"]);
  }
  await bob.close();
  await alice.userlist(["alice", "carol"]);
  await carol.userlist(["alice", "carol"]);
});

Deno.test("redis: names are unique across instances: a taken name gets rejectusername with the next free one", async () => {
  await using cluster = await startCluster(2);
  const [one, two] = cluster.instances;
  const first = await one.join("alice");
  const second = await two.join("alice");
  strictEqual(first.name, "alice");
  strictEqual(second.name, "alice2");
  assertEquals(await first.userlist(["alice", "alice2"]), ["alice", "alice2"]);
});

Deno.test("redis: a join storm on two instances at once never gives one name twice", async () => {
  await using cluster = await startCluster(2);
  const [one, two] = cluster.instances;
  const sockets = await Promise.all(
    Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).connect()),
  );
  const named = sockets.map((socket) => {
    socket.send({ type: "username", name: "guest" });
    return socket.peek((m) => m.type === "userlist" || m.type === "rejectusername");
  });
  const names = await Promise.all(named.map(async (first) => {
    const message = await first;
    return message.type === "rejectusername" ? message.name as string : "guest";
  }));
  strictEqual(new Set(names).size, 20, names.join(" "));
  const everyone = [...names].sort();
  for (const socket of sockets) {
    await socket.userlist(everyone);
  }
  ok(names.includes("guest") && names.includes("guest20"), names.join(" "));
});

Deno.test("redis: renaming and moving rooms show up on the other instance; rooms stay separate", async () => {
  await using cluster = await startCluster(2);
  const [one, two] = cluster.instances;
  const alice = await one.join("alice");
  const bob = await two.join("bob");
  const hallDweller = await one.join("dora", { room: "hall" });
  await alice.userlist(["alice", "bob"]);
  bob.send({ type: "username", name: "robert" });
  await alice.userlist(["alice", "robert"]);
  // The old name is free again, on either instance.
  const another = await one.join("bob");
  strictEqual(another.name, "bob");
  bob.send({ type: "username", name: "robert", room: "hall" });
  await alice.userlist(["alice", "bob"]);
  await hallDweller.userlist(["dora", "robert"]);
});

Deno.test("redis: graceful shutdown of an instance removes its users from the others at once", async () => {
  await using cluster = await startCluster(2, { instanceTtlSeconds: 60 });
  const [one, two] = cluster.instances;
  const alice = await one.join("alice");
  await two.join("bob");
  await alice.userlist(["alice", "bob"]);
  await two.server.shutdown();
  // Well before the 60 s liveness TTL.
  await alice.userlist(["alice"]);
  const again = await one.join("bob");
  strictEqual(again.name, "bob");
});

Deno.test("redis: /healthz names the instance and reports Redis connected", async () => {
  await using cluster = await startCluster(1);
  const [one] = cluster.instances;
  await one.join("alice");
  const response = await fetch(`${one.origin}/healthz`);
  strictEqual(response.status, 200);
  const body = await response.json();
  assertEquals(body, {
    ok: true,
    protocol: 1,
    rooms: 1,
    sockets: 1,
    instance: one.server.instance,
    redis: "connected",
  });
  ok(/^[0-9a-f]{12}$/.test(String(body.instance)));
});
