/**
 * `upgradeWebSocket(request)`: the handler's one call to turn a request into
 * a WebSocket. For a request read by the HTTP front (http_front.ts) it makes
 * a `ServerSocket` that the front opens on its own connection once the
 * handler returns the response; for any other request (the handler mounted on
 * `Deno.serve`) it is `Deno.upgradeWebSocket`.
 */
import { ServerSocket, type SocketLimits } from "./ws_socket.ts";

export interface UpgradeOptions {
  protocol?: string;
  /** Seconds of silence before a ping, and again before the socket is dropped; 0 = never. */
  idleTimeout?: number;
}

/** What the front learns from the handler about one upgrade request. */
export interface UpgradeSlot {
  limits: Omit<SocketLimits, "idleTimeoutMs">;
  socket?: ServerSocket;
  /** The response that means "switch protocols"; any other one refuses the upgrade. */
  response?: Response;
}

const slots = new WeakMap<Request, UpgradeSlot>();

/** Called by the front before it hands `request` to the handler. */
export function offerUpgrade(request: Request, slot: UpgradeSlot): void {
  slots.set(request, slot);
}

function headerHas(request: Request, name: string, token: string): boolean {
  const value = request.headers.get(name);
  return !!value && value.toLowerCase().split(",").some((part) => part.trim() === token);
}

/** Throws a TypeError for a request that is not a valid WebSocket handshake (RFC 6455 §4.2.1). */
export function upgradeWebSocket(
  request: Request,
  options: UpgradeOptions = {},
): Deno.WebSocketUpgrade {
  const slot = slots.get(request);
  if (!slot) return Deno.upgradeWebSocket(request, options);
  if (request.method !== "GET") throw new TypeError("the handshake must be a GET");
  if (!headerHas(request, "upgrade", "websocket")) throw new TypeError("no Upgrade: websocket");
  if (!headerHas(request, "connection", "upgrade")) throw new TypeError("no Connection: Upgrade");
  if (request.headers.get("sec-websocket-version") !== "13") {
    throw new TypeError("Sec-WebSocket-Version must be 13");
  }
  const key = request.headers.get("sec-websocket-key") ?? "";
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) throw new TypeError("bad Sec-WebSocket-Key");
  if (slot.socket) throw new TypeError("already upgraded");
  const socket = new ServerSocket(options.protocol ?? "", {
    ...slot.limits,
    idleTimeoutMs: (options.idleTimeout ?? 30) * 1000,
  });
  slot.socket = socket;
  slot.response = new Response(null, { status: 200 });
  // ServerSocket has every member of WebSocket the service uses; the rest
  // (addEventListener, extensions, url) it never touches.
  return { socket: socket as unknown as WebSocket, response: slot.response };
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The 101 response head for `key` (RFC 6455 §4.2.2). */
export async function switchingProtocolsHead(key: string, protocol: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(key + GUID));
  const accept = btoa(String.fromCharCode(...new Uint8Array(digest)));
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${accept}\r\n` +
    (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : "") + "\r\n";
}
