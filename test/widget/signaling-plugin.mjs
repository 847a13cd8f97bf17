// A @web/test-runner plugin that runs the REAL Deno signaling service for the
// browser tests. Tests drive it with server commands (executeServerCommand):
//   signaling-start   {port?, args?}     → {url, port}  (idempotent per test file; `args` are
//                                                         extra service flags, e.g. --turn-secret)
//   signaling-stop    {signal?}          → {stopped}    (SIGTERM: graceful 1001 close; SIGKILL: crash)
//   signaling-restart {signal?}          → {url, port}  (same port and flags, so clients reconnect)
// One service per browser session (test file), so a restart in one file cannot
// disturb another; every service is killed when the runner stops.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";

const STARTUP_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Spawns `deno run … entry --port PORT --host 127.0.0.1 …args` and resolves with
 * {child, port, url, instance, args} once it prints its "listening" line.
 * Also used by infra-plugin.mjs for the instances of a Redis cluster.
 */
export function startService({ deno, entry, port, args = [] }) {
  const child = spawn(
    deno,
    [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      entry,
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      ...args,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const recent = [];
  const remember = (line) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
  };
  createInterface({ input: child.stderr }).on("line", remember);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `signaling service did not start within ${STARTUP_TIMEOUT_MS} ms:\n${recent.join("\n")}`,
        ),
      );
    }, STARTUP_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start the signaling service with ${deno}: ${error.message}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `signaling service exited (${code ?? signal}) before listening:\n${recent.join("\n")}`,
        ),
      );
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      remember(line);
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg === "listening" && typeof entry.port === "number") {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolve({
          child,
          port: entry.port,
          url: `ws://127.0.0.1:${entry.port}/ws`,
          instance: entry.instance ?? null,
          args,
        });
      }
    });
  });
}

/** Sends `signal` (SIGKILL after a grace period) and resolves once the process exited. */
export function stopService(service, signal = "SIGTERM") {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

/** The project's pinned Deno (scripts/setup links it there); DENO_BIN overrides. */
export const defaultDeno = () =>
  process.env.DENO_BIN ??
    (existsSync("node_modules/.bin/deno") ? "node_modules/.bin/deno" : "deno");

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function signalingPlugin({
  deno = defaultDeno(),
  entry = "signaling/main.ts",
} = {}) {
  /** @type {Map<string, {child: import('node:child_process').ChildProcess, port: number, url: string}>} */
  const services = new Map();

  async function start(sessionId, port, args = []) {
    const running = services.get(sessionId);
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      if (JSON.stringify(running.args) !== JSON.stringify(args)) {
        throw new Error(
          `signaling-start: this test file's service already runs with flags ` +
            `${JSON.stringify(running.args)}, not ${JSON.stringify(args)}; signaling-stop it first`,
        );
      }
      return running;
    }
    const service = await startService({ deno, entry, port, args });
    services.set(sessionId, service);
    return service;
  }

  async function stop(sessionId, signal) {
    const service = services.get(sessionId);
    if (!service) return null;
    services.delete(sessionId);
    await stopService(service, signal);
    return service;
  }

  return {
    name: "p2p-signaling",

    async executeCommand({ command, payload, session }) {
      switch (command) {
        case "signaling-start": {
          const { url, port } = await start(session.id, payload?.port ?? 0, payload?.args ?? []);
          return { url, port };
        }
        case "signaling-stop": {
          const stopped = await stop(session.id, payload?.signal);
          return { stopped: stopped !== null, port: stopped?.port ?? null };
        }
        case "signaling-restart": {
          const stopped = await stop(session.id, payload?.signal);
          if (!stopped) {
            throw new Error("signaling-restart: no service is running for this test file");
          }
          const { url, port } = await start(session.id, stopped.port, stopped.args);
          return { url, port };
        }
        default:
          return undefined;
      }
    },

    async serverStop() {
      await Promise.all([...services.values()].map((service) => stopService(service, "SIGKILL")));
      services.clear();
    },
  };
}
