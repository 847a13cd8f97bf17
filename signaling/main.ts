/**
 * The process entry point, and the only module that touches the process:
 * flags, environment, signals and the listening socket (http_front.ts, the
 * service's own HTTP/1.1 front in place of `Deno.serve`).
 *
 *   deno run --allow-net --allow-read --allow-env signaling/main.ts --port 8000
 *
 * Prints one JSON line with `"msg":"listening"` and the numeric `"port"` once
 * the socket is bound (tools that start the service with `--port 0` parse it).
 * With `--redis-url`, it first connects to Redis and exits 1 with a readable
 * message if Redis cannot be reached. With `--metrics-port`, `/metrics` is
 * served on a second listener (loopback by default), never on `--port`.
 */
import { type Config, ConfigError, parseConfig, usage } from "./config.ts";
import { createHandler, type HandlerOptions } from "./handler.ts";
import { type Hub, HubConnectError } from "./hub.ts";
import { serveFront } from "./http_front.ts";
import { formatLogLine, Logger } from "./log.ts";
import type { ErrorMessage } from "./protocol.ts";

export interface RunningServer {
  port: number;
  hostname: string;
  /** The metrics listener's port; undefined without `--metrics-port`. */
  metricsPort: number | undefined;
  /** This instance's id among the others sharing Redis; undefined without Redis. */
  instance: string | undefined;
  /** Open TCP connections, of every kind (what the per-address cap counts). */
  connections(): number;
  /** Closes every socket with 1001, then stops listening; every connection ends within a bound. */
  shutdown(): Promise<void>;
}

/** What a socket is told before a 1009 for a frame over the limit (as Session words it). */
function tooLargeError(max: number): string {
  const error: ErrorMessage = {
    type: "error",
    code: "too-large",
    message: `Frames may be at most ${max} bytes: disconnecting.`,
  };
  return JSON.stringify(error);
}

/** Largest HTTP request head (request line and headers); more is answered 431. */
const MAX_HEAD_BYTES = 16 * 1024;

/**
 * The shared Redis hub when `config.redisUrl` is set (loaded only then, so a
 * single instance never loads the Redis client); else undefined, and the
 * handler uses its in-memory hub.
 */
async function sharedHub(config: Config, logger: Logger): Promise<Hub | undefined> {
  if (config.redisUrl === null) return undefined;
  const { RedisHub } = await import("./redis_hub.ts");
  return await RedisHub.connect({
    url: config.redisUrl,
    userlistDelayMs: config.userlistDelayMs,
    maxNameLength: config.limits.maxNameLength,
    maxRoomMembers: config.limits.maxRoomMembers,
    instanceTtlMs: config.instanceTtlSeconds * 1000,
    logger,
  });
}

/**
 * Starts the service and resolves once it listens; rejects (with a
 * HubConnectError) when the configured Redis is unreachable.
 */
export async function startServer(
  config: Config,
  options: HandlerOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? new Logger(config.logLevel);
  const hub = options.hub ?? await sharedHub(config, logger);
  const handler = createHandler(config, { ...options, logger, hub });
  let server: ReturnType<typeof serveFront>;
  try {
    server = serveFront({
      port: config.port,
      hostname: config.hostname,
      headerTimeoutMs: config.headerTimeoutSeconds * 1000,
      keepAliveTimeoutMs: config.keepAliveTimeoutSeconds * 1000,
      maxConnectionsPerAddress: config.limits.maxConnectionsPerAddress,
      maxHeadBytes: MAX_HEAD_BYTES,
      socketLimits: {
        maxMessageBytes: config.limits.maxFrameBytes,
        closeTimeoutMs: config.closeTimeoutSeconds * 1000,
        tooLargeFrame: tooLargeError,
      },
      logger,
    }, handler);
  } catch (error) {
    await handler.shutdown();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  let metricsServer: Deno.HttpServer<Deno.NetAddr> | undefined;
  const running: RunningServer = {
    port: server.addr.port,
    hostname: server.addr.hostname,
    get metricsPort() {
      return metricsServer?.addr.port;
    },
    instance: handler.stats().instance,
    connections: () => server.connections(),
    shutdown: () =>
      stopping ??= (async () => {
        await metricsServer?.shutdown();
        await handler.shutdown();
        await server.shutdown(config.closeTimeoutSeconds * 1000);
      })(),
  };
  if (config.metrics) {
    try {
      const { hostname, port } = config.metrics;
      const onListen = () => {};
      metricsServer = Deno.serve({ hostname, port, onListen }, handler.metrics);
    } catch (error) {
      await running.shutdown();
      throw error;
    }
  }
  return running;
}

async function main(): Promise<void> {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(usage());
    return;
  }
  let config: Config;
  try {
    config = parseConfig(Deno.args, Deno.env.toObject());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`p2p-call signaling: ${error.message}`);
    Deno.exit(2);
  }

  const logger = new Logger(config.logLevel);
  let server: RunningServer;
  try {
    server = await startServer(config, { logger });
  } catch (error) {
    if (!(error instanceof HubConnectError)) throw error;
    console.error(`p2p-call signaling: ${error.message}`);
    Deno.exit(1);
  }
  // Printed whatever the log level: it is how other tools learn the port.
  console.log(formatLogLine("info", "listening", {
    hostname: server.hostname,
    port: server.port,
    url: `http://${server.hostname}:${server.port}/`,
    metrics: config.metrics
      ? `http://${config.metrics.hostname}:${server.metricsPort}/metrics`
      : undefined,
    instance: server.instance,
  }));

  let stopping = false;
  const stop = async (signal: Deno.Signal) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    // Whatever a connection or the hub does, the process is gone by then.
    const limitMs = config.shutdownTimeoutSeconds * 1000;
    const gaveUp = await Promise.race([
      server.shutdown().then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), limitMs)),
    ]);
    if (gaveUp) logger.warn("shutdown timed out: exiting anyway", { signal, limitMs });
    else logger.info("stopped", { signal });
    Deno.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, () => void stop(signal));
    } catch {
      // Windows has no SIGTERM listener; Ctrl-C (SIGINT) still shuts down gracefully.
    }
  }
}

if (import.meta.main) await main();
