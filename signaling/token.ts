/**
 * Access tokens for `/ws?token=`: `<expiry>.<signature>` where expiry is Unix
 * seconds and signature is base64url(HMAC-SHA256(secret, "<expiry>")) without
 * padding. Whoever holds the secret (e.g. the site's backend) mints tokens;
 * the service only verifies them, so it keeps no token state. A token is not
 * bound to a user or room: it only says "this client may connect until then".
 */

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();
const TOKEN = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(secret, key);
  }
  return key;
}

function base64url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** A token valid for `ttlSeconds` from `nowMs`. */
export async function mintToken(
  secret: string,
  ttlSeconds: number,
  nowMs: number = Date.now(),
): Promise<string> {
  const expiry = String(Math.floor(nowMs / 1000) + Math.floor(ttlSeconds));
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(expiry));
  return `${expiry}.${base64url(signature)}`;
}

/** True if `token` was minted with `secret` and has not expired. Never throws. */
export async function verifyToken(
  secret: string,
  token: string | null,
  nowMs: number = Date.now(),
): Promise<boolean> {
  const match = token ? TOKEN.exec(token) : null;
  if (!match) return false;
  const [, expiry, signature] = match;
  if (Number(expiry) * 1000 <= nowMs) return false;
  try {
    // subtle.verify compares in constant time, unlike comparing strings.
    return await crypto.subtle.verify(
      "HMAC",
      await hmacKey(secret),
      fromBase64url(signature),
      encoder.encode(expiry),
    );
  } catch {
    return false;
  }
}
