import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { mintTurnCredentials } from "../../signaling/turn.ts";

const turn = { secret: "s3cret", urls: ["turn:127.0.0.1:3478"], ttlSeconds: 600 };

Deno.test("TURN credentials follow coturn's REST API scheme: username expiry:label, password base64(HMAC-SHA1)", async () => {
  // Reference value from: printf '%s' 1700000600:alice | openssl dgst -sha1 -hmac s3cret -binary | base64
  const server = await mintTurnCredentials(turn, "alice", 1_700_000_000_000);
  assertEquals(server, {
    urls: ["turn:127.0.0.1:3478"],
    username: "1700000600:alice",
    credential: "bUIJIVaC05oyFgKsQvKAparqg1Q=",
  });
});

Deno.test("TURN credentials expire ttlSeconds after minting", async () => {
  const now = Date.now();
  const { username } = await mintTurnCredentials({ ...turn, ttlSeconds: 30 }, "bob", now);
  assertEquals(Number(username!.split(":")[0]), Math.floor(now / 1000) + 30);
});
