/**
 * The process entry point, and the only module that touches the process:
 * flags, environment, signals and `Deno.serve`.
 *
 *   deno run --allow-net --allow-read --allow-env signaling/main.ts --port 8000
 *
 * Prints one JSON line with `"msg":"listening"` and the numeric `"port"` once
 * the socket is bound (tools that start the service with `--port 0` parse it).
 */
import { type Config, ConfigError, parseConfig, usage } from "./config.ts";
import { createHandler, type HandlerOptions } from "./handler.ts";
import { formatLogLine, Logger } from "./log.ts";

export interface RunningServer {
  port: number;
  hostname: string;
  /** Closes every socket with 1001, then stops listening. */
  shutdown(): Promise<void>;
}

/** Starts the service and resolves once it listens. */
export function startServer(config: Config, options: HandlerOptions = {}): RunningServer {
  const logger = options.logger ?? new Logger(config.logLevel);
  const handler = createHandler(config, { ...options, logger });
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen: () => {},
    onError: (error) => {
      logger.error("request failed", { error: String(error) });
      return new Response("Internal error.\n", { status: 500 });
    },
  }, handler);
  let stopping: Promise<void> | undefined;
  return {
    port: server.addr.port,
    hostname: server.addr.hostname,
    shutdown: () =>
      stopping ??= (async () => {
        await handler.shutdown();
        await server.shutdown();
      })(),
  };
}

function main(): void {
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
  const server = startServer(config, { logger });
  // Printed whatever the log level: it is how other tools learn the port.
  console.log(formatLogLine("info", "listening", {
    hostname: server.hostname,
    port: server.port,
    url: `http://${server.hostname}:${server.port}/`,
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

if (import.meta.main) main();
