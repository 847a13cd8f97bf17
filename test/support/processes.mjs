/**
 * Child processes for the Node-side test tools: the browser-test plugins
 * (test/widget/signaling-plugin.mjs, test/widget/infra-plugin.mjs) and the
 * end-to-end harness (test/e2e/harness.mjs). The Deno tests have their own in
 * test/support/process.ts.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The project's pinned Deno (scripts/setup links it there); DENO_BIN overrides. */
export function defaultDeno() {
  const pinned = join(ROOT, "node_modules/.bin/deno");
  return process.env.DENO_BIN ?? (existsSync(pinned) ? pinned : "deno");
}

/** Whether `child` has neither exited nor been killed yet. */
export const alive = (child) => child.exitCode === null && child.signalCode === null;

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Sends `signal`, then SIGKILL after `graceMs` if the child lingers; resolves once it exited. */
export function stopChild(child, signal = "SIGTERM", graceMs = 5_000) {
  if (!alive(child) || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * Spawns `deno run … entry --port PORT --host 127.0.0.1 …args` (the signaling
 * service) and resolves with {child, port, url, instance, args} once it prints
 * its "listening" line; rejects with its last output lines if it exits, cannot
 * start, or does not listen within `timeoutMs`.
 */
export function startService({
  deno = defaultDeno(),
  entry = "signaling/main.ts",
  port = 0,
  args = [],
  cwd,
  timeoutMs = 20_000,
} = {}) {
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
    { cwd, stdio: ["ignore", "pipe", "pipe"] },
  );
  const recent = [];
  const remember = (line) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
  };
  createInterface({ input: child.stderr }).on("line", remember);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${message}:\n${recent.join("\n")}`));
    };
    const timer = setTimeout(
      () => fail(`the signaling service did not listen within ${timeoutMs} ms`),
      timeoutMs,
    );
    child.once("error", (error) => {
      fail(`cannot start the signaling service with ${deno}: ${error.message}`);
    });
    child.once("exit", (code, signal) => {
      fail(`the signaling service exited (${code ?? signal}) before listening`);
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      remember(line);
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (settled || entry.msg !== "listening" || typeof entry.port !== "number") return;
      settled = true;
      clearTimeout(timer);
      resolve({
        child,
        port: entry.port,
        url: `ws://127.0.0.1:${entry.port}/ws`,
        instance: entry.instance ?? null,
        args,
      });
    });
  });
}
