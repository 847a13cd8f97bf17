/**
 * Just enough of a TURN client (RFC 8656 / STUN RFC 8489) to ask a real TURN
 * server for an allocation over TCP with long-term credentials, so a test can
 * prove that coturn accepts the credentials the service mints, and refuses
 * expired ones, without a browser.
 */
import { createHash, createHmac } from "node:crypto";

const MAGIC_COOKIE = 0x2112a442;
const ALLOCATE_REQUEST = 0x0003;
const ALLOCATE_SUCCESS = 0x0103;
const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  REALM: 0x0014,
  NONCE: 0x0015,
  REQUESTED_TRANSPORT: 0x0019,
} as const;
const UDP = 17;

interface StunMessage {
  type: number;
  attributes: Map<number, Uint8Array>;
}

export type AllocateResult =
  | { ok: true }
  | { ok: false; code: number; reason: string };

const text = new TextEncoder();

function attribute(type: number, value: Uint8Array): Uint8Array {
  const padded = new Uint8Array(4 + Math.ceil(value.length / 4) * 4);
  const view = new DataView(padded.buffer);
  view.setUint16(0, type);
  view.setUint16(2, value.length);
  padded.set(value, 4);
  return padded;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A request; with `key`, MESSAGE-INTEGRITY (HMAC-SHA1) is appended last. */
function request(type: number, attributes: Uint8Array[], key?: Uint8Array): Uint8Array {
  const body = concat(attributes);
  const header = new Uint8Array(20);
  const view = new DataView(header.buffer);
  view.setUint16(0, type);
  view.setUint32(4, MAGIC_COOKIE);
  crypto.getRandomValues(header.subarray(8, 20));
  if (!key) {
    view.setUint16(2, body.length);
    return concat([header, body]);
  }
  // The length covers MESSAGE-INTEGRITY (24 bytes) although it is computed without it.
  view.setUint16(2, body.length + 24);
  const mac = createHmac("sha1", key).update(concat([header, body])).digest();
  return concat([header, body, attribute(ATTR.MESSAGE_INTEGRITY, new Uint8Array(mac))]);
}

async function readExactly(connection: Deno.Conn, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let read = 0;
  while (read < length) {
    const n = await connection.read(buffer.subarray(read));
    if (n === null) throw new Error("TURN server closed the connection");
    read += n;
  }
  return buffer;
}

async function exchange(connection: Deno.Conn, message: Uint8Array): Promise<StunMessage> {
  await connection.write(message);
  const header = await readExactly(connection, 20);
  const view = new DataView(header.buffer);
  const body = await readExactly(connection, view.getUint16(2));
  const attributes = new Map<number, Uint8Array>();
  for (let offset = 0; offset + 4 <= body.length;) {
    const attrView = new DataView(body.buffer, offset);
    const type = attrView.getUint16(0);
    const length = attrView.getUint16(2);
    attributes.set(type, body.slice(offset + 4, offset + 4 + length));
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return { type: view.getUint16(0), attributes };
}

function errorOf(message: StunMessage): { code: number; reason: string } {
  const value = message.attributes.get(ATTR.ERROR_CODE);
  if (!value) return { code: 0, reason: `unexpected message type 0x${message.type.toString(16)}` };
  return {
    code: (value[2] & 0x7) * 100 + value[3],
    reason: new TextDecoder().decode(value.subarray(4)),
  };
}

/**
 * Asks the TURN server at 127.0.0.1:`port` (TCP) for a UDP relay allocation
 * with these credentials: the unauthenticated first request earns the realm
 * and nonce, the second one is signed with MD5(username:realm:password).
 */
export async function allocate(
  port: number,
  username: string,
  password: string,
): Promise<AllocateResult> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const transport = attribute(ATTR.REQUESTED_TRANSPORT, new Uint8Array([UDP, 0, 0, 0]));
    const challenge = await exchange(connection, request(ALLOCATE_REQUEST, [transport]));
    const realm = challenge.attributes.get(ATTR.REALM);
    const nonce = challenge.attributes.get(ATTR.NONCE);
    if (!realm || !nonce) return { ok: false, ...errorOf(challenge) };
    const realmText = new TextDecoder().decode(realm);
    const key = createHash("md5").update(`${username}:${realmText}:${password}`).digest();
    const answer = await exchange(
      connection,
      request(ALLOCATE_REQUEST, [
        transport,
        attribute(ATTR.USERNAME, text.encode(username)),
        attribute(ATTR.REALM, realm),
        attribute(ATTR.NONCE, nonce),
      ], new Uint8Array(key)),
    );
    if (answer.type === ALLOCATE_SUCCESS) return { ok: true };
    return { ok: false, ...errorOf(answer) };
  } finally {
    connection.close();
  }
}
