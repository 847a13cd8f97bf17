// A @web/test-runner plugin that runs the REAL Deno signaling service for the
// browser tests. Tests drive it with server commands (executeServerCommand):
//   signaling-start   {port?, args?}     → {url, port}  (idempotent per test file; `args` are
//                                                         extra service flags, e.g. --turn-secret)
//   signaling-stop    {signal?}          → {stopped}    (SIGTERM: graceful 1001 close; SIGKILL: crash)
//   signaling-restart {signal?}          → {url, port}  (same port and flags, so clients reconnect)
// One service per browser session (test file), so a restart in one file cannot
// disturb another; every service is killed when the runner stops.
import { alive, defaultDeno, startService, stopChild } from "../support/processes.mjs";

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function signalingPlugin({
  deno = defaultDeno(),
  entry = "signaling/main.ts",
} = {}) {
  /** @type {Map<string, {child: import('node:child_process').ChildProcess, port: number, url: string}>} */
  const services = new Map();

  async function start(sessionId, port, args = []) {
    const running = services.get(sessionId);
    if (running && alive(running.child)) {
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
    await stopChild(service.child, signal);
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
      await Promise.all(
        [...services.values()].map((service) => stopChild(service.child, "SIGKILL")),
      );
      services.clear();
    },
  };
}
