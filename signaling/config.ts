/**
 * The service's configuration: every flag and environment variable is read
 * here, once, into a resolved and fully typed `Config`. Request code never
 * looks at the process; `main.ts` hands `Deno.args` and `Deno.env` to
 * `parseConfig` and everything else receives the result.
 */
import { fileURLToPath } from "node:url";
import type { IceServer } from "./protocol.ts";
import type { TurnConfig } from "./turn.ts";
import { LOG_LEVELS, type LogLevel } from "./log.ts";
import { describeNameProblem, normalizeName } from "./names.ts";
import { parseFrameAncestors } from "./page_headers.ts";

export interface Limits {
  /** Largest accepted frame, in UTF-8 bytes; bigger frames close the socket with 1009. */
  maxFrameBytes: number;
  /** Longest user name, in characters (code points). */
  maxNameLength: number;
  /** Longest room name, in characters (code points). */
  maxRoomLength: number;
  /** Sustained messages per second per socket; 0 turns rate limiting off. */
  ratePerSecond: number;
  /** Messages a socket may send at once before the sustained rate applies. */
  rateBurst: number;
  /**
   * Sustained frame text per second per socket, in UTF-16 code units (bytes
   * for ASCII JSON); 0 turns the byte limit off. Like the message rate, the
   * sender pays: excess frames are dropped with `rate-limited`, persistent
   * excess closes the sender with 1008.
   */
  rateBytesPerSecond: number;
  /** Frame text a socket may send at once before `rateBytesPerSecond` applies. */
  rateBytesBurst: number;
  /** Renames or moves (`username` after the first) per minute per socket; 0 = no limit. */
  renamesPerMinute: number;
  /** Members a room may have, held names included; more get `room-full`. 0 = no cap. */
  maxRoomMembers: number;
  /**
   * UTF-8 bytes of frames one sender may have waiting for one held name
   * (resume.ts); a sender's first waiting frame is always taken.
   */
  heldBytesPerSender: number;
  /**
   * Bytes the service may hold for one socket that its client has not read
   * yet (`WebSocket.bufferedAmount`); a socket that falls further behind is
   * closed with 1013. 0 turns the limit off.
   */
  maxBufferedBytes: number;
}

/** Where `/metrics` is served: a listener of its own, apart from the public port. */
export interface MetricsListener {
  port: number;
  hostname: string;
}

export interface Config {
  port: number;
  hostname: string;
  /**
   * The metrics listener (metrics.ts); `null` serves no metrics. Off by
   * default, and on loopback unless `--metrics-host` says otherwise.
   */
  metrics: MetricsListener | null;
  /** Room for sockets that name none (neither in `username` nor `?room=`). */
  defaultRoom: string;
  limits: Limits;
  /** Seconds without a pong before a socket is dropped; 0 disables the heartbeat. */
  idleTimeoutSeconds: number;
  /** How long membership changes in a room are gathered into one `userlist`. */
  userlistDelayMs: number;
  /**
   * Seconds a dropped socket's name stays held for a resume (resume.ts);
   * 0 frees names at once and sends no resume tokens.
   */
  resumeGraceSeconds: number;
  /** Origins allowed to open `/ws`; `null` allows every origin. */
  allowedOrigins: string[] | null;
  /** HMAC secret for `?token=`; `null` means no token is required. */
  tokenSecret: string | null;
  /** Sent with every `id` message (static STUN/TURN servers). */
  iceServers: IceServer[];
  /**
   * Short-lived TURN credentials minted per socket and sent in `id` after
   * `iceServers`; `null` mints none.
   */
  turn: TurnConfig | null;
  /**
   * Redis shared by every instance of the service (presence and relay across
   * instances); `null` keeps everything in this process.
   */
  redisUrl: string | null;
  /**
   * Seconds after an instance stops refreshing its liveness key in Redis (it
   * died) before the others drop its users. Only used with `redisUrl`.
   */
  instanceTtlSeconds: number;
  /** Where the widget build lives (`dist/p2p-call.js`, its map and chunks). */
  distDir: string;
  /** Where the demo pages live. */
  demoDir: string;
  /**
   * Who may frame the demo pages: a CSP `frame-ancestors` source list;
   * `'none'` (the default) lets no site frame them.
   */
  frameAncestors: string;
  logLevel: LogLevel;
}

/** A configuration mistake, worded for the person starting the service. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type Env = Record<string, string | undefined>;

/** Options that only make sense together, gathered until every flag is read. */
interface Pending {
  turn: Partial<TurnConfig>;
  metrics: Partial<MetricsListener>;
}

interface Option {
  flag: string;
  env: string[];
  help: string;
  /** Stores the raw text into the config being built; throws ConfigError on bad input. */
  apply(config: Config, raw: string, source: string, pending: Pending): void;
}

const MIN_TOKEN_SECRET_LENGTH = 16;
const DEFAULT_TURN_TTL_SECONDS = 3600;
const DEFAULT_METRICS_HOST = "127.0.0.1";

function repoPath(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}

/** The configuration with no flags and no environment. */
export function defaultConfig(): Config {
  return {
    port: 8000,
    hostname: "0.0.0.0",
    metrics: null,
    defaultRoom: "lobby",
    limits: {
      maxFrameBytes: 64 * 1024,
      maxNameLength: 64,
      maxRoomLength: 64,
      ratePerSecond: 50,
      rateBurst: 200,
      rateBytesPerSecond: 64 * 1024,
      rateBytesBurst: 256 * 1024,
      renamesPerMinute: 10,
      maxRoomMembers: 100,
      heldBytesPerSender: 128 * 1024,
      maxBufferedBytes: 1024 * 1024,
    },
    idleTimeoutSeconds: 30,
    userlistDelayMs: 15,
    resumeGraceSeconds: 20,
    allowedOrigins: null,
    tokenSecret: null,
    iceServers: [],
    turn: null,
    redisUrl: null,
    instanceTtlSeconds: 10,
    distDir: repoPath("dist"),
    demoDir: repoPath("demo"),
    frameAncestors: "'none'",
    logLevel: "info",
  };
}

function integer(raw: string, source: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = raw.trim();
  const value = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `${min}-${max}`;
    throw new ConfigError(`${source} must be a whole number ${range}, got "${raw}"`);
  }
  return value;
}

function nonEmpty(raw: string, source: string): string {
  const text = raw.trim();
  if (text === "") throw new ConfigError(`${source} must not be empty`);
  return text;
}

/** The non-empty, trimmed items of a comma-separated list. */
function commaList(raw: string): string[] {
  return raw.split(",").map((item) => item.trim()).filter((item) => item !== "");
}

function origins(raw: string, source: string): string[] | null {
  const list = commaList(raw);
  if (list.length === 0 || list.includes("*")) return null;
  for (const origin of list) {
    const parsed = URL.parse(origin);
    // An Origin header is scheme://host[:port] with nothing after it; anything
    // else in the list could never match and is almost certainly a typo.
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError(
        `${source}: "${origin}" is not an origin like https://example.com or http://localhost:8000`,
      );
    }
  }
  return list;
}

function iceServers(raw: string, source: string): IceServer[] {
  const text = raw.trim();
  if (text === "") return [];
  if (!text.startsWith("[")) {
    // Shorthand: a comma-separated list of stun:/turn: URLs without credentials.
    const urls = commaList(text);
    for (const url of urls) checkIceUrl(url, source);
    return urls.map((url) => ({ urls: url }));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`${source} is not valid JSON`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError(`${source} must be a JSON array`);
  return parsed.map((entry, index) => {
    const where = `${source}[${index}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new ConfigError(`${where} must be an object like {"urls":"stun:host:3478"}`);
    }
    const { urls, username, credential } = entry as Record<string, unknown>;
    const list = typeof urls === "string" ? [urls] : urls;
    if (!Array.isArray(list) || list.length === 0 || !list.every((u) => typeof u === "string")) {
      throw new ConfigError(`${where}.urls must be a URL string or a non-empty list of them`);
    }
    for (const url of list) checkIceUrl(url, where);
    for (const [key, value] of Object.entries({ username, credential })) {
      if (value !== undefined && typeof value !== "string") {
        throw new ConfigError(`${where}.${key} must be a string`);
      }
    }
    const server: IceServer = { urls: urls as string | string[] };
    if (typeof username === "string") server.username = username;
    if (typeof credential === "string") server.credential = credential;
    return server;
  });
}

function redisUrl(raw: string, source: string): string {
  const text = raw.trim();
  const parsed = URL.parse(text);
  if (!parsed || (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") || !parsed.host) {
    throw new ConfigError(
      `${source}: "${raw}" is not a Redis URL like redis://127.0.0.1:6379 or rediss://user:pass@host:6380/0`,
    );
  }
  return text;
}

/** Resolves `--metrics-port` and `--metrics-host` into `config.metrics`. */
function resolveMetrics(config: Config, draft: Partial<MetricsListener>): void {
  const { port, hostname = DEFAULT_METRICS_HOST } = draft;
  if (port === undefined) {
    if (draft.hostname === undefined) return;
    throw new ConfigError(
      "--metrics-host (P2P_METRICS_HOST) is set but --metrics-port (P2P_METRICS_PORT) is not: " +
        "metrics are served only on a port of their own",
    );
  }
  if (port !== 0 && port === config.port) {
    throw new ConfigError(
      `--metrics-port (P2P_METRICS_PORT) must differ from --port (${port}): ` +
        "metrics are kept off the public port",
    );
  }
  config.metrics = { port, hostname };
}

function turnUrls(raw: string, source: string): string[] {
  const urls = commaList(raw);
  if (urls.length === 0) throw new ConfigError(`${source} must list at least one turn: URL`);
  for (const url of urls) {
    if (!/^turns?:\S+$/.test(url)) {
      throw new ConfigError(`${source}: "${url}" is not a turn: or turns: URL`);
    }
  }
  return urls;
}

/** Resolves the TURN options into `config.turn`, or explains which half is missing. */
function resolveTurn(config: Config, draft: Partial<TurnConfig>): void {
  const { secret, urls, ttlSeconds = DEFAULT_TURN_TTL_SECONDS } = draft;
  if (secret !== undefined && urls === undefined) {
    throw new ConfigError(
      "--turn-secret (P2P_TURN_SECRET) is set but --turn-urls (P2P_TURN_URLS) is not: " +
        "clients need the TURN server's turn:/turns: URLs along with the credentials",
    );
  }
  if (urls !== undefined && secret === undefined) {
    throw new ConfigError(
      "--turn-urls (P2P_TURN_URLS) is set but --turn-secret (P2P_TURN_SECRET) is not: " +
        "credentials are minted with the secret shared with coturn's static-auth-secret " +
        "(for a TURN server with fixed credentials, use --ice-servers instead)",
    );
  }
  if (secret !== undefined && urls !== undefined) config.turn = { secret, urls, ttlSeconds };
}

function checkIceUrl(url: string, source: string): void {
  if (!/^(stun|stuns|turn|turns):\S+$/.test(url)) {
    throw new ConfigError(`${source}: "${url}" is not a stun:, stuns:, turn: or turns: URL`);
  }
}

const OPTIONS: Option[] = [
  {
    flag: "port",
    env: ["P2P_PORT", "PORT"],
    help: "TCP port to listen on; 0 picks a free one (default 8000)",
    apply: (c, raw, source) => c.port = integer(raw, source, 0, 65535),
  },
  {
    flag: "host",
    env: ["P2P_HOST"],
    help: "interface to bind (default 0.0.0.0)",
    apply: (c, raw, source) => c.hostname = nonEmpty(raw, source),
  },
  {
    flag: "metrics-port",
    env: ["P2P_METRICS_PORT"],
    help: "serve /metrics (Prometheus) on this port, apart from --port (default: off)",
    apply: (_c, raw, source, p) => p.metrics.port = integer(raw, source, 0, 65535),
  },
  {
    flag: "metrics-host",
    env: ["P2P_METRICS_HOST"],
    help: `interface for --metrics-port (default ${DEFAULT_METRICS_HOST})`,
    apply: (_c, raw, source, p) => p.metrics.hostname = nonEmpty(raw, source),
  },
  {
    flag: "room",
    env: ["P2P_ROOM"],
    help: "room for sockets that name none (default lobby)",
    apply: (c, raw) => c.defaultRoom = raw,
  },
  {
    flag: "max-frame-bytes",
    env: ["P2P_MAX_FRAME_BYTES"],
    help: "largest accepted frame in bytes (default 65536)",
    apply: (c, raw, source) => c.limits.maxFrameBytes = integer(raw, source, 1),
  },
  {
    flag: "max-name-length",
    env: ["P2P_MAX_NAME_LENGTH"],
    help: "longest user name in characters (default 64)",
    apply: (c, raw, source) => c.limits.maxNameLength = integer(raw, source, 1),
  },
  {
    flag: "max-room-length",
    env: ["P2P_MAX_ROOM_LENGTH"],
    help: "longest room name in characters (default 64)",
    apply: (c, raw, source) => c.limits.maxRoomLength = integer(raw, source, 1),
  },
  {
    flag: "rate-per-second",
    env: ["P2P_RATE_PER_SECOND"],
    help: "sustained messages per second per socket, 0 = unlimited (default 50)",
    apply: (c, raw, source) => c.limits.ratePerSecond = integer(raw, source, 0),
  },
  {
    flag: "rate-burst",
    env: ["P2P_RATE_BURST"],
    help: "messages a socket may send in a burst (default 200)",
    apply: (c, raw, source) => c.limits.rateBurst = integer(raw, source, 1),
  },
  {
    flag: "rate-bytes",
    env: ["P2P_RATE_BYTES"],
    help: "sustained frame characters per second per socket, 0 = unlimited (default 65536)",
    apply: (c, raw, source) => c.limits.rateBytesPerSecond = integer(raw, source, 0),
  },
  {
    flag: "rate-bytes-burst",
    env: ["P2P_RATE_BYTES_BURST"],
    help: "frame characters a socket may send in a burst (default 262144)",
    apply: (c, raw, source) => c.limits.rateBytesBurst = integer(raw, source, 1),
  },
  {
    flag: "renames-per-minute",
    env: ["P2P_RENAMES_PER_MINUTE"],
    help: "renames or room moves per minute per socket, 0 = unlimited (default 10)",
    apply: (c, raw, source) => c.limits.renamesPerMinute = integer(raw, source, 0),
  },
  {
    flag: "max-room-members",
    env: ["P2P_MAX_ROOM_MEMBERS"],
    help: "members a room may have, 0 = no cap (default 100)",
    apply: (c, raw, source) => c.limits.maxRoomMembers = integer(raw, source, 0),
  },
  {
    flag: "held-sender-bytes",
    env: ["P2P_HELD_SENDER_BYTES"],
    help: "bytes one sender may queue for a name held for a resume (default 131072)",
    apply: (c, raw, source) => c.limits.heldBytesPerSender = integer(raw, source, 1),
  },
  {
    flag: "max-buffered-bytes",
    env: ["P2P_MAX_BUFFERED_BYTES"],
    help: "unread bytes held for a socket before it is closed, 0 = no limit (default 1048576)",
    apply: (c, raw, source) => c.limits.maxBufferedBytes = integer(raw, source, 0),
  },
  {
    flag: "idle-timeout",
    env: ["P2P_IDLE_TIMEOUT"],
    help: "seconds without a pong before a socket is dropped, 0 = never (default 30)",
    apply: (c, raw, source) => c.idleTimeoutSeconds = integer(raw, source, 0),
  },
  {
    flag: "userlist-delay-ms",
    env: ["P2P_USERLIST_DELAY_MS"],
    help: "milliseconds to gather joins/leaves into one userlist (default 15)",
    apply: (c, raw, source) => c.userlistDelayMs = integer(raw, source, 0, 10_000),
  },
  {
    flag: "resume-grace",
    env: ["P2P_RESUME_GRACE"],
    help: "seconds a dropped socket's name is held for a resume, 0 = off (default 20)",
    apply: (c, raw, source) => c.resumeGraceSeconds = integer(raw, source, 0, 3600),
  },
  {
    flag: "allowed-origins",
    env: ["P2P_ALLOWED_ORIGINS"],
    help: "comma-separated origins allowed to open /ws (default: any)",
    apply: (c, raw, source) => c.allowedOrigins = origins(raw, source),
  },
  {
    flag: "token-secret",
    env: ["P2P_TOKEN_SECRET"],
    help: `require ?token= signed with this secret (at least ${MIN_TOKEN_SECRET_LENGTH} chars)`,
    apply: (c, raw, source) => {
      if (raw.length < MIN_TOKEN_SECRET_LENGTH) {
        throw new ConfigError(
          `${source} must be at least ${MIN_TOKEN_SECRET_LENGTH} characters long`,
        );
      }
      c.tokenSecret = raw;
    },
  },
  {
    flag: "ice-servers",
    env: ["P2P_ICE_SERVERS"],
    help: "ICE servers sent to clients: JSON RTCIceServer[] or comma-separated stun:/turn: URLs",
    apply: (c, raw, source) => c.iceServers = iceServers(raw, source),
  },
  {
    flag: "turn-secret",
    env: ["P2P_TURN_SECRET"],
    help: "mint TURN credentials with this secret (coturn's static-auth-secret)",
    apply: (_c, raw, source, p) => p.turn.secret = nonEmpty(raw, source),
  },
  {
    flag: "turn-urls",
    env: ["P2P_TURN_URLS"],
    help: "comma-separated turn:/turns: URLs the minted credentials are for",
    apply: (_c, raw, source, p) => p.turn.urls = turnUrls(raw, source),
  },
  {
    flag: "turn-ttl",
    env: ["P2P_TURN_TTL"],
    help: `seconds a minted TURN credential stays valid (default ${DEFAULT_TURN_TTL_SECONDS})`,
    apply: (_c, raw, source, p) => p.turn.ttlSeconds = integer(raw, source, 1),
  },
  {
    flag: "redis-url",
    env: ["P2P_REDIS_URL", "REDIS_URL"],
    help: "share presence and relay with other instances through this Redis (default: none)",
    apply: (c, raw, source) => c.redisUrl = redisUrl(raw, source),
  },
  {
    flag: "instance-ttl",
    env: ["P2P_INSTANCE_TTL"],
    help: "seconds before a dead instance's users are dropped, with Redis (default 10)",
    apply: (c, raw, source) => c.instanceTtlSeconds = integer(raw, source, 1, 3600),
  },
  {
    flag: "dist-dir",
    env: ["P2P_DIST_DIR"],
    help: "directory with the widget build (default <repo>/dist)",
    apply: (c, raw, source) => c.distDir = nonEmpty(raw, source),
  },
  {
    flag: "demo-dir",
    env: ["P2P_DEMO_DIR"],
    help: "directory with the demo pages (default <repo>/demo)",
    apply: (c, raw, source) => c.demoDir = nonEmpty(raw, source),
  },
  {
    flag: "frame-ancestors",
    env: ["P2P_FRAME_ANCESTORS"],
    help: "sites that may frame the demo pages, a CSP source list (default 'none')",
    apply: (c, raw, source) => {
      const list = parseFrameAncestors(raw);
      if (list === null) {
        throw new ConfigError(
          `${source} must be 'none' or a space-separated list of 'self', schemes and ` +
            `hosts like https://cms.example.com, got "${raw}"`,
        );
      }
      c.frameAncestors = list;
    },
  },
  {
    flag: "log-level",
    env: ["P2P_LOG_LEVEL"],
    help: `one of ${LOG_LEVELS.join(", ")} (default info)`,
    apply: (c, raw, source) => {
      if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
        throw new ConfigError(`${source} must be one of ${LOG_LEVELS.join(", ")}, got "${raw}"`);
      }
      c.logLevel = raw as LogLevel;
    },
  },
];

const BY_FLAG = new Map(OPTIONS.map((option) => [option.flag, option]));

/** One line per option, for `--help`. */
export function usage(): string {
  const lines = OPTIONS.map((o) =>
    `  --${o.flag.padEnd(18)} ${o.env.join(", ").padEnd(24)} ${o.help}`
  );
  return [
    "Usage: deno run --allow-net --allow-read --allow-env signaling/main.ts [options]",
    "",
    "Options (flag, environment variable, meaning); flags win over the environment:",
    ...lines,
  ].join("\n");
}

/**
 * Resolves flags (`--name value` or `--name=value`) over environment variables
 * over defaults. Empty environment variables count as unset. Throws a
 * ConfigError naming the offending flag or variable.
 */
export function parseConfig(args: readonly string[], env: Env): Config {
  const config = defaultConfig();
  const pending: Pending = { turn: {}, metrics: {} };

  for (const option of OPTIONS) {
    const name = option.env.find((key) => env[key] !== undefined && env[key] !== "");
    if (name) option.apply(config, env[name]!, name, pending);
  }

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const match = /^--([a-z][a-z-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new ConfigError(`unexpected argument "${arg}" (try --help)`);
    const [, flag, inline] = match;
    const option = BY_FLAG.get(flag);
    if (!option) throw new ConfigError(`unknown flag --${flag} (try --help)`);
    let raw = inline;
    if (raw === undefined) {
      raw = args[++i];
      if (raw === undefined) throw new ConfigError(`--${flag} needs a value`);
    }
    option.apply(config, raw, `--${flag}`, pending);
  }

  resolveTurn(config, pending.turn);
  resolveMetrics(config, pending.metrics);
  const { maxBufferedBytes, maxFrameBytes } = config.limits;
  if (maxBufferedBytes > 0 && maxBufferedBytes < 2 * maxFrameBytes) {
    // A burst of relays is counted before any of it is written: with less
    // room than that, a client that reads fine would be closed.
    throw new ConfigError(
      `--max-buffered-bytes (P2P_MAX_BUFFERED_BYTES) must be 0 or at least twice ` +
        `--max-frame-bytes (${2 * maxFrameBytes}), got ${maxBufferedBytes}`,
    );
  }
  const { rateBytesPerSecond, rateBytesBurst } = config.limits;
  if (rateBytesPerSecond > 0 && rateBytesBurst < maxFrameBytes) {
    // A frame costs its length at once: a smaller burst could never admit the largest one.
    throw new ConfigError(
      `--rate-bytes-burst (P2P_RATE_BYTES_BURST) must be at least --max-frame-bytes ` +
        `(${maxFrameBytes}), got ${rateBytesBurst}`,
    );
  }
  // Spelled like the rooms clients ask for (NFC, trimmed), so asking for it by name finds it.
  config.defaultRoom = normalizeName(config.defaultRoom);
  const roomProblem = describeNameProblem(config.defaultRoom, config.limits.maxRoomLength);
  if (roomProblem) throw new ConfigError(`the default room (--room, P2P_ROOM) ${roomProblem}`);
  return config;
}
