/**
 * `createHandler(config)`: the whole service as one `(request) => Response`
 * function: the `/ws` signaling endpoint, `/healthz` and the static files;
 * its `metrics` is the handler of the metrics listener main.ts opens.
 * It never reads the process (flags, env, signals) and never listens itself;
 * `main.ts` does that, and tests call the handler directly.
 */
import type { Config } from "./config.ts";
import type { Hub } from "./hub.ts";
import { Logger } from "./log.ts";
import { InMemoryHub } from "./memory_hub.ts";
import { createMetricsHandler, readGauges, ServiceMetrics } from "./metrics.ts";
import {
  CLOSE_GOING_AWAY,
  CLOSE_POLICY_VIOLATION,
  type ErrorMessage,
  type IceServer,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
} from "./protocol.ts";
import { demoPageHeaders } from "./page_headers.ts";
import { requestUrl } from "./request_url.ts";
import { Session } from "./session.ts";
import { pathSegments, StaticDir } from "./static.ts";
import { verifyToken } from "./token.ts";
import { mintTurnCredentials } from "./turn.ts";

/**
 * Produces the ICE servers for one socket's `id` message. The default returns
 * `config.iceServers`, plus a freshly minted TURN credential when `config.turn`
 * is set.
 */
export type IceServerSource = (socketId: number) => IceServer[] | Promise<IceServer[]>;

export interface HandlerOptions {
  logger?: Logger;
  /** Presence and delivery; defaults to a single-instance InMemoryHub. */
  hub?: Hub;
  iceServers?: IceServerSource;
}

export interface ServiceStats {
  rooms: number;
  sockets: number;
  /** This instance's id, when several instances share a Redis hub. */
  instance?: string;
  /** Whether the shared hub's Redis is reachable; absent for the in-memory hub. */
  redis?: "connected" | "disconnected";
}

export interface SignalingHandler {
  (request: Request, info?: Deno.ServeHandlerInfo): Promise<Response>;
  /** Closes every socket with 1001 and waits (briefly) for them to finish closing. */
  shutdown(): Promise<void>;
  stats(): ServiceStats;
  /** `GET /metrics` (metrics.ts), for a listener of its own, never this handler's. */
  metrics(request: Request): Promise<Response>;
}

/** Upper bound on waiting for clients to acknowledge the 1001 close at shutdown. */
const SHUTDOWN_GRACE_MS = 2000;

const HEALTH_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** Whether the client offered `json` in Sec-WebSocket-Protocol (MDN's client does). */
function offersSubprotocol(request: Request): boolean {
  const offered = request.headers.get("sec-websocket-protocol");
  return !!offered && offered.split(",").some((p) => p.trim() === SUBPROTOCOL);
}

function defaultIceServers(config: Config): IceServerSource {
  const { iceServers, turn } = config;
  if (!turn) return () => iceServers;
  // Static servers (typically STUN) first, then this socket's own TURN credential.
  return async (socketId) => [...iceServers, await mintTurnCredentials(turn, String(socketId))];
}

export function createHandler(config: Config, options: HandlerOptions = {}): SignalingHandler {
  const log = options.logger ?? new Logger(config.logLevel);
  const hub = options.hub ??
    new InMemoryHub({
      userlistDelayMs: config.userlistDelayMs,
      maxNameLength: config.limits.maxNameLength,
      maxRoomMembers: config.limits.maxRoomMembers,
    });
  const iceServers: IceServerSource = options.iceServers ?? defaultIceServers(config);
  // The bundle keeps one name across builds, so browsers must revalidate it
  // (cheap with ETags) rather than run a stale copy after a deploy.
  const dist = new StaticDir(config.distDir, { cacheControl: "no-cache", cors: true });
  const demo = new StaticDir(config.demoDir, {
    cacheControl: "no-cache",
    cors: false,
    headers: demoPageHeaders(config.frameAncestors),
  });

  /** Every open socket (sessions and refused ones) → resolves when it has closed. */
  const sockets = new Map<WebSocket, Promise<void>>();
  let sessionCount = 0;
  /** Open sessions by resume token (see Session.supersede). */
  const byToken = new Map<string, Session>();
  let nextSocketId = 1;
  let shuttingDown = false;
  const metrics = new ServiceMetrics();

  /** `onClose` may return a promise (the session leaving its room); `closed` waits for it. */
  function track(socket: WebSocket, onClose: (event: CloseEvent) => void | Promise<void>): void {
    const closed = new Promise<void>((resolve) => {
      socket.onclose = (event) => {
        // Deno's WebSocket fires close twice for some sockets (heartbeat drops, kicks).
        if (!sockets.delete(socket)) return;
        Promise.resolve()
          .then(() => onClose(event))
          .catch((error) => log.error("close handling failed", { error: String(error) }))
          .finally(resolve);
        metrics.closed(event.code);
      };
    });
    // Errors are followed by a close event, which does the cleanup.
    socket.onerror = () => {};
    sockets.set(socket, closed);
  }

  async function upgrade(request: Request, url: URL): Promise<Response> {
    if (shuttingDown) return text(503, "The service is shutting down.");
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return text(426, "This endpoint speaks WebSocket only.", { upgrade: "websocket" });
    }
    const origin = request.headers.get("origin");
    if (config.allowedOrigins && !(origin && config.allowedOrigins.includes(origin))) {
      log.warn("origin refused", { origin });
      return text(403, "This origin may not use the signaling service.");
    }
    const authorized = config.tokenSecret === null ||
      await verifyToken(config.tokenSecret, url.searchParams.get("token"));

    const id = nextSocketId++;
    let servers: IceServer[] = [];
    if (authorized) {
      try {
        servers = await iceServers(id);
      } catch (error) {
        // Calls still work without TURN on most networks; do not refuse the socket.
        log.error("ice servers unavailable", { socket: id, error: String(error) });
      }
    }

    let upgraded: Deno.WebSocketUpgrade;
    try {
      upgraded = Deno.upgradeWebSocket(request, {
        protocol: offersSubprotocol(request) ? SUBPROTOCOL : undefined,
        idleTimeout: config.idleTimeoutSeconds,
      });
    } catch (error) {
      return text(400, `Bad WebSocket handshake: ${(error as Error).message}`);
    }
    const { socket, response } = upgraded;
    socket.binaryType = "arraybuffer";

    if (!authorized) {
      // Refused after the upgrade on purpose: a browser cannot see the HTTP
      // status of a failed upgrade, but it can read this error frame.
      log.warn("token refused", { socket: id });
      track(socket, () => {});
      socket.onopen = () => {
        const error: ErrorMessage = {
          type: "error",
          code: "unauthorized",
          message: "A valid, unexpired ?token= is required to connect.",
        };
        socket.send(JSON.stringify(error));
        metrics.error(error.code);
        socket.close(CLOSE_POLICY_VIOLATION, "unauthorized");
      };
      return response;
    }

    const queryRoom = url.searchParams.get("room") || undefined;
    const session = new Session({
      id,
      socket,
      hub,
      config,
      logger: log,
      metrics,
      queryRoom,
      byToken,
    });
    sessionCount++;
    // Counted until the session has left its room (or handed its name to a
    // hold), so /healthz never shows a socket gone whose name is not settled.
    track(socket, (event) => session.end(event.code).finally(() => sessionCount--));
    socket.onopen = () => {
      if (shuttingDown) return session.close(CLOSE_GOING_AWAY, "server shutting down");
      log.debug("connect", { socket: id });
      session.greet(servers);
    };
    socket.onmessage = (event) => session.receive(event.data);
    return response;
  }

  async function serveStatic(request: Request, url: URL): Promise<Response> {
    if (request.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          ...dist.baseHeaders,
          "access-control-allow-methods": "GET, HEAD",
          "allow": "GET, HEAD, OPTIONS",
        },
      });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "Method not allowed.", { allow: "GET, HEAD, OPTIONS" });
    }
    const segments = pathSegments(url.pathname);
    let response: Response | null = null;
    if (segments?.[0] === "demo") {
      response = await demo.respond(request, segments.slice(1));
    } else if (segments) {
      // dist/ first: the bundle, its map, its chunks and whatever else the build wrote.
      response = (segments.length > 0 ? await dist.respond(request, segments) : null) ??
        await demo.respond(request, segments);
    }
    return response ?? text(404, "Not found.");
  }

  async function handle(request: Request): Promise<Response> {
    const url = requestUrl(request);
    if (!url) return text(400, "Bad Host header.");
    try {
      if (url.pathname === "/ws") return await upgrade(request, url);
      if (url.pathname === "/healthz") {
        const current = stats();
        // An instance cut off from Redis cannot see the other instances' users.
        const ok = current.redis !== "disconnected";
        const body = { ok, protocol: PROTOCOL_VERSION, ...current };
        return new Response(JSON.stringify(body), {
          status: ok ? 200 : 503,
          headers: HEALTH_HEADERS,
        });
      }
      return await serveStatic(request, url);
    } catch (error) {
      log.error("request failed", { path: url.pathname, error: String(error) });
      return text(500, "Internal error.");
    }
  }

  function stats(): ServiceStats {
    const { rooms, instance, connected } = hub.stats();
    const current: ServiceStats = { rooms, sockets: sessionCount };
    if (instance !== undefined) current.instance = instance;
    if (connected !== undefined) current.redis = connected ? "connected" : "disconnected";
    return current;
  }

  async function shutdown(): Promise<void> {
    shuttingDown = true;
    for (const socket of sockets.keys()) {
      try {
        socket.close(CLOSE_GOING_AWAY, "server shutting down");
      } catch {
        // Not open yet: its onopen closes it; already closing: nothing to do.
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => timer = setTimeout(resolve, SHUTDOWN_GRACE_MS));
    await Promise.race([Promise.all(sockets.values()), grace]);
    clearTimeout(timer);
    await hub.close();
  }

  const serveMetrics = createMetricsHandler(async () =>
    metrics.render(await readGauges(hub, sockets.size))
  );

  return Object.assign(handle, { shutdown, stats, metrics: serveMetrics });
}
