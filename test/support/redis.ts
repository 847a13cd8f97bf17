/**
 * A real redis-server for tests, on 127.0.0.1 and an ephemeral port, without
 * persistence:
 *
 *   await using redis = await startRedis();
 *   // … --redis-url redis.url …
 *
 * Throws (never skips) when redis-server is not installed. `REDIS_SERVER`
 * overrides the binary.
 */
import { freePort, OutputTail, spawnBinary, stopChild, waitForTcp } from "./process.ts";

export interface RedisServer extends AsyncDisposable {
  /** e.g. redis://127.0.0.1:41234 */
  readonly url: string;
  readonly port: number;
  /** The redis-server process, e.g. to SIGSTOP it (a Redis that hangs). */
  readonly pid: number;
  /**
   * Stops the server and waits for it; safe to call twice. The default,
   * SIGKILL, is instant and loses nothing (there is no persistence); as a
   * fault it looks like a crash. SIGTERM shuts down cleanly (~80 ms).
   */
  stop(signal?: Deno.Signal): Promise<void>;
}

export interface RedisOptions {
  /** A fixed port, e.g. to restart "the same" Redis after stopping it. */
  port?: number;
}

/** redis-server flags: loopback only, in the foreground, no persistence, quiet. */
export function redisServerArgs(port: number): string[] {
  // deno-fmt-ignore
  return [
    "--port", String(port), "--bind", "127.0.0.1",
    "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
  ];
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const binary = Deno.env.get("REDIS_SERVER") ?? "redis-server";
  const port = options.port ?? freePort();
  const child = spawnBinary(binary, redisServerArgs(port), "redis-server");
  const output = new OutputTail([child.stdout, child.stderr]);
  try {
    await waitForTcp(port, child, "redis-server", output);
  } catch (error) {
    await stopChild(child, output, "SIGKILL");
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const stop = (signal: Deno.Signal = "SIGKILL") => stopped ??= stopChild(child, output, signal);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    stop,
    [Symbol.asyncDispose]: () => stop(),
  };
}
