/**
 * The TURN REST API password (coturn's use-auth-secret): base64(HMAC-SHA1(secret,
 * username)), computed with WebCrypto independently of signaling/turn.ts, so the
 * service tests (Deno) and the browser tests check the service against it.
 */
export async function turnPassword(secret: string, username: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(username)));
  return btoa(String.fromCharCode(...mac));
}
