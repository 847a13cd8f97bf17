/**
 * The process entry point, and the only module that touches the process:
 * flags, environment, signals and `Deno.serve`.
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
import { formatLogLine, Logger } from "./log.ts";

export interface RunningServer {
  port: number;
  hostname: string;
  /** The metrics listener's port; undefined without `--metrics-port`. */
  metricsPort: number | undefined;
  /** This instance's id among the others sharing Redis; undefined without Redis. */
  instance: string | undefined;
  /** Closes every socket with 1001, then stops listening. */
  shutdown(): Promise<void>;
}

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
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      port: config.port,
      hostname: config.hostname,
      onListen: () => {},
      onError: (error) => {
        logger.error("request failed", { error: String(error) });
        return new Response("Internal error.\n", { status: 500 });
      },
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
    shutdown: () =>
      stopping ??= (async () => {
        await metricsServer?.shutdown();
        await handler.shutdown();
        await server.shutdown();
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

  const stop = async (signal: Deno.Signal) => {
    logger.info("shutting down", { signal });
    await server.shutdown();
    logger.info("stopped", { signal });
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
