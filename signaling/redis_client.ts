/**
 * The two Redis connections an instance keeps (one for commands and
 * publishing, one in subscriber mode, as Redis requires), with the policy
 * around them: a clear error when Redis is unreachable at start, then logged
 * outages and automatic reconnects (node-redis reconnects and resubscribes)
 * without ever crashing the service.
 */
import { createClient } from "redis";
import { HubConnectError } from "./hub.ts";
import type { Logger } from "./log.ts";

export type RedisCommands = ReturnType<typeof createClient>;

export interface RedisConnections {
  commands: RedisCommands;
  subscriber: RedisCommands;
  /** Both connections are up. */
  readonly ready: boolean;
  /** Closes both, waiting at most `timeoutMs` for pending replies. */
  close(timeoutMs?: number): Promise<void>;
}

export interface ConnectOptions {
  url: string;
  logger: Logger;
  /** Called when a connection is back after an outage (not on the first connect). */
  onReconnect: (connection: "commands" | "subscriber") => void;
}

const CONNECT_TIMEOUT_MS = 5000;
const MAX_RECONNECT_DELAY_MS = 2000;

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}

export async function connectRedis(options: ConnectOptions): Promise<RedisConnections> {
  const { url, logger } = options;
  const where = redactUrl(url);
  /** Set once both connections were up: from then on, outages are retried forever. */
  let started = false;
  const commands: RedisCommands = createClient({
    url,
    // Fail fast while Redis is away rather than queue: a session whose frame
    // cannot be delivered is closed with 1013 and its client reconnects.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      // Before the first connection an error ends the attempt (and start-up).
      reconnectStrategy: (retries, cause) =>
        started ? Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS) : cause,
    },
  });
  const subscriber = commands.duplicate();

  for (const [role, client] of [["commands", commands], ["subscriber", subscriber]] as const) {
    let down = false;
    client.on("error", (error: unknown) => {
      if (!started || down) return;
      down = true;
      logger.error("redis connection lost; reconnecting", {
        connection: role,
        redis: where,
        error: describe(error),
      });
    });
    client.on("ready", () => {
      if (!down) return;
      down = false;
      logger.info("redis reconnected", { connection: role, redis: where });
      options.onReconnect(role);
    });
  }

  try {
    await commands.connect();
    await subscriber.connect();
  } catch (error) {
    destroy(commands);
    destroy(subscriber);
    throw new HubConnectError(`cannot connect to Redis at ${where}: ${describe(error)}`);
  }
  started = true;

  return {
    commands,
    subscriber,
    get ready() {
      return commands.isReady && subscriber.isReady;
    },
    async close(timeoutMs = 2000) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs));
      const graceful = Promise.all([quit(commands), quit(subscriber)]).then(() => {});
      await Promise.race([graceful, timeout]);
      clearTimeout(timer);
      // Whatever did not finish in time (Redis away or hung) is cut off.
      destroy(commands);
      destroy(subscriber);
    },
  };
}

async function quit(client: RedisCommands): Promise<void> {
  // Not ready = reconnecting: nothing to flush, and close() would wait for Redis.
  if (!client.isOpen || !client.isReady) return;
  try {
    await client.close();
  } catch {
    // Already closing or offline: destroy() follows.
  }
}

function destroy(client: RedisCommands): void {
  try {
    client.destroy();
  } catch {
    // Already closed.
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return describe(error.errors[0]);
  }
  return error instanceof Error ? error.message || error.name : String(error);
}
