/**
 * Several instances sharing Redis: what happens when an instance or Redis
 * itself goes away (issue 4).
 */
import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import { createClient } from "redis";
import { INSTANCES_KEY, PREFIX, roomKey } from "../../signaling/redis_keys.ts";
import { PURGE } from "../../signaling/redis_scripts.ts";
import { startRedis } from "../support/redis.ts";
import { startCluster } from "./_cluster.ts";
import { serviceCommand, spawnService } from "./_child_service.ts";
import { TestClient } from "./_client.ts";
import { startTestService } from "./_service.ts";

Deno.test("redis: a killed instance's users leave the other instances' lists within 4/3 of the instance TTL", async () => {
  await using redis = await startRedis();
  await using survivor = await startTestService({ redisUrl: redis.url, instanceTtlSeconds: 1 });
  await using doomed = await spawnService(["--redis-url", redis.url, "--instance-ttl", "1"]);
  const alice = await survivor.join("alice");
  const ghost = await TestClient.connect(`ws://127.0.0.1:${doomed.port}/ws`);
  try {
    ghost.send({ type: "username", name: "ghost" });
    await alice.userlist(["alice", "ghost"]);

    // No graceful shutdown: the process vanishes with its Redis connections.
    const killedAt = Date.now();
    strictEqual((await doomed.kill("SIGKILL")).signal, "SIGKILL");
    await alice.userlist(["alice"]);
    const elapsed = Date.now() - killedAt;
    ok(elapsed <= 1_333 + 500, `ghost lingered ${elapsed} ms`);

    // The name is free again, and the dead user is an unknown target.
    alice.send({ type: "video-offer", target: "ghost", sdp: { type: "offer", sdp: "v=0" } });
    strictEqual((await alice.nextError("unknown-target")).target, "ghost");
    strictEqual((await survivor.join("ghost")).name, "ghost");
  } finally {
    await ghost.close();
  }
});

Deno.test("redis: main.ts exits 1 with a clear message when Redis is unreachable at start", async () => {
  const redis = await startRedis();
  const url = redis.url;
  await redis.stop(); // a port where nothing listens any more
  const { code, stdout, stderr } = await serviceCommand(["--port", "0"], {
    env: { P2P_REDIS_URL: url },
    stdout: "piped",
    stderr: "piped",
  }).output();
  strictEqual(code, 1);
  strictEqual(new TextDecoder().decode(stdout), "");
  strictEqual(
    new TextDecoder().decode(stderr).trim(),
    `p2p-call signaling: cannot connect to Redis at ${url}: connect ECONNREFUSED 127.0.0.1:${
      new URL(url).port
    }`,
  );
});

Deno.test("redis: instances survive a Redis restart: frames that need Redis close the socket with 1013, then members are written back", async () => {
  await using cluster = await startCluster(2);
  const [one, two] = cluster.instances;
  const alice = await one.join("alice");
  const carol = await one.join("carol");
  const bob = await two.join("bob");
  for (const client of [alice, bob, carol]) await client.userlist(["alice", "bob", "carol"]);

  // Redis crashes; it comes back empty (no persistence), on the same port.
  await cluster.redis.stop("SIGKILL");
  const health = await fetch(`${one.origin}/healthz`);
  strictEqual(health.status, 503);
  assertEquals((await health.json()).redis, "disconnected");

  // Same-instance relay needs no Redis and carries on.
  alice.send({ type: "video-offer", target: "carol", sdp: { type: "offer", sdp: "v=0" } });
  strictEqual((await carol.next("video-offer")).name, "alice");
  // A frame for another instance cannot be delivered: closed, "try again later".
  bob.send({ type: "video-offer", target: "alice", sdp: { type: "offer", sdp: "v=0" } });
  assertEquals(
    [(await bob.closed).code, (await bob.closed).reason],
    [1013, "signaling temporarily unavailable"],
  );

  const restarted = await startRedis({ port: cluster.redis.port });
  try {
    // Instance one writes alice and carol back; bob's client reconnects to two.
    for (const client of [alice, carol]) await client.userlist(["alice", "carol"]);
    const bobAgain = await two.join("bob");
    for (const client of [alice, carol, bobAgain]) {
      await client.userlist(["alice", "bob", "carol"]);
    }
    bobAgain.send({ type: "video-offer", target: "alice", sdp: { type: "offer", sdp: "v=0" } });
    strictEqual((await alice.next("video-offer")).name, "bob");
    strictEqual((await fetch(`${one.origin}/healthz`).then((r) => r.json())).redis, "connected");
    // Instances leave while Redis is up, so they can say goodbye.
    await cluster[Symbol.asyncDispose]();
  } finally {
    await restarted.stop();
  }
});

Deno.test("redis: an instance whose liveness lapsed writes its members back, and closes (1013) a socket whose name was taken meanwhile", async () => {
  await using cluster = await startCluster(2);
  const [one, two] = cluster.instances;
  const alice = await one.join("alice");
  const carol = await one.join("carol");
  const bob = await two.join("bob");
  for (const client of [alice, bob, carol]) await client.userlist(["alice", "bob", "carol"]);

  // What another instance's sweep does to an instance that looked dead (e.g.
  // its event loop stalled past the TTL), and someone claiming "alice" right
  // after: in one atomic step, so instance one cannot heartbeat in between.
  const redis = createClient({ url: cluster.redis.url });
  await redis.connect();
  try {
    await redis.multi()
      .addCommand(["EVAL", PURGE.source, "1", INSTANCES_KEY, PREFIX, one.server.instance!])
      .addCommand(["HSET", roomKey("lobby"), "alice", `${two.server.instance}:999:1`])
      .exec();
  } finally {
    await redis.close();
  }

  // Instance one notices at its next heartbeat: carol is written back, alice
  // cannot be and is told to reconnect.
  const closed = await alice.closed;
  assertEquals([closed.code, closed.reason], [1013, "name taken during an outage"]);
  await bob.userlist(["bob", "carol", "alice"]);
  await carol.userlist(["bob", "carol", "alice"]);
});
