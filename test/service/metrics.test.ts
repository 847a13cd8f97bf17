/**
 * `/metrics` (issue 13): served only on its own listener, in the Prometheus
 * text format, and moving as real sockets join, relay, misbehave and close.
 */
import { ok, strictEqual, throws } from "node:assert/strict";
import { ConfigError, parseConfig, usage } from "../../signaling/config.ts";
import { ERROR_CODES } from "../../signaling/protocol.ts";
import { startRedis } from "../support/redis.ts";
import { metricsUrl, scrape, scrapeUntil } from "./_metrics.ts";
import { startTestService } from "./_service.ts";

const METRICS = { port: 0, hostname: "127.0.0.1" };

Deno.test("metrics: off by default; --metrics-port serves them on loopback unless --metrics-host says otherwise", () => {
  strictEqual(parseConfig([], {}).metrics, null);
  const local = parseConfig(["--metrics-port", "9464"], {});
  strictEqual(local.metrics?.port, 9464);
  strictEqual(local.metrics?.hostname, "127.0.0.1");
  const env = { P2P_METRICS_PORT: "9100", P2P_METRICS_HOST: "10.0.0.5" };
  strictEqual(parseConfig([], env).metrics?.hostname, "10.0.0.5");
  strictEqual(parseConfig(["--metrics-port=9200"], env).metrics?.port, 9200);

  const refused = (args: string[], message: RegExp) =>
    throws(() => parseConfig(args, {}), (e) => e instanceof ConfigError && message.test(e.message));
  refused(["--metrics-host", "0.0.0.0"], /--metrics-host .* is set but --metrics-port/);
  refused(["--metrics-port", "8000"], /--metrics-port .* must differ from --port \(8000\)/);
  refused(["--metrics-port", "70000"], /--metrics-port must be a whole number 0-65535/);
  // Two free ports picked at start never collide.
  strictEqual(parseConfig(["--port", "0", "--metrics-port", "0"], {}).metrics?.port, 0);
  ok(usage().includes("--metrics-port") && usage().includes("P2P_METRICS_HOST"));
});

Deno.test("metrics: /metrics is on the metrics listener only, not on the public port", async () => {
  await using plain = await startTestService();
  strictEqual(plain.server.metricsPort, undefined);
  const none = await fetch(`${plain.origin}/metrics`);
  await none.body?.cancel();
  strictEqual(none.status, 404);

  await using service = await startTestService({ metrics: METRICS });
  const port = service.server.metricsPort!;
  ok(port > 0 && port !== service.server.port);
  const publicSide = await fetch(`${service.origin}/metrics`);
  await publicSide.body?.cancel();
  strictEqual(publicSide.status, 404);
  const health = await fetch(`${service.origin}/healthz`);
  strictEqual((await health.json()).ok, true);

  const elsewhere = await fetch(metricsUrl(port, "/healthz"));
  await elsewhere.body?.cancel();
  strictEqual(elsewhere.status, 404);
  const post = await fetch(metricsUrl(port), { method: "POST" });
  await post.body?.cancel();
  strictEqual(post.status, 405);
  const head = await fetch(metricsUrl(port), { method: "HEAD" });
  strictEqual(await head.text(), "");
  strictEqual(head.status, 200);
});

Deno.test("metrics: counters move as real sockets join, relay, send bad frames, get rate limited and close", async () => {
  // Everyone may send 20 frames at once, then 1 a second: only the flooder comes near.
  await using service = await startTestService({
    metrics: METRICS,
    limits: { ratePerSecond: 1, rateBurst: 20 },
  });
  const port = service.server.metricsPort!;

  let m = await scrape(port);
  for (const name of ["p2p_open_sockets", "p2p_registered_members", "p2p_rooms"]) {
    strictEqual(m.type(name), "GAUGE");
    strictEqual(m.get(name), 0, name);
  }
  strictEqual(m.get("p2p_held_names"), 0);
  strictEqual(m.get("p2p_frames_received_total"), 0);
  // Every label value is there from the start, at zero.
  strictEqual(m.labelValues("p2p_errors_total", "code").join(), ERROR_CODES.join());
  for (const code of ERROR_CODES) strictEqual(m.get("p2p_errors_total", { code }), 0);
  strictEqual(m.get("p2p_frames_relayed_total", { type: "video-offer" }), 0);
  strictEqual(m.get("p2p_socket_closes_total", { code: "1000" }), 0);
  strictEqual(m.get("p2p_rate_limited_frames_total", { action: "drop" }), 0);
  ok(!m.has("p2p_redis_connected") && !m.has("p2p_redis_round_trip_seconds"));

  const alice = await service.join("alice");
  const bob = await service.join("bob");
  const carol = await service.join("carol", { room: "elsewhere" });
  m = await scrape(port);
  strictEqual(m.get("p2p_open_sockets"), 3);
  strictEqual(m.get("p2p_registered_members"), 3);
  strictEqual(m.get("p2p_rooms"), 2);

  // Relays: an offer, two candidates, a type of the application's own, a chat line, a bare hang-up.
  alice.send({ type: "video-offer", target: "bob", sdp: { type: "offer", sdp: "v=0" } });
  alice.send({ type: "new-ice-candidate", target: "bob", candidate: { candidate: "a" } });
  alice.send({ type: "new-ice-candidate", target: "bob", candidate: { candidate: "b" } });
  alice.send({ type: "app-ping", target: "bob" });
  alice.send({ type: "message", text: "hi" });
  alice.send({ type: "hang-up" });
  for (const type of ["video-offer", "new-ice-candidate", "new-ice-candidate", "app-ping"]) {
    await bob.next(type);
  }
  await bob.next("message");
  await bob.next("hang-up");
  // Mistakes: not JSON, nobody of that name, a frame before registering.
  alice.send("{not json");
  await alice.nextError("bad-json");
  alice.send({ type: "video-offer", target: "nobody", sdp: { type: "offer", sdp: "v=0" } });
  await alice.nextError("unknown-target");
  const stranger = await service.connect();
  stranger.send({ type: "message", text: "too early" });
  await stranger.nextError("not-registered");

  m = await scrape(port);
  const relayed = (type: string) => m.get("p2p_frames_relayed_total", { type });
  strictEqual(relayed("video-offer"), 1);
  strictEqual(relayed("new-ice-candidate"), 2);
  strictEqual(relayed("other"), 1);
  strictEqual(relayed("message"), 1);
  strictEqual(relayed("hang-up"), 1);
  strictEqual(relayed("video-answer"), 0);
  strictEqual(m.get("p2p_errors_total", { code: "bad-json" }), 1);
  strictEqual(m.get("p2p_errors_total", { code: "unknown-target" }), 1);
  strictEqual(m.get("p2p_errors_total", { code: "not-registered" }), 1);
  strictEqual(m.get("p2p_errors_total", { code: "rate-limited" }), 0);
  // Three usernames, six relays, two mistakes from alice, one from the stranger.
  strictEqual(m.get("p2p_frames_received_total"), 3 + 6 + 2 + 1);
  strictEqual(m.get("p2p_open_sockets"), 4);

  // A flooder: 60 chat lines at once against a burst of 20.
  const flooder = await service.join("flooder", { room: "flood" });
  const before = m.get("p2p_frames_received_total") + 1;
  for (let i = 0; i < 60; i++) flooder.send({ type: "message", text: `spam ${i}` });
  strictEqual((await flooder.closed).code, 1008);
  m = await scrapeUntil(
    port,
    (s) => s.get("p2p_socket_closes_total", { code: "1008" }) === 1,
    "the flooder's close",
  );
  const drops = m.get("p2p_rate_limited_frames_total", { action: "drop" });
  strictEqual(m.get("p2p_rate_limited_frames_total", { action: "disconnect" }), 1);
  // The second bucket (as big as the burst) empties before the disconnect.
  ok(drops >= 20 && drops <= 22, `drops: ${drops}`);
  // One notice when the drops start, one with the disconnect.
  ok(m.get("p2p_errors_total", { code: "rate-limited" }) >= 2);
  const accepted = relayed("message") - 1;
  ok(accepted >= 18 && accepted <= 20, `chat lines relayed before the limit: ${accepted}`);
  const received = m.get("p2p_frames_received_total") - before;
  ok(received >= accepted + drops + 1 && received <= 60, `flood frames received: ${received}`);

  // A client that can resume drops: its name is held, and still counts as a member.
  const dave = await service.connect();
  dave.send({ type: "username", name: "dave", resume: "" });
  await dave.peek((msg) => msg.type === "userlist" && (msg.users as string[]).includes("dave"));
  dave.socket.close(4001, "network change");
  await dave.closed;
  m = await scrapeUntil(port, (s) => s.get("p2p_held_names") === 1, "dave's name held");
  strictEqual(m.get("p2p_socket_closes_total", { code: "other" }), 1);
  // alice, bob, carol and the held dave; the flooder, closed by the service, left.
  strictEqual(m.get("p2p_registered_members"), 4);
  strictEqual(m.get("p2p_open_sockets"), 4);

  bob.socket.close(1000);
  await bob.closed;
  await carol.close(); // no code: 1005 on the service's side
  await stranger.close();
  await alice.close();
  m = await scrapeUntil(port, (s) => s.get("p2p_open_sockets") === 0, "every socket closed");
  strictEqual(m.get("p2p_socket_closes_total", { code: "1000" }), 1);
  strictEqual(m.get("p2p_socket_closes_total", { code: "1005" }), 3);
  strictEqual(m.get("p2p_socket_closes_total", { code: "1008" }), 1);
  m = await scrapeUntil(port, (s) => s.get("p2p_registered_members") === 1, "only dave held");
  strictEqual(m.get("p2p_rooms"), 1);
  strictEqual(m.get("p2p_held_names"), 1);
});

Deno.test("metrics: a refused token counts as an unauthorized error and a 1008 close", async () => {
  await using service = await startTestService({
    metrics: METRICS,
    tokenSecret: "a-secret-of-sixteen-chars",
  });
  const port = service.server.metricsPort!;
  const client = await service.open();
  strictEqual((await client.nextError("unauthorized")).code, "unauthorized");
  strictEqual((await client.closed).code, 1008);
  const m = await scrapeUntil(port, (s) => s.get("p2p_open_sockets") === 0, "the refused close");
  strictEqual(m.get("p2p_errors_total", { code: "unauthorized" }), 1);
  strictEqual(m.get("p2p_socket_closes_total", { code: "1008" }), 1);
  strictEqual(m.get("p2p_registered_members"), 0);
});

Deno.test("metrics: with Redis, its connection state and round-trip time, and counters through the shared hub", async () => {
  await using redis = await startRedis();
  await using service = await startTestService({ metrics: METRICS, redisUrl: redis.url });
  const port = service.server.metricsPort!;

  let m = await scrape(port);
  strictEqual(m.type("p2p_redis_connected"), "GAUGE");
  strictEqual(m.get("p2p_redis_connected"), 1);
  const rtt = m.get("p2p_redis_round_trip_seconds");
  ok(rtt > 0 && rtt < 1, `round trip: ${rtt} s`);
  // Every metric there is (Redis ones included) is in the README's table, and nothing else.
  strictEqual(m.names().join(), (await readmeMetrics()).join());

  const alice = await service.join("alice");
  const bob = await service.join("bob");
  alice.send({ type: "video-offer", target: "bob", sdp: { type: "offer", sdp: "v=0" } });
  await bob.next("video-offer");
  bob.send({ type: "video-answer", target: "alice", sdp: { type: "answer", sdp: "v=0" } });
  await alice.next("video-answer");
  alice.send({ type: "new-ice-candidate", target: "carol", candidate: {} });
  await alice.nextError("unknown-target");
  m = await scrape(port);
  strictEqual(m.get("p2p_registered_members"), 2);
  strictEqual(m.get("p2p_rooms"), 1);
  strictEqual(m.get("p2p_frames_relayed_total", { type: "video-offer" }), 1);
  strictEqual(m.get("p2p_frames_relayed_total", { type: "video-answer" }), 1);
  strictEqual(m.get("p2p_frames_relayed_total", { type: "new-ice-candidate" }), 0);
  strictEqual(m.get("p2p_errors_total", { code: "unknown-target" }), 1);

  // Redis goes away: the state says so, and there is no round trip to report.
  await redis.stop();
  m = await scrapeUntil(port, (s) => s.get("p2p_redis_connected") === 0, "Redis seen down");
  ok(!m.has("p2p_redis_round_trip_seconds"));
  // And back (the service reconnects within 2 s).
  const restarted = await startRedis({ port: redis.port });
  try {
    m = await scrapeUntil(port, (s) => s.get("p2p_redis_connected") === 1, "Redis seen back");
    ok(m.get("p2p_redis_round_trip_seconds") > 0);
    // The service leaves while Redis is up, so no reconnect outlives the test.
    await service[Symbol.asyncDispose]();
  } finally {
    await restarted.stop();
  }
});

Deno.test("metrics: a scrape answers within a second while Redis does not answer", async () => {
  await using redis = await startRedis();
  await using service = await startTestService({ metrics: METRICS, redisUrl: redis.url });
  const port = service.server.metricsPort!;
  // A stopped (not dead) Redis keeps its connections open and answers nothing.
  Deno.kill(redis.pid, "SIGSTOP");
  try {
    const started = performance.now();
    const m = await scrape(port);
    const elapsed = performance.now() - started;
    ok(elapsed < 2000, `scrape took ${elapsed} ms`);
    strictEqual(m.get("p2p_redis_connected"), 1);
    ok(!m.has("p2p_redis_round_trip_seconds"));
  } finally {
    Deno.kill(redis.pid, "SIGCONT");
  }
  const m = await scrape(port);
  ok(m.get("p2p_redis_round_trip_seconds") < 1);
});

/** The metric names in the README's table, in its order. */
async function readmeMetrics(): Promise<string[]> {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.slice(readme.indexOf("### Metrics"));
  const table = section.slice(section.indexOf("| Metric"));
  const end = table.indexOf("\n\n");
  ok(end > 0, "the README has a metrics table");
  return [...table.slice(0, end).matchAll(/^\| `(p2p_[a-z_]+)`/gm)].map((match) => match[1]);
}
