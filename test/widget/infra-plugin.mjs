// A @web/test-runner plugin that runs the REAL infrastructure of a scaled-out
// deployment for the browser tests (issue 4): redis-server, several signaling
// instances sharing it, and a coturn TURN server. All on 127.0.0.1 and ephemeral
// ports; the JS twin of test/support/redis.ts and test/support/coturn.ts.
// Tests drive it with server commands (executeServerCommand):
//   redis-start    {}                      → {url, port}
//   cluster-start  {instances?, args?}     → {redisUrl, urls, ports, instances}
//                  (a fresh redis-server and `instances` (2) services with --redis-url;
//                   `args` are extra service flags, e.g. ["--instance-ttl", "2"])
//   cluster-stop   {index, signal?}        → {stopped}  (SIGKILL by default: a crash)
//   coturn-start   {secret, realm?}        → {url, port, realm}
//                  (static-auth-secret = `secret`, the service's --turn-secret)
//   coturn-output  {}                      → {output}   (its last lines, for messages)
//   infra-stop     {}                      → {stopped}  (everything this test file started)
// Everything belongs to the browser session (test file) that started it; a test
// file calls infra-stop in its after() hook, and the runner's stop (or its
// process exiting) kills whatever is left. redis-server and turnserver come from
// PATH (Debian packages redis-server and coturn); REDIS_SERVER and TURNSERVER
// override them. A missing binary fails the command, it never skips.
import { spawn } from "node:child_process";
import { createConnection } from "node:net";
import { createInterface } from "node:readline";
import { alive, defaultDeno, freePort, startService, stopChild } from "../support/processes.mjs";

const LISTEN_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;
const RELAY_PORTS = 100;

/** Spawns `binary` with its output kept as a tail of lines (pipes are always drained). */
function spawnBinary(binary, args, debianPackage) {
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  const lines = [];
  const remember = (line) => {
    lines.push(line);
    if (lines.length > 40) lines.shift();
  };
  createInterface({ input: child.stdout }).on("line", remember);
  createInterface({ input: child.stderr }).on("line", remember);
  const spawnError = new Promise((resolve) => {
    child.once("error", (error) =>
      resolve(
        error.code === "ENOENT"
          ? new Error(
            `${binary} is not installed: install the Debian package ${debianPackage} ` +
              `(apt-get install ${debianPackage}; .ci/run does this)`,
          )
          : error,
      ));
  });
  return { child, output: () => lines.join("\n"), spawnError };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
async function waitForTcp(port, proc, what) {
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  let failure = null;
  proc.spawnError.then((error) => failure = error);
  while (true) {
    if (failure) throw failure;
    if (!alive(proc.child)) {
      throw new Error(
        `${what} exited (${proc.child.exitCode ?? proc.child.signalCode}) before listening:\n` +
          proc.output(),
      );
    }
    const connected = await new Promise((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (connected) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${what} did not listen on port ${port} within ${LISTEN_TIMEOUT_MS} ms:\n${proc.output()}`,
      );
    }
    // Polling a port that is about to open, not a wait for a test outcome.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function startRedis() {
  const binary = process.env.REDIS_SERVER ?? "redis-server";
  const port = await freePort();
  // deno-fmt-ignore
  const proc = spawnBinary(binary, [
    "--port", String(port), "--bind", "127.0.0.1",
    "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
  ], "redis-server");
  try {
    await waitForTcp(port, proc, "redis-server");
  } catch (error) {
    await stopChild(proc.child, "SIGKILL", STOP_GRACE_MS);
    throw error;
  }
  // No persistence: SIGKILL loses nothing and is instant.
  return { ...proc, kind: "redis", port, url: `redis://127.0.0.1:${port}`, stopSignal: "SIGKILL" };
}

async function startCoturn({ secret, realm = "p2p-call.test" }) {
  if (typeof secret !== "string" || secret === "") {
    throw new Error("coturn-start: a non-empty `secret` (the shared TURN secret) is required");
  }
  const binary = process.env.TURNSERVER ?? "turnserver";
  const port = await freePort();
  // Random relay-port windows keep two servers (or a stale one) from fighting.
  const minPort = 40_000 + 100 * Math.floor(Math.random() * 200);
  const proc = spawnBinary(binary, [
    "-n", // no configuration file: /etc/turnserver.conf must not leak in
    "--listening-ip=127.0.0.1",
    "--relay-ip=127.0.0.1",
    `--listening-port=${port}`,
    "--use-auth-secret",
    `--static-auth-secret=${secret}`,
    `--realm=${realm}`,
    "--no-tls",
    "--no-dtls",
    "--no-cli",
    // Both browsers' relays are on this machine; coturn refuses loopback peers otherwise.
    "--allow-loopback-peers",
    `--min-port=${minPort}`,
    `--max-port=${minPort + RELAY_PORTS - 1}`,
    "--log-file=stdout",
    "--simple-log",
  ], "coturn");
  try {
    // coturn opens its UDP and TCP listeners together; TCP is the one we can probe.
    await waitForTcp(port, proc, "turnserver");
  } catch (error) {
    await stopChild(proc.child, "SIGKILL", STOP_GRACE_MS);
    throw error;
  }
  return {
    ...proc,
    kind: "coturn",
    port,
    realm,
    url: `turn:127.0.0.1:${port}`,
    stopSignal: "SIGTERM",
  };
}

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function infraPlugin({ deno = defaultDeno(), entry = "signaling/main.ts" } = {}) {
  // `entry` is the service's main module, as in signalingPlugin.
  /**
   * Per session: every process it started (stopped in reverse order), plus its
   * latest cluster and coturn for the commands that address them.
   * @type {Map<string, {procs: object[], cluster: object | null, coturn: object | null}>}
   */
  const sessions = new Map();
  const of = (sessionId) => {
    let owned = sessions.get(sessionId);
    if (!owned) sessions.set(sessionId, owned = { procs: [], cluster: null, coturn: null });
    return owned;
  };

  async function stopAll(sessionId, signal) {
    const owned = sessions.get(sessionId);
    if (!owned) return 0;
    sessions.delete(sessionId);
    // Newest first: services before the Redis they use.
    for (const proc of owned.procs.reverse()) {
      await stopChild(proc.child, signal ?? proc.stopSignal, STOP_GRACE_MS);
    }
    return owned.procs.length;
  }

  async function startCluster(sessionId, { instances = 2, args = [] } = {}) {
    const owned = of(sessionId);
    const redis = await startRedis();
    owned.procs.push(redis);
    const services = [];
    for (let i = 0; i < instances; i++) {
      const service = await startService({
        deno,
        entry,
        port: 0,
        args: ["--redis-url", redis.url, "--log-level", "warn", ...args],
      });
      services.push(service);
      owned.procs.push({ kind: "service", child: service.child, stopSignal: "SIGTERM" });
    }
    owned.cluster = { redis, services };
    return {
      redisUrl: redis.url,
      urls: services.map((service) => service.url),
      ports: services.map((service) => service.port),
      instances: services.map((service) => service.instance),
    };
  }

  // A runner that dies without serverStop must not leave servers behind.
  const killLeftovers = () => {
    for (const owned of sessions.values()) {
      for (const proc of owned.procs) if (alive(proc.child)) proc.child.kill("SIGKILL");
    }
  };

  return {
    name: "p2p-infra",

    serverStart() {
      process.once("exit", killLeftovers);
    },

    async executeCommand({ command, payload, session }) {
      switch (command) {
        case "redis-start": {
          const redis = await startRedis();
          of(session.id).procs.push(redis);
          return { url: redis.url, port: redis.port };
        }
        case "cluster-start":
          return await startCluster(session.id, payload ?? {});
        case "cluster-stop": {
          const cluster = sessions.get(session.id)?.cluster;
          const service = cluster?.services[payload?.index ?? -1];
          if (!service) {
            throw new Error(
              `cluster-stop: no instance ${payload?.index} in this test file's cluster`,
            );
          }
          const wasAlive = alive(service.child);
          await stopChild(service.child, payload?.signal ?? "SIGKILL");
          return { stopped: wasAlive };
        }
        case "coturn-start": {
          const coturn = await startCoturn(payload ?? {});
          const owned = of(session.id);
          owned.procs.push(coturn);
          owned.coturn = coturn;
          return { url: coturn.url, port: coturn.port, realm: coturn.realm };
        }
        case "coturn-output":
          return { output: sessions.get(session.id)?.coturn?.output() ?? "" };
        case "infra-stop":
          return { stopped: await stopAll(session.id) };
        default:
          return undefined;
      }
    },

    async serverStop() {
      await Promise.all([...sessions.keys()].map((id) => stopAll(id, "SIGKILL")));
      process.removeListener("exit", killLeftovers);
    },
  };
}
