import { strictEqual } from "node:assert/strict";
import { mintToken, verifyToken } from "../../signaling/token.ts";

const secret = "correct horse battery staple";

Deno.test("token: the format is <expiry unix seconds>.<base64url HMAC-SHA256 of the expiry>", async () => {
  // Reference value from:
  // printf '%s' 1700000060 | openssl dgst -sha256 -hmac "$secret" -binary | base64 | tr '+/' '-_' | tr -d =
  const token = await mintToken(secret, 60, 1_700_000_000_000);
  strictEqual(token, "1700000060.L34wWT9JW2a_EegeQ8s8myzXzE8kpzM7c2cMuPyvjXE");
});

Deno.test("token: a minted token verifies until it expires", async () => {
  const now = 1_700_000_000_000;
  const token = await mintToken(secret, 60, now);
  strictEqual(await verifyToken(secret, token, now), true);
  strictEqual(await verifyToken(secret, token, now + 59_999), true);
  strictEqual(await verifyToken(secret, token, now + 60_000), false);
});

Deno.test("token: wrong secret, tampered expiry or signature, and junk are refused", async () => {
  const token = await mintToken(secret, 60);
  const [expiry, signature] = token.split(".");
  const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
  for (
    const bad of [
      await mintToken("another secret entirely", 60),
      `${Number(expiry) + 1000}.${signature}`,
      `${expiry}.${flipped}`,
      `${expiry}.${signature}=`,
      expiry,
      "",
      "not.a.token",
      null,
    ]
  ) {
    strictEqual(await verifyToken(secret, bad), false, String(bad));
  }
});
