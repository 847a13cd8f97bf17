/**
 * A WebSocket client written by hand on a TCP connection, for what a real
 * client never does: ignore pings. It performs the upgrade, can send masked
 * text frames, and reads frames without ever answering them.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface RawFrame {
  opcode: number;
  payload: Uint8Array;
}

export const OPCODE_CONTINUATION = 0x0;
export const OPCODE_TEXT = 0x1;
export const OPCODE_CLOSE = 0x8;
export const OPCODE_PING = 0x9;

/**
 * A masked client frame. `announced` overrides the payload length written in
 * the header (a header that promises more than follows); `fin` false leaves
 * the message unfinished.
 */
export function clientFrame(
  opcode: number,
  payload: Uint8Array,
  { fin = true, announced = payload.length }: { fin?: boolean; announced?: number } = {},
): Uint8Array {
  const head: number[] = [(fin ? 0x80 : 0) | opcode];
  if (announced < 126) {
    head.push(0x80 | announced);
  } else if (announced < 65536) {
    head.push(0x80 | 126, announced >>> 8, announced & 0xff);
  } else {
    head.push(0x80 | 127);
    for (let shift = 56; shift >= 0; shift -= 8) {
      head.push(Number((BigInt(announced) >> BigInt(shift)) & 0xffn));
    }
  }
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const frame = new Uint8Array(head.length + 4 + payload.length);
  frame.set(head);
  frame.set(mask, head.length);
  for (let i = 0; i < payload.length; i++) frame[head.length + 4 + i] = payload[i] ^ mask[i & 3];
  return frame;
}

export class RawWebSocket {
  #conn: Deno.TcpConn;
  #buffer = new Uint8Array(0);

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Connects and completes the HTTP upgrade to `path`. */
  static async connect(port: number, path = "/ws"): Promise<RawWebSocket> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const socket = new RawWebSocket(conn);
    try {
      await conn.write(encoder.encode(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
          "Sec-WebSocket-Version: 13\r\n\r\n",
      ));
      const head = await socket.#readHead();
      if (!head.startsWith("HTTP/1.1 101")) throw new Error(`upgrade failed: ${head}`);
      return socket;
    } catch (error) {
      conn.close();
      throw error;
    }
  }

  /** Writes `bytes` as they are (hand-made frames); false once the server has gone. */
  async sendBytes(bytes: Uint8Array): Promise<boolean> {
    try {
      let written = 0;
      while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
      return true;
    } catch {
      return false;
    }
  }

  /** Sends a masked text frame, as a client must. */
  async sendText(text: string): Promise<void> {
    const payload = encoder.encode(text);
    if (payload.length >= 126) throw new Error("RawWebSocket sends short frames only");
    const mask = crypto.getRandomValues(new Uint8Array(4));
    const frame = new Uint8Array(6 + payload.length);
    frame[0] = 0x80 | OPCODE_TEXT;
    frame[1] = 0x80 | payload.length;
    frame.set(mask, 2);
    for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ mask[i % 4];
    await this.#conn.write(frame);
  }

  /** The next frame, or null when the server closed the TCP connection. */
  async readFrame(): Promise<RawFrame | null> {
    if (!await this.#fill(2)) return null;
    const opcode = this.#buffer[0] & 0x0f;
    let length = this.#buffer[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (!await this.#fill(4)) return null;
      length = (this.#buffer[2] << 8) | this.#buffer[3];
      offset = 4;
    } else if (length === 127) {
      if (!await this.#fill(10)) return null;
      length = Number(
        new DataView(this.#buffer.buffer, this.#buffer.byteOffset + 2, 8).getBigUint64(0),
      );
      offset = 10;
    }
    if (!await this.#fill(offset + length)) return null;
    const payload = this.#buffer.slice(offset, offset + length);
    this.#buffer = this.#buffer.slice(offset + length);
    return { opcode, payload };
  }

  /** The next text frame's JSON, skipping pings (which are never answered). */
  async readJson(): Promise<Record<string, unknown> | null> {
    while (true) {
      const frame = await this.readFrame();
      if (!frame || frame.opcode === OPCODE_CLOSE) return null;
      if (frame.opcode === OPCODE_TEXT) return JSON.parse(decoder.decode(frame.payload));
    }
  }

  /** The code of a close frame's payload (1005 when it has none). */
  static closeCode(frame: RawFrame): number {
    return frame.payload.length >= 2 ? (frame.payload[0] << 8) | frame.payload[1] : 1005;
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  async #readHead(): Promise<string> {
    while (true) {
      const text = decoder.decode(this.#buffer);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        this.#buffer = this.#buffer.slice(encoder.encode(text.slice(0, end + 4)).length);
        return text.slice(0, end);
      }
      if (!await this.#more()) throw new Error("connection closed during the upgrade");
    }
  }

  async #fill(length: number): Promise<boolean> {
    while (this.#buffer.length < length) {
      if (!await this.#more()) return false;
    }
    return true;
  }

  async #more(): Promise<boolean> {
    const chunk = new Uint8Array(4096);
    const read = await this.#conn.read(chunk).catch(() => null);
    if (read === null) return false;
    const merged = new Uint8Array(this.#buffer.length + read);
    merged.set(this.#buffer);
    merged.set(chunk.subarray(0, read), this.#buffer.length);
    this.#buffer = merged;
    return true;
  }
}
