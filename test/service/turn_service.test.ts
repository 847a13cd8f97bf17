/**
 * The service mints TURN credentials (issue 4 "TURN") for registered sockets only, in an
 * `ice-servers` message after the `username` (issue 11), and coturn accepts them.
 */
import { deepStrictEqual as assertEquals, ok, strictEqual } from "node:assert/strict";
import { mintTurnCredentials } from "../../signaling/turn.ts";
import { startCoturn } from "../support/coturn.ts";
import { turnPassword } from "../support/turn-password.ts";
import { allocate } from "./_turn_client.ts";
import { startTestService } from "./_service.ts";

const SECRET = "turn-test-secret";

Deno.test("turn: each registered socket gets the static ICE servers plus its own fresh TURN credential", async () => {
  const turn = {
    secret: SECRET,
    urls: ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],
    ttlSeconds: 600,
  };
  await using service = await startTestService({
    iceServers: [{ urls: "stun:stun.example.org:3478" }],
    turn,
  });
  const before = Math.floor(Date.now() / 1000);
  const [a, b] = [await service.open(), await service.open()];
  const ids: Record<string, unknown>[] = [];
  for (const [client, name] of [[a, "alice"], [b, "bob"]] as const) {
    const id = await client.next("id");
    // Before it registers, a socket's id carries the static servers and no credential.
    assertEquals(id.iceServers, [{ urls: "stun:stun.example.org:3478" }]);
    client.send({ type: "username", name });
    ids.push({ ...await client.next("ice-servers"), id: id.id });
  }
  const [idA, idB] = ids;
  const after = Math.floor(Date.now() / 1000);

  for (const id of [idA, idB]) {
    const [stun, relay] = id.iceServers as {
      urls: string[];
      username: string;
      credential: string;
    }[];
    assertEquals(stun, { urls: "stun:stun.example.org:3478" });
    assertEquals(relay.urls, turn.urls);
    const [expiry, label] = relay.username.split(":");
    ok(Number(expiry) >= before + 600 && Number(expiry) <= after + 600, relay.username);
    strictEqual(label, String(id.id));
    strictEqual(relay.credential, await turnPassword(SECRET, relay.username));
  }
  const usernames = [idA, idB].map((id) => (id.iceServers as { username: string }[])[1].username);
  strictEqual(usernames[0] === usernames[1], false);
});

Deno.test("turn: a real coturn grants an allocation for the minted credential, and refuses expired or forged ones (401)", async () => {
  await using coturn = await startCoturn({ secret: SECRET });
  await using service = await startTestService({
    turn: { secret: SECRET, urls: [coturn.url], ttlSeconds: 60 },
  });
  const client = await service.connect();
  client.send({ type: "username", name: "alice" });
  const [server] = (await client.next("ice-servers")).iceServers as {
    urls: string[];
    username: string;
    credential: string;
  }[];
  assertEquals(server.urls, [coturn.url]);
  assertEquals(
    await allocate(coturn.port, server.username, server.credential),
    { ok: true },
    coturn.output(),
  );

  // Minted two hours ago with a one-hour lifetime.
  const expired = await mintTurnCredentials(
    { secret: SECRET, urls: [coturn.url], ttlSeconds: 3600 },
    "late",
    Date.now() - 2 * 3600_000,
  );
  const refused = await allocate(coturn.port, expired.username!, expired.credential!);
  strictEqual(refused.ok ? 0 : refused.code, 401);

  const forged = await mintTurnCredentials(
    { secret: "not-the-secret", urls: [coturn.url], ttlSeconds: 3600 },
    "mallory",
  );
  const alsoRefused = await allocate(coturn.port, forged.username!, forged.credential!);
  strictEqual(alsoRefused.ok ? 0 : alsoRefused.code, 401);
});
