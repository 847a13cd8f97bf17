/**
 * The service's own counters, and `/metrics` in the Prometheus text format
 * (version 0.0.4). main.ts serves it on a listener of its own
 * (`--metrics-port`, loopback unless `--metrics-host` says otherwise), never
 * on the public port: it tells anyone who reads it how busy the service is and
 * how it fails, which is for the operator only.
 *
 * Counting sits on the path of every frame, so each hook is one increment in
 * an array allocated up front, found through a Map of the label values known in
 * advance. Any other value (a relayed type the protocol does not name, a close
 * code a client made up) counts under `other`: no client can grow the label
 * set. Gauges (sockets, members, rooms, held names, Redis) are read from the
 * hub and the handler when scraped, so they cost nothing in between.
 */
import type { Hub, HubStats } from "./hub.ts";
import { ERROR_CODES, type ErrorCode } from "./protocol.ts";

/** What Prometheus expects from a text-format target. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Relayed frame types counted under their own label; the rest are `other`. */
const RELAY_TYPES = ["video-offer", "video-answer", "new-ice-candidate", "hang-up", "message"];

/**
 * Close codes counted under their own label: the ones the service sends
 * (1001, 1008, 1009, 1013, 4000 superseded), the ones clients and the network
 * produce (1000, 1005 no code, 1006 dropped) and the protocol errors.
 */
const CLOSE_CODES = [1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1011, 1013, 4000];

export type RateLimitAction = "drop" | "disconnect";

/** The longest a scrape waits for Redis to answer a PING. */
const PING_TIMEOUT_MS = 1000;

/**
 * A counter family with one label whose values are fixed when it is made,
 * plus `other` for any other key when the keys can be anything (`open`).
 */
class LabeledCounter<K> {
  readonly #name: string;
  readonly #help: string;
  readonly #label: string;
  readonly #slots = new Map<K, number>();
  readonly #texts: string[];
  readonly #counts: Float64Array;
  /** Slot of `other`: anything not listed (past the end, ignored, for a closed set). */
  readonly #other: number;

  constructor(name: string, help: string, label: string, keys: readonly K[], open: boolean) {
    this.#name = name;
    this.#help = help;
    this.#label = label;
    keys.forEach((key, slot) => this.#slots.set(key, slot));
    this.#texts = open ? [...keys.map(String), "other"] : keys.map(String);
    this.#other = keys.length;
    this.#counts = new Float64Array(this.#texts.length);
  }

  inc(key: K): void {
    this.#counts[this.#slots.get(key) ?? this.#other]++;
  }

  /** Every label value, zeros included, so `rate()` has a start from the first scrape. */
  write(lines: string[]): void {
    family(lines, this.#name, "counter", this.#help);
    this.#texts.forEach((text, slot) => {
      lines.push(`${this.#name}{${this.#label}="${text}"} ${this.#counts[slot]}`);
    });
  }
}

/** What the scrape reads from the rest of the service. */
export interface Gauges {
  /** WebSocket connections open on this instance (refused ones included until closed). */
  openSockets: number;
  hub: HubStats;
  /** Seconds one PING to Redis took; undefined without Redis or when it failed. */
  redisRoundTripSeconds?: number;
}

/**
 * The counters of one service instance. The handler and its sessions call the
 * hooks; `render` writes them and the gauges in the text format.
 */
export class ServiceMetrics {
  #framesReceived = 0;
  readonly #relayed = new LabeledCounter<string>(
    "p2p_frames_relayed_total",
    "Frames relayed from one client to another (or to its room), by type.",
    "type",
    RELAY_TYPES,
    true,
  );
  readonly #errors = new LabeledCounter<ErrorCode>(
    "p2p_errors_total",
    "Error frames sent to clients, by code.",
    "code",
    ERROR_CODES,
    false,
  );
  readonly #closes = new LabeledCounter<number>(
    "p2p_socket_closes_total",
    "WebSocket connections closed, by close code.",
    "code",
    CLOSE_CODES,
    true,
  );
  readonly #rateLimited = new LabeledCounter<RateLimitAction>(
    "p2p_rate_limited_frames_total",
    "Frames refused by the rate limit: dropped, or the one that disconnected its socket.",
    "action",
    ["drop", "disconnect"],
    false,
  );

  /** A frame arrived on a socket (before any limit). */
  frameReceived(): void {
    this.#framesReceived++;
  }

  /** A client's frame went on to its target or room. */
  relayed(type: string): void {
    this.#relayed.inc(type);
  }

  /** An error frame went to a client. */
  error(code: ErrorCode): void {
    this.#errors.inc(code);
  }

  /** The rate limit refused a frame: dropped it, or closes its socket for it. */
  rateLimited(action: RateLimitAction): void {
    this.#rateLimited.inc(action);
  }

  /** A socket closed with `code` (as its close event reports it). */
  closed(code: number): void {
    this.#closes.inc(code);
  }

  render(gauges: Gauges): string {
    const { hub } = gauges;
    const lines: string[] = [];
    gauge(lines, "p2p_open_sockets", "WebSocket connections open.", gauges.openSockets);
    gauge(
      lines,
      "p2p_registered_members",
      "Names registered on this instance, held names included.",
      hub.members,
    );
    gauge(lines, "p2p_rooms", "Rooms with at least one member on this instance.", hub.rooms);
    gauge(
      lines,
      "p2p_held_names",
      "Names of dropped sockets held for a resume.",
      hub.held ?? 0,
    );
    family(lines, "p2p_frames_received_total", "counter", "Frames received from clients.");
    lines.push(`p2p_frames_received_total ${this.#framesReceived}`);
    this.#relayed.write(lines);
    this.#errors.write(lines);
    this.#closes.write(lines);
    this.#rateLimited.write(lines);
    if (hub.connected !== undefined) {
      gauge(
        lines,
        "p2p_redis_connected",
        "1 while both Redis connections are up, else 0.",
        hub.connected ? 1 : 0,
      );
    }
    if (gauges.redisRoundTripSeconds !== undefined) {
      gauge(
        lines,
        "p2p_redis_round_trip_seconds",
        "Time one PING to Redis took, measured at this scrape.",
        gauges.redisRoundTripSeconds,
      );
    }
    return lines.join("\n") + "\n";
  }
}

function family(lines: string[], name: string, type: string, help: string): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

function gauge(lines: string[], name: string, help: string, value: number): void {
  family(lines, name, "gauge", help);
  lines.push(`${name} ${value}`);
}

/** Reads the gauges, PINGing Redis (at most PING_TIMEOUT_MS) when the hub has it. */
export async function readGauges(hub: Hub, openSockets: number): Promise<Gauges> {
  const gauges: Gauges = { openSockets, hub: hub.stats() };
  if (!hub.ping || gauges.hub.connected === false) return gauges;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), PING_TIMEOUT_MS);
  });
  try {
    gauges.redisRoundTripSeconds = await Promise.race([hub.ping(), timeout]);
  } catch {
    // Redis went away since stats(): no measurement, and `connected` says why.
  } finally {
    clearTimeout(timer);
  }
  return gauges;
}

/**
 * The metrics listener's handler: `GET /metrics` (and HEAD); 404 elsewhere.
 * `scrape` renders the current text.
 */
export function createMetricsHandler(
  scrape: () => Promise<string>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (new URL(request.url).pathname !== "/metrics") {
      return new Response("Not found.\n", { status: 404 });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed.\n", {
        status: 405,
        headers: { allow: "GET, HEAD" },
      });
    }
    const body = await scrape();
    return new Response(request.method === "HEAD" ? null : body, {
      headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" },
    });
  };
}
