/**
 * A real coturn TURN server for tests, on 127.0.0.1 and an ephemeral port,
 * authenticating with a shared secret (the TURN REST API scheme the service
 * mints credentials for, signaling/turn.ts):
 *
 *   await using turn = await startCoturn({ secret: "s3cret" });
 *   // service: --turn-secret s3cret --turn-urls turn.url
 *
 * UDP and TCP on one port, no TLS, relay ports on loopback (loopback peers
 * allowed, so two browsers on this machine can relay to each other). Verified
 * with Chromium: a relay↔relay pair connects; expired credentials get 401.
 * Throws (never skips) when turnserver is not installed. `TURNSERVER`
 * overrides the binary.
 */
import { freePort, OutputTail, spawnBinary, stopChild, waitForTcp } from "./process.ts";

export interface CoturnServer extends AsyncDisposable {
  /** e.g. turn:127.0.0.1:41234 (UDP by default; add ?transport=tcp for TCP). */
  readonly url: string;
  readonly port: number;
  readonly secret: string;
  readonly realm: string;
  /** What coturn printed last; handy in assertion messages. */
  output(): string;
  /** Stops the server and waits for it. Safe to call twice. */
  stop(): Promise<void>;
}

export interface CoturnOptions {
  /** The shared secret (coturn's static-auth-secret, the service's --turn-secret). */
  secret: string;
  realm?: string;
  port?: number;
  /** First of the UDP relay ports; a random 100-port window by default. */
  minRelayPort?: number;
}

const RELAY_PORTS = 100;

export async function startCoturn(options: CoturnOptions): Promise<CoturnServer> {
  const binary = Deno.env.get("TURNSERVER") ?? "turnserver";
  const port = options.port ?? freePort();
  const realm = options.realm ?? "p2p-call.test";
  // Random windows keep two servers (or a stale one) from fighting over relay ports.
  const minPort = options.minRelayPort ?? 40_000 + 100 * Math.floor(Math.random() * 200);
  const child = spawnBinary(binary, [
    "-n", // no configuration file: /etc/turnserver.conf must not leak in
    "--listening-ip=127.0.0.1",
    "--relay-ip=127.0.0.1",
    `--listening-port=${port}`,
    "--use-auth-secret",
    `--static-auth-secret=${options.secret}`,
    `--realm=${realm}`,
    "--no-tls",
    "--no-dtls",
    "--no-cli",
    "--allow-loopback-peers",
    `--min-port=${minPort}`,
    `--max-port=${minPort + RELAY_PORTS - 1}`,
    "--log-file=stdout",
    "--simple-log",
  ], "coturn");
  const output = new OutputTail([child.stdout, child.stderr]);
  try {
    // coturn opens its UDP and TCP listeners together; TCP is the one Deno can probe.
    await waitForTcp(port, child, "turnserver", output);
  } catch (error) {
    await stopChild(child, output, "SIGKILL");
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const stop = () => stopped ??= stopChild(child, output);
  return {
    url: `turn:127.0.0.1:${port}`,
    port,
    secret: options.secret,
    realm,
    output: () => output.toString(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
