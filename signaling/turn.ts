/**
 * Short-lived TURN credentials in the "TURN REST API" scheme that coturn
 * implements with `use-auth-secret` / `static-auth-secret`: the username is
 * `<expiry unix seconds>:<label>` and the password is
 * base64(HMAC-SHA1(secret, username)). coturn recomputes the password from the
 * shared secret, so the service never talks to the TURN server and a leaked
 * credential dies at its expiry.
 */
import type { IceServer } from "./protocol.ts";

export interface TurnConfig {
  /** The secret shared with coturn's `static-auth-secret`. */
  secret: string;
  /** e.g. ["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"] */
  urls: string[];
  /** Lifetime of each credential. */
  ttlSeconds: number;
}

const encoder = new TextEncoder();
const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-1" },
      false,
      ["sign"],
    );
    keyCache.set(secret, key);
  }
  return key;
}

function base64(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

/**
 * Mints one RTCIceServer entry for `label` (a socket id or user name; it only
 * shows up in coturn's logs). `nowMs` is injectable so tests can mint
 * already-expired credentials.
 */
export async function mintTurnCredentials(
  turn: TurnConfig,
  label: string,
  nowMs: number = Date.now(),
): Promise<IceServer> {
  const expiry = Math.floor(nowMs / 1000) + turn.ttlSeconds;
  const username = `${expiry}:${label}`;
  const signature = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(turn.secret),
    encoder.encode(username),
  );
  return { urls: turn.urls, username, credential: base64(signature) };
}
