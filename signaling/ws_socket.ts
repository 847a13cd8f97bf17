/**
 * A server-side WebSocket (RFC 6455) on a raw TCP connection, with the
 * surface of the browser `WebSocket` the service uses (`readyState`, `send`,
 * `close`, `bufferedAmount`, `onopen`/`onmessage`/`onclose`/`onerror`).
 *
 * It exists because Deno's own (`Deno.upgradeWebSocket`) cannot be bounded
 * from JavaScript: it assembles a whole message (up to 64 MiB) before the
 * service sees its size, it never opens nor closes a socket whose connection
 * was reset before the 101 went out (the fd and the Session leak), it fires
 * `close` twice, and a socket the service closed stays open as long as its
 * client ignores the close frame. Here:
 *
 * - a frame is refused at its header when it would take the message past
 *   `maxMessageBytes` (as would the 65th fragment of one message), before any
 *   of its payload is buffered;
 * - `close` fires exactly once, whatever ends the connection;
 * - a socket whose close frame is not answered within `closeTimeoutMs`, or
 *   whose client stops answering pings, is torn down (by the shared sweep of
 *   `ConnectionSweep`, not a timer per socket).
 */

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder();

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

const CLOSE_NORMAL = 1000;
const CLOSE_NO_STATUS = 1005;
const CLOSE_ABNORMAL = 1006;
const CLOSE_PROTOCOL_ERROR = 1002;
const CLOSE_INVALID_DATA = 1007;
export const CLOSE_MESSAGE_TOO_BIG = 1009;

/** Fragments one message may arrive in; more is a flood of headers, not a message. */
export const MAX_FRAGMENTS = 64;
/** Bytes read from the connection at a time (held per open socket while it waits). */
const READ_CHUNK = 4096;

export interface SocketLimits {
  /** Largest message payload, all fragments together; a bigger one closes with 1009. */
  maxMessageBytes: number;
  /** How long a close frame may go unanswered before the connection is dropped. */
  closeTimeoutMs: number;
  /** Silence after which a ping is sent, and again after which the socket is dropped; 0 = never. */
  idleTimeoutMs: number;
  /** The error frame sent before a 1009 close (the protocol's `too-large`). */
  tooLargeFrame: (max: number) => string;
}

interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

/** A WebSocket's close codes a peer may send (RFC 6455 §7.4). */
function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999);
}

function headLength(length: number): number {
  return length < 126 ? 2 : length < 65536 ? 4 : 10;
}

/** Writes a final frame's header for `length` payload bytes at the start of `head`. */
function writeHeader(head: Uint8Array, opcode: number, length: number): void {
  head[0] = 0x80 | opcode;
  if (length < 126) {
    head[1] = length;
  } else if (length < 65536) {
    head[1] = 126;
    head[2] = length >>> 8;
    head[3] = length & 0xff;
  } else {
    head[1] = 127;
    new DataView(head.buffer, head.byteOffset).setBigUint64(2, BigInt(length));
  }
}

/**
 * XORs `payload` (a fresh copy, so 4-byte aligned) with the 4-byte mask at
 * `bytes[at]`, a word at a time.
 */
function unmask(payload: Uint8Array, bytes: Uint8Array, at: number): void {
  const m0 = bytes[at], m1 = bytes[at + 1], m2 = bytes[at + 2], m3 = bytes[at + 3];
  const words = payload.length >>> 2;
  if (words > 0) {
    // Little-endian words: byte 0 of the mask is the low byte (every platform Deno runs on).
    const mask = (m0 | (m1 << 8) | (m2 << 16) | (m3 << 24)) >>> 0;
    const view = new Uint32Array(payload.buffer, payload.byteOffset, words);
    for (let i = 0; i < words; i++) view[i] ^= mask;
  }
  const masks = [m0, m1, m2, m3];
  for (let i = words << 2; i < payload.length; i++) payload[i] ^= masks[i & 3];
}

/** Scratch space for encoding outgoing text before it is copied into its frame. */
let scratch = new Uint8Array(64 * 1024);

/** One unmasked text frame of `text`: one encode into scratch, one copy. */
function encodeText(text: string): Uint8Array {
  const worst = text.length * 3;
  if (worst > scratch.length) scratch = new Uint8Array(worst);
  const { written } = encoder.encodeInto(text, scratch);
  const offset = headLength(written);
  const frame = new Uint8Array(offset + written);
  writeHeader(frame, OP_TEXT, written);
  frame.set(scratch.subarray(0, written), offset);
  return frame;
}

/** One unmasked server frame. */
function encodeFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const offset = headLength(payload.length);
  const frame = new Uint8Array(offset + payload.length);
  writeHeader(frame, opcode, payload.length);
  frame.set(payload, offset);
  return frame;
}

function closePayload(code: number, reason: string): Uint8Array {
  const text = encoder.encode(reason).subarray(0, 123);
  const payload = new Uint8Array(2 + text.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return payload;
}

export class ServerSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readonly protocol: string;
  readyState = ServerSocket.CONNECTING;
  binaryType: BinaryType = "arraybuffer";
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: { data: string | ArrayBuffer }) => void) | null = null;
  onclose: ((event: CloseInfo) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  #conn: Deno.TcpConn | undefined;
  #limits: SocketLimits;
  /** Outbound frames not yet handed to the kernel. */
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #writing = false;
  /** A pong owed to the latest ping (only the latest is answered, RFC 6455 §5.5.3). */
  #pong: Uint8Array | null = null;
  /** Set when the close frame went out (or was queued): no more data frames. */
  #closeSent = false;
  #ended = false;
  /** Now-ish (Date.now()) of the last bytes from the client; the heartbeat's clock. */
  #lastHeard = 0;
  #pingSentAt = 0;
  /** When the service's close frame was queued; 0 while none was. */
  #closingSince = 0;
  /** Payload fragments of the message being received. */
  #fragments: Uint8Array[] = [];
  #fragmentBytes = 0;
  #fragmentOpcode = 0;
  /** Payload bytes of a refused frame still to be read past, unbuffered. */
  #skipBytes = 0;
  /** The service refused the stream: only a close frame is still honoured. */
  #failed = false;
  /** The client's close was answered: end once the answer is written. */
  #endAfterFlush = false;
  #removeFromSweep: (() => void) | undefined;

  constructor(protocol: string, limits: SocketLimits) {
    this.protocol = protocol;
    this.#limits = limits;
  }

  get bufferedAmount(): number {
    return this.#queuedBytes;
  }

  /**
   * The 101 has been written on `conn`: the socket is open. `head` is what
   * the client sent after its request head (frames it did not wait to send).
   */
  attach(conn: Deno.TcpConn, head: Uint8Array, removeFromSweep: () => void): void {
    this.#conn = conn;
    this.#removeFromSweep = removeFromSweep;
    this.#lastHeard = Date.now();
    this.readyState = ServerSocket.OPEN;
    this.onopen?.(new Event("open"));
    void this.#readLoop(head);
  }

  /** The upgrade did not happen (the connection failed before the 101). */
  abandon(): void {
    this.#finish({ code: CLOSE_ABNORMAL, reason: "", wasClean: false });
  }

  send(data: string): void {
    if (this.readyState === ServerSocket.CONNECTING) {
      throw new DOMException("WebSocket is not open", "InvalidStateError");
    }
    if (this.readyState !== ServerSocket.OPEN) return;
    this.#enqueue(encodeText(data));
  }

  close(code = CLOSE_NORMAL, reason = ""): void {
    if (this.readyState === ServerSocket.CONNECTING) {
      throw new DOMException("WebSocket is not open", "InvalidStateError");
    }
    if (this.readyState !== ServerSocket.OPEN) return;
    this.readyState = ServerSocket.CLOSING;
    this.#sendClose(code, reason);
  }

  /**
   * One look from the shared sweep: drops a socket whose close frame went
   * unanswered, pings a quiet one, drops one that ignored its ping. Returns
   * false once the socket is gone (the sweep forgets it).
   */
  sweep(now: number): boolean {
    if (this.#ended) return false;
    if (this.#closingSince > 0) {
      if (now - this.#closingSince >= this.#limits.closeTimeoutMs) {
        this.#destroy({ code: CLOSE_ABNORMAL, reason: "close not answered", wasClean: false });
        return false;
      }
      return true;
    }
    const idle = this.#limits.idleTimeoutMs;
    if (idle <= 0 || this.readyState !== ServerSocket.OPEN) return true;
    if (this.#pingSentAt > this.#lastHeard) {
      if (now - this.#pingSentAt >= idle / 2) {
        this.#destroy({ code: CLOSE_ABNORMAL, reason: "no pong", wasClean: false });
        return false;
      }
    } else if (now - this.#lastHeard >= idle / 2) {
      this.#pingSentAt = now;
      this.#enqueue(encodeFrame(OP_PING, new Uint8Array(0)));
    }
    return true;
  }

  /** Shutdown's last word: the connection goes now, answered or not. */
  destroy(): void {
    this.#destroy({ code: CLOSE_ABNORMAL, reason: "", wasClean: false });
  }

  #sendClose(code: number, reason: string): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.#closingSince = Date.now();
    this.#enqueue(encodeFrame(OP_CLOSE, closePayload(code, reason)));
  }

  #enqueue(frame: Uint8Array): void {
    if (this.#ended) return;
    this.#queue.push(frame);
    this.#queuedBytes += frame.length;
    if (!this.#writing) void this.#writeLoop();
  }

  async #writeLoop(): Promise<void> {
    const conn = this.#conn;
    if (!conn) return;
    this.#writing = true;
    try {
      while (!this.#ended) {
        if (this.#pong) {
          this.#queue.unshift(this.#pong);
          this.#queuedBytes += this.#pong.length;
          this.#pong = null;
        }
        if (this.#queue.length === 0) {
          if (this.#endAfterFlush) {
            this.#destroy({ code: CLOSE_NORMAL, reason: "", wasClean: true });
          }
          break;
        }
        // Frames queued while the previous write was pending go out as one write.
        let chunk: Uint8Array;
        if (this.#queue.length === 1) {
          chunk = this.#queue[0];
        } else {
          chunk = new Uint8Array(this.#queuedBytes);
          let offset = 0;
          for (const frame of this.#queue) {
            chunk.set(frame, offset);
            offset += frame.length;
          }
        }
        this.#queue = [];
        let written = 0;
        while (written < chunk.length) {
          const n = await conn.write(chunk.subarray(written));
          written += n;
          this.#queuedBytes -= n;
        }
      }
    } catch {
      this.#destroy({ code: CLOSE_ABNORMAL, reason: "", wasClean: false });
    } finally {
      this.#writing = false;
    }
  }

  async #readLoop(head: Uint8Array): Promise<void> {
    const conn = this.#conn!;
    const chunk = new Uint8Array(READ_CHUNK);
    let pending: Uint8Array = head;
    try {
      while (!this.#ended) {
        pending = this.#parse(pending);
        if (this.#ended) return;
        const n = await conn.read(chunk);
        if (n === null) break;
        this.#lastHeard = Date.now();
        const fresh = chunk.subarray(0, n);
        if (pending.length === 0) {
          pending = fresh;
        } else {
          const merged = new Uint8Array(pending.length + n);
          merged.set(pending);
          merged.set(fresh, pending.length);
          pending = merged;
        }
      }
    } catch {
      // Reset, or closed under the read by a teardown.
    }
    this.#destroy({ code: CLOSE_ABNORMAL, reason: "", wasClean: false });
  }

  /**
   * Handles every complete frame in `bytes`; returns the rest (a copy, as
   * `bytes` may be the read buffer that the next read reuses). A frame's
   * header is judged before its payload is awaited.
   */
  #parse(bytes: Uint8Array): Uint8Array {
    let offset = 0;
    while (!this.#ended) {
      if (this.#skipBytes > 0) {
        const skipped = Math.min(this.#skipBytes, bytes.length - offset);
        this.#skipBytes -= skipped;
        offset += skipped;
        if (this.#skipBytes > 0) break;
      }
      const available = bytes.length - offset;
      if (available < 2) break;
      const b0 = bytes[offset];
      const b1 = bytes[offset + 1];
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      let length = b1 & 0x7f;
      let headLength = 2;
      if (length === 126) {
        if (available < 4) break;
        length = (bytes[offset + 2] << 8) | bytes[offset + 3];
        headLength = 4;
      } else if (length === 127) {
        if (available < 10) break;
        const view = new DataView(bytes.buffer, bytes.byteOffset + offset + 2, 8);
        const big = view.getBigUint64(0);
        length = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
        headLength = 10;
      }
      const problem = this.#failed && opcode < 0x8
        ? { code: CLOSE_MESSAGE_TOO_BIG, reason: "" }
        : this.#judgeHeader(b0, b1, fin, opcode, length);
      if (problem) {
        if (problem.code !== CLOSE_MESSAGE_TOO_BIG) {
          // The stream cannot be followed past a broken header: stop reading.
          this.#fail(problem.code, problem.reason);
          this.#skipBytes = Number.MAX_SAFE_INTEGER;
          return new Uint8Array(0);
        }
        // Too big (or after a refusal): read past the payload without keeping it.
        if (!this.#failed) this.#fail(problem.code, problem.reason);
        offset += Math.min(available, headLength + 4);
        this.#skipBytes = headLength + 4 + length - Math.min(available, headLength + 4);
        continue;
      }
      const total = headLength + 4 + length;
      if (available < total) break;
      const maskAt = offset + headLength;
      const payload = bytes.slice(maskAt + 4, offset + total);
      unmask(payload, bytes, maskAt);
      offset += total;
      this.#frame(fin, opcode, payload);
    }
    return offset === bytes.length ? new Uint8Array(0) : bytes.slice(offset);
  }

  #judgeHeader(
    b0: number,
    b1: number,
    fin: boolean,
    opcode: number,
    length: number,
  ): { code: number; reason: string } | null {
    if ((b0 & 0x70) !== 0) return { code: CLOSE_PROTOCOL_ERROR, reason: "no extension" };
    if ((b1 & 0x80) === 0) return { code: CLOSE_PROTOCOL_ERROR, reason: "unmasked frame" };
    if (opcode >= 0x8) {
      if (opcode > OP_PONG) return { code: CLOSE_PROTOCOL_ERROR, reason: "bad opcode" };
      if (!fin || length > 125) return { code: CLOSE_PROTOCOL_ERROR, reason: "bad control frame" };
      return null;
    }
    if (opcode !== OP_CONTINUATION && opcode !== OP_TEXT && opcode !== OP_BINARY) {
      return { code: CLOSE_PROTOCOL_ERROR, reason: "bad opcode" };
    }
    const continuing = this.#fragments.length > 0 || this.#fragmentOpcode !== 0;
    if (opcode === OP_CONTINUATION ? !continuing : continuing) {
      return { code: CLOSE_PROTOCOL_ERROR, reason: "bad fragment" };
    }
    if (this.#fragmentBytes + length > this.#limits.maxMessageBytes) {
      return { code: CLOSE_MESSAGE_TOO_BIG, reason: "frame too large" };
    }
    if (!fin && this.#fragments.length + 1 >= MAX_FRAGMENTS) {
      return { code: CLOSE_MESSAGE_TOO_BIG, reason: "too many fragments" };
    }
    return null;
  }

  #frame(fin: boolean, opcode: number, payload: Uint8Array): void {
    switch (opcode) {
      case OP_PING:
        if (!this.#closeSent) {
          this.#pong = encodeFrame(OP_PONG, payload);
          if (!this.#writing) void this.#writeLoop();
        }
        return;
      case OP_PONG:
        return;
      case OP_CLOSE:
        return this.#peerClosed(payload);
    }
    if (opcode !== OP_CONTINUATION) this.#fragmentOpcode = opcode;
    if (!fin) {
      this.#fragments.push(payload);
      this.#fragmentBytes += payload.length;
      return;
    }
    let message = payload;
    if (this.#fragments.length > 0) {
      this.#fragments.push(payload);
      message = new Uint8Array(this.#fragmentBytes + payload.length);
      let at = 0;
      for (const part of this.#fragments) {
        message.set(part, at);
        at += part.length;
      }
    }
    const kind = this.#fragmentOpcode;
    this.#fragments = [];
    this.#fragmentBytes = 0;
    this.#fragmentOpcode = 0;
    // Once the service has closed, what else arrives is not delivered.
    if (this.readyState !== ServerSocket.OPEN) return;
    if (kind === OP_TEXT) {
      let text: string;
      try {
        text = strictUtf8.decode(message);
      } catch {
        return this.#fail(CLOSE_INVALID_DATA, "invalid UTF-8");
      }
      this.onmessage?.({ data: text });
    } else {
      this.onmessage?.({ data: message.buffer as ArrayBuffer });
    }
  }

  /** The client sent a close frame: answer it (unless ours went first) and end. */
  #peerClosed(payload: Uint8Array): void {
    let code = CLOSE_NO_STATUS;
    let reason = "";
    if (payload.length === 1) return this.#fail(CLOSE_PROTOCOL_ERROR, "bad close frame");
    if (payload.length >= 2) {
      code = (payload[0] << 8) | payload[1];
      if (!validCloseCode(code)) return this.#fail(CLOSE_PROTOCOL_ERROR, "bad close code");
      reason = lenientUtf8.decode(payload.subarray(2));
    }
    if (!this.#closeSent) this.#sendClose(code === CLOSE_NO_STATUS ? CLOSE_NORMAL : code, "");
    this.readyState = ServerSocket.CLOSED;
    this.#fireClose({ code, reason, wasClean: true });
    // The server closes TCP first (RFC 6455 §7.1.1), once its answer is out;
    // a client that does not read it is dropped by the sweep's close bound.
    if (this.#writing) this.#endAfterFlush = true;
    else this.#destroy({ code, reason, wasClean: true });
  }

  /**
   * A protocol violation or an over-limit frame: close with `code`. Nothing
   * more is delivered; only the client's close frame is still looked for.
   */
  #fail(code: number, reason: string): void {
    if (code === CLOSE_MESSAGE_TOO_BIG && this.readyState === ServerSocket.OPEN) {
      const max = this.#limits.maxMessageBytes;
      this.#enqueue(encodeFrame(OP_TEXT, encoder.encode(this.#limits.tooLargeFrame(max))));
    }
    if (this.readyState === ServerSocket.OPEN) this.readyState = ServerSocket.CLOSING;
    this.#failed = true;
    this.#fragments = [];
    this.#fragmentBytes = 0;
    this.#sendClose(code, reason);
  }

  #fireClose(info: CloseInfo): void {
    const onclose = this.onclose;
    this.onclose = null;
    onclose?.(info);
  }

  #destroy(info: CloseInfo): void {
    if (this.#ended) return;
    this.#ended = true;
    this.readyState = ServerSocket.CLOSED;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#pong = null;
    try {
      this.#conn?.close();
    } catch {
      // Already closed.
    }
    this.#removeFromSweep?.();
    this.#fireClose(info);
  }

  #finish(info: CloseInfo): void {
    if (this.#ended) return;
    this.#ended = true;
    this.readyState = ServerSocket.CLOSED;
    this.#fireClose(info);
  }
}
