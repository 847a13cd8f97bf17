/**
 * The service's own HTTP/1.1 front on `Deno.listen`, in place of
 * `Deno.serve`, so that what a client can make the process hold is bounded
 * by the service rather than by Deno's internals (issue 11):
 *
 * - an accept error (EMFILE: out of file descriptors) is logged and retried
 *   with a backoff; it never ends the process, as it ends `Deno.serve`;
 * - a request head must arrive whole within `headerTimeoutMs` and
 *   `maxHeadBytes`; a kept-alive connection may idle `keepAliveTimeoutMs`;
 * - at most `maxConnectionsPerAddress` connections per client address, of
 *   every kind (refused at accept, before anything is read);
 * - WebSocket upgrades become `ServerSocket`s (ws_socket.ts), which bound
 *   message size at the frame header and tear down unanswered closes;
 * - shutdown ends every connection within a bound, opened or not.
 *
 * One interval timer sweeps every connection and socket; nothing holds a
 * timer of its own. Requests carry no body here (the service has none to
 * read): one that announces a body is answered 413 and the connection closed.
 */
import type { Logger } from "./log.ts";
import { offerUpgrade, switchingProtocolsHead, type UpgradeSlot } from "./upgrade.ts";
import type { ServerSocket, SocketLimits } from "./ws_socket.ts";

export type FrontHandler = (request: Request, info: Deno.ServeHandlerInfo) => Promise<Response>;

export interface FrontOptions {
  hostname: string;
  port: number;
  /** Time a client has to send a whole request head, from its connect (or its previous response). */
  headerTimeoutMs: number;
  /** Time a kept-alive connection may sit between requests. */
  keepAliveTimeoutMs: number;
  /** Connections (HTTP and WebSocket) one address may hold; 0 = no limit. */
  maxConnectionsPerAddress: number;
  maxHeadBytes: number;
  /** Frame limits of the WebSocket connections (the idle timeout comes from the upgrade). */
  socketLimits: Omit<SocketLimits, "idleTimeoutMs">;
  logger: Logger;
}

export interface FrontServer {
  readonly addr: Deno.NetAddr;
  /** Open TCP connections, of every kind. */
  connections(): number;
  /** Stops accepting; ends idle connections now and every other one within `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
}

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-_~%]+)(:\d{1,5})?$/;
const READ_CHUNK = 2048;
const MAX_ACCEPT_BACKOFF_MS = 1000;
/** Accept errors about the one connection being accepted (reset before Deno asked its address). */
const PER_CONNECTION_ERRORS = [
  Deno.errors.NotConnected,
  Deno.errors.ConnectionAborted,
  Deno.errors.ConnectionReset,
];

const REASONS: Record<number, string> = {
  200: "OK",
  204: "No Content",
  304: "Not Modified",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
  426: "Upgrade Required",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

interface ParsedHead {
  request: Request;
  keepAlive: boolean;
}

/** Index just past the blank line ending a request head, or -1. */
function headEnd(bytes: Uint8Array, from: number): number {
  for (let i = Math.max(3, from); i < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) {
      return i + 1;
    }
  }
  return -1;
}

function parseHead(text: string, fallbackHost: string): ParsedHead {
  const lines = text.split("\r\n");
  const [method, target, version, extra] = lines[0].split(" ");
  if (extra !== undefined || !method || !TOKEN.test(method) || !target || !version) {
    throw new HttpError(400, "Malformed request line.");
  }
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
    throw new HttpError(505, "Only HTTP/1.1 is spoken here.");
  }
  if (!target.startsWith("/")) throw new HttpError(400, "The request target must be a path.");
  const headers = new Headers();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name)) throw new HttpError(400, "Malformed header line.");
    try {
      headers.append(name, line.slice(colon + 1).trim());
    } catch {
      throw new HttpError(400, "Malformed header value.");
    }
  }
  const hosts = headers.get("host");
  if (hosts === null && version === "HTTP/1.1") throw new HttpError(400, "Host header required.");
  const host = hosts ?? fallbackHost;
  if (!HOST.test(host)) throw new HttpError(400, "Bad Host header.");
  if (headers.has("transfer-encoding") || Number(headers.get("content-length") ?? 0) !== 0) {
    throw new HttpError(413, "Request bodies are not accepted.");
  }
  const connection = headers.get("connection")?.toLowerCase() ?? "";
  const keepAlive = version === "HTTP/1.1" && !/(^|,)\s*close\s*(,|$)/.test(connection);
  const request = new Request(`http://${host}${target}`, { method, headers });
  return { request, keepAlive };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

async function serializeResponse(
  response: Response,
  method: string,
  keepAlive: boolean,
): Promise<Uint8Array> {
  const { status } = response;
  const noBody = method === "HEAD" || status === 204 || status === 304;
  const body = noBody || !response.body
    ? new Uint8Array(0)
    : new Uint8Array(await response.arrayBuffer());
  if (noBody) await response.body?.cancel();
  let head = `HTTP/1.1 ${status} ${response.statusText || REASONS[status] || ""}\r\n`;
  for (const [name, value] of response.headers) {
    if (name === "content-length" || name === "connection") continue;
    head += `${name}: ${value}\r\n`;
  }
  const length = noBody ? response.headers.get("content-length") : String(body.length);
  if (length !== null && status !== 204 && status !== 304) head += `content-length: ${length}\r\n`;
  head += keepAlive ? "\r\n" : "connection: close\r\n\r\n";
  const headBytes = encoder.encode(head);
  const bytes = new Uint8Array(headBytes.length + body.length);
  bytes.set(headBytes);
  bytes.set(body, headBytes.length);
  return bytes;
}

function errorResponse(status: number, message: string): Uint8Array {
  const body = message + "\n";
  return encoder.encode(
    `HTTP/1.1 ${status} ${REASONS[status] ?? ""}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${encoder.encode(body).length}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** One accepted connection while it speaks HTTP (before any upgrade). */
interface HttpConnection {
  conn: Deno.TcpConn;
  /** Date.now() by which the next request head must be complete; 0 while one is handled. */
  deadline: number;
}

export function serveFront(options: FrontOptions, handler: FrontHandler): FrontServer {
  const log = options.logger;
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  const addr = listener.addr as Deno.NetAddr;
  const perAddress = new Map<string, number>();
  const http = new Set<HttpConnection>();
  const sockets = new Set<ServerSocket>();
  let open = 0;
  let stopping = false;
  let backoffTimer: ReturnType<typeof setTimeout> | undefined;
  let wakeAccept: (() => void) | undefined;

  const shortest = Math.min(
    options.headerTimeoutMs,
    options.keepAliveTimeoutMs,
    options.socketLimits.closeTimeoutMs,
  );
  const sweepMs = Math.max(50, Math.min(500, Math.floor(shortest / 4)));
  const sweepTimer = setInterval(() => {
    const now = Date.now();
    for (const connection of http) {
      if (connection.deadline > 0 && now >= connection.deadline) {
        http.delete(connection);
        closeQuietly(connection.conn);
      }
    }
    for (const socket of sockets) if (!socket.sweep(now)) sockets.delete(socket);
  }, sweepMs);

  function closeQuietly(conn: Deno.Conn): void {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }

  function release(address: string): void {
    open--;
    const count = (perAddress.get(address) ?? 1) - 1;
    if (count <= 0) perAddress.delete(address);
    else perAddress.set(address, count);
  }

  async function acceptLoop(): Promise<void> {
    let backoffMs = 10;
    let lastLogged = 0;
    while (!stopping) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
        backoffMs = 10;
      } catch (error) {
        if (stopping || error instanceof Deno.errors.BadResource) break;
        // A connection reset while it waited in the backlog: that one is gone, not the listener.
        if (PER_CONNECTION_ERRORS.some((kind) => error instanceof kind)) continue;
        // Typically EMFILE: the connection waits in the backlog until fds are freed.
        const now = Date.now();
        if (now - lastLogged > 1000) {
          lastLogged = now;
          log.error("accept failed", { error: String(error), retryMs: backoffMs });
        }
        await new Promise<void>((resolve) => {
          wakeAccept = resolve;
          backoffTimer = setTimeout(resolve, backoffMs);
        });
        backoffMs = Math.min(backoffMs * 2, MAX_ACCEPT_BACKOFF_MS);
        continue;
      }
      const address = conn.remoteAddr.hostname;
      const count = perAddress.get(address) ?? 0;
      const cap = options.maxConnectionsPerAddress;
      if (stopping || (cap > 0 && count >= cap)) {
        closeQuietly(conn);
        if (!stopping) log.debug("connection refused: address at its cap", { address });
        continue;
      }
      perAddress.set(address, count + 1);
      open++;
      void serveConnection(conn, address);
    }
  }

  async function serveConnection(conn: Deno.TcpConn, address: string): Promise<void> {
    const connection: HttpConnection = { conn, deadline: Date.now() + options.headerTimeoutMs };
    http.add(connection);
    let handedOff = false;
    try {
      conn.setNoDelay(true);
      let buffer = new Uint8Array(0);
      while (!stopping) {
        // Read until a whole head is in, within the deadline the sweep enforces.
        let end = headEnd(buffer, 0);
        while (end < 0) {
          if (buffer.length >= options.maxHeadBytes) {
            await writeAll(conn, errorResponse(431, "Request head too large."));
            return;
          }
          const chunk = new Uint8Array(READ_CHUNK);
          const n = await conn.read(chunk);
          if (n === null) return;
          const merged = new Uint8Array(buffer.length + n);
          merged.set(buffer);
          merged.set(chunk.subarray(0, n), buffer.length);
          const searchFrom = Math.max(0, buffer.length - 3);
          buffer = merged;
          end = headEnd(buffer, searchFrom);
        }
        if (end > options.maxHeadBytes) {
          await writeAll(conn, errorResponse(431, "Request head too large."));
          return;
        }
        connection.deadline = 0;
        const rest = buffer.slice(end);
        let parsed: ParsedHead;
        try {
          parsed = parseHead(latin1.decode(buffer.subarray(0, end - 4)), options.hostname);
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          await writeAll(conn, errorResponse(error.status, error.message));
          return;
        }
        const { request } = parsed;
        const slot: UpgradeSlot = { limits: options.socketLimits };
        offerUpgrade(request, slot);
        let response: Response;
        try {
          response = await handler(request, {
            remoteAddr: conn.remoteAddr,
            completed: Promise.resolve(),
          });
        } catch (error) {
          log.error("request failed", { error: String(error) });
          response = new Response("Internal error.\n", { status: 500 });
        }
        const socket = slot.socket;
        if (socket && response === slot.response) {
          handedOff = true;
          http.delete(connection);
          await openSocket(conn, address, socket, request, rest);
          return;
        }
        socket?.abandon();
        const keepAlive = parsed.keepAlive && !stopping;
        await writeAll(conn, await serializeResponse(response, request.method, keepAlive));
        if (!keepAlive) return;
        buffer = rest;
        connection.deadline = Date.now() + options.keepAliveTimeoutMs;
      }
    } catch {
      // Reset, or closed by the sweep at its deadline.
    } finally {
      if (!handedOff) {
        http.delete(connection);
        closeQuietly(conn);
        release(address);
      }
    }
  }

  async function openSocket(
    conn: Deno.TcpConn,
    address: string,
    socket: ServerSocket,
    request: Request,
    rest: Uint8Array,
  ): Promise<void> {
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      sockets.delete(socket);
      release(address);
    };
    try {
      const key = request.headers.get("sec-websocket-key")!;
      await writeAll(conn, encoder.encode(await switchingProtocolsHead(key, socket.protocol)));
    } catch {
      // Reset before the 101 went out: the socket never opens, and says so.
      closeQuietly(conn);
      done();
      socket.abandon();
      return;
    }
    if (stopping) {
      closeQuietly(conn);
      done();
      socket.abandon();
      return;
    }
    sockets.add(socket);
    socket.attach(conn, rest, done);
  }

  void acceptLoop();

  let stopped: Promise<void> | undefined;
  return {
    addr,
    connections: () => open,
    shutdown: (graceMs) =>
      stopped ??= (async () => {
        stopping = true;
        try {
          listener.close();
        } catch {
          // Already closed.
        }
        clearTimeout(backoffTimer);
        wakeAccept?.();
        for (const connection of http) {
          // Idle between requests, or still sending a head: nothing is lost.
          if (connection.deadline > 0) closeQuietly(connection.conn);
        }
        const deadline = Date.now() + graceMs;
        while (open > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        for (const connection of http) closeQuietly(connection.conn);
        for (const socket of [...sockets]) socket.destroy();
        clearInterval(sweepTimer);
        // Let the connections' own loops see their closed conns and finish.
        while (open > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
  };
}
