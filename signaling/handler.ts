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
  type IceServersMessage,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
} from "./protocol.ts";
import { requestUrl } from "./request_url.ts";
import { Session } from "./session.ts";
import { createStaticRoutes } from "./static_routes.ts";
import { text } from "./responses.ts";
import { admit } from "./admission.ts";
import { mintTurnCredentials } from "./turn.ts";
import { RegistrationDeadline } from "./registration.ts";
import { upgradeWebSocket } from "./upgrade.ts";

/**
 * Produces the ICE servers for one socket once it has registered (its
 * `ice-servers` message). The default returns `config.iceServers`, plus a
 * freshly minted TURN credential when `config.turn` is set. Before it
 * registers, a socket's `id` carries only the static `config.iceServers`.
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

/** Whether the client offered `json` in Sec-WebSocket-Protocol (MDN's client does). */
function offersSubprotocol(request: Request): boolean {
  const offered = request.headers.get("sec-websocket-protocol");
  return !!offered && offered.split(",").some((p) => p.trim() === SUBPROTOCOL);
}

function defaultIceServers(config: Config): IceServerSource | undefined {
  const { iceServers, turn } = config;
  // Without TURN, `id` already carried everything: nothing to add on registration.
  if (!turn) return undefined;
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
  const iceServers = options.iceServers ?? defaultIceServers(config);
  const registration = new RegistrationDeadline(config.registrationTimeoutSeconds * 1000);
  const serveStatic = createStaticRoutes(config);

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

  /** `/ws`: admit, upgrade, then open a session (or refuse the socket with a frame). */
  async function upgrade(request: Request, url: URL): Promise<Response> {
    const admitted = await admit(config, log, request, url, shuttingDown);
    if (admitted instanceof Response) return admitted;
    const { authorized } = admitted;

    const id = nextSocketId++;
    let upgraded: Deno.WebSocketUpgrade;
    try {
      upgraded = upgradeWebSocket(request, {
        protocol: offersSubprotocol(request) ? SUBPROTOCOL : undefined,
        idleTimeout: config.idleTimeoutSeconds,
      });
    } catch (error) {
      return text(400, `Bad WebSocket handshake: ${(error as Error).message}`);
    }
    const { socket, response } = upgraded;
    socket.binaryType = "arraybuffer";

    if (authorized) openSession(socket, id, url);
    else refuseUnauthorized(socket, id);
    return response;
  }

  /**
   * Refused after the upgrade on purpose: a browser cannot see the HTTP
   * status of a failed upgrade, but it can read this error frame.
   */
  function refuseUnauthorized(socket: WebSocket, id: number): void {
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
  }

  /** The session of an admitted, upgraded socket: greeted on open, watched until it registers. */
  function openSession(socket: WebSocket, id: number, url: URL): void {
    const queryRoom = url.searchParams.get("room") || undefined;
    // Credentials (TURN) only for a socket that registered, in their own message.
    const onRegistered = iceServers && (async () => {
      try {
        const message: IceServersMessage = {
          type: "ice-servers",
          iceServers: await iceServers(id),
        };
        session.send(JSON.stringify(message));
      } catch (error) {
        // Calls still work without TURN on most networks; do not drop the socket.
        log.error("ice servers unavailable", { socket: id, error: String(error) });
      }
    });
    const session = new Session({
      id,
      socket,
      hub,
      config,
      logger: log,
      metrics,
      queryRoom,
      byToken,
      onRegistered,
    });
    sessionCount++;
    // Counted until the session has left its room (or handed its name to a
    // hold), so /healthz never shows a socket gone whose name is not settled.
    track(socket, (event) => {
      registration.forget(session);
      return session.end(event.code).finally(() => sessionCount--);
    });
    socket.onopen = () => {
      if (shuttingDown) return session.close(CLOSE_GOING_AWAY, "server shutting down");
      log.debug("connect", { socket: id });
      session.greet(config.iceServers);
      registration.watch(session);
    };
    socket.onmessage = (event) => session.receive(event.data);
  }

  function health(): Response {
    const current = stats();
    // An instance cut off from Redis cannot see the other instances' users.
    const ok = current.redis !== "disconnected";
    const body = { ok, protocol: PROTOCOL_VERSION, ...current };
    return new Response(JSON.stringify(body), { status: ok ? 200 : 503, headers: HEALTH_HEADERS });
  }

  async function handle(request: Request): Promise<Response> {
    const url = requestUrl(request);
    if (!url) return text(400, "Bad Host header.");
    try {
      if (url.pathname === "/ws") return await upgrade(request, url);
      if (url.pathname === "/healthz") return health();
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
    registration.stop();
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
