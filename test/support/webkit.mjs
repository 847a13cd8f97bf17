/**
 * WebKit for the browser tests: Debian's WebKitGTK MiniBrowser (apt
 * webkit2gtk-driver) driven by WebKitWebDriver through
 * @web/test-runner-webdriver. WebKitGTK has no headless mode, so it draws on
 * an Xvfb display (apt xvfb) of its own: Xvfb picks a free display number
 * (-displayfd), WebKitWebDriver a free port, and both are stopped with the
 * runner.
 *
 * Debian builds WebKitGTK without WebRTC: there is no RTCPeerConnection, so
 * the call tests are gated on it (test/widget/webrtc-gate.ts). The binaries
 * and MiniBrowser's switches are in browsers.mjs.
 */
import { spawn } from "node:child_process";
import { createConnection } from "node:net";
import { createInterface } from "node:readline";
import { WebdriverLauncher } from "@web/test-runner-webdriver";
import { WEBKIT_ARGS, WEBKIT_BROWSER, WEBKIT_DRIVER } from "./browsers.mjs";
import { alive, freePort, stopChild } from "./processes.mjs";

/** How long Xvfb may take to show its display and WebKitWebDriver to listen. */
const START_TIMEOUT_MS = 15_000;

/** Spawns `binary`, keeping the last lines of its output for error messages. */
function spawnLogged(binary, args, options, debianPackage) {
  const child = spawn(binary, args, options);
  const lines = [];
  const remember = (line) => {
    lines.push(line);
    if (lines.length > 30) lines.shift();
  };
  if (child.stdout) createInterface({ input: child.stdout }).on("line", remember);
  createInterface({ input: child.stderr }).on("line", remember);
  const failed = new Promise((_, reject) => {
    child.once("error", (error) =>
      reject(
        error.code === "ENOENT"
          ? new Error(`${binary} is not installed: apt-get install ${debianPackage}`)
          : error,
      ));
    child.once(
      "exit",
      (code, signal) =>
        reject(new Error(`${binary} exited (${code ?? signal}):\n${lines.join("\n")}`)),
    );
  });
  // Rejections after a successful start are the stop, not a failure.
  failed.catch(() => {});
  return { child, failed };
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts Xvfb on a display it picks; resolves with the child and `:N`. */
async function startXvfb() {
  const xvfb = spawnLogged(
    "Xvfb",
    ["-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
    { stdio: ["ignore", "ignore", "pipe", "pipe"] },
    "xvfb",
  );
  const display = new Promise((resolve) => {
    let text = "";
    xvfb.child.stdio[3].on("data", (chunk) => {
      text += chunk;
      if (text.includes("\n")) resolve(`:${text.trim()}`);
    });
  });
  try {
    return {
      child: xvfb.child,
      display: await withTimeout(Promise.race([display, xvfb.failed]), "Xvfb did not start"),
    };
  } catch (error) {
    await stopChild(xvfb.child, "SIGKILL");
    throw error;
  }
}

/** Resolves once 127.0.0.1:`port` accepts a TCP connection. */
async function waitForPort(port, failed) {
  const connects = async () => {
    while (true) {
      const open = await new Promise((resolve) => {
        const socket = createConnection({ host: "127.0.0.1", port });
        socket.once("connect", () => {
          socket.destroy();
          resolve(true);
        });
        socket.once("error", () => resolve(false));
      });
      if (open) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  await withTimeout(Promise.race([connects(), failed]), "WebKitWebDriver did not listen");
}

/** Ends `child`'s process group (SIGTERM, then SIGKILL); resolves once `child` exited. */
async function stopGroup(child) {
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {
      // The group is gone already.
    }
  };
  if (alive(child)) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
  }
  // Whatever of the group outlived the driver (MiniBrowser, its web processes).
  signal("SIGKILL");
}

/**
 * The WebDriver launcher with its own Xvfb and WebKitWebDriver: started in
 * `initialize`, stopped in `stop` (the runner calls it on exit, also after a
 * failure or Ctrl+C).
 */
class WebkitLauncher extends WebdriverLauncher {
  #xvfb = null;
  #driver = null;

  async initialize(config) {
    try {
      const xvfb = await startXvfb();
      this.#xvfb = xvfb.child;
      const port = await freePort();
      const driver = spawnLogged(
        WEBKIT_DRIVER,
        [`--port=${port}`],
        // Its own process group: MiniBrowser and its web processes are its
        // children, and the stop ends the whole group, even after a crash.
        {
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, DISPLAY: xvfb.display },
          detached: true,
        },
        "webkit2gtk-driver",
      );
      this.#driver = driver.child;
      await waitForPort(port, driver.failed);
      this.options.hostname = "127.0.0.1";
      this.options.port = port;
    } catch (error) {
      await this.#stopProcesses();
      throw error;
    }
    await super.initialize(config);
  }

  async stop() {
    try {
      await super.stop();
    } finally {
      await this.#stopProcesses();
    }
  }

  async #stopProcesses() {
    const driver = this.#driver;
    const xvfb = this.#xvfb;
    this.#driver = null;
    this.#xvfb = null;
    // The driver first: it closes MiniBrowser, which needs the display until then.
    if (driver) await stopGroup(driver);
    if (xvfb && alive(xvfb)) await stopChild(xvfb);
  }
}

/** A @web/test-runner browser launcher for WebKitGTK's MiniBrowser. */
export function webkitLauncher() {
  return new WebkitLauncher({
    capabilities: {
      browserName: "MiniBrowser",
      // WebKitWebDriver speaks WebDriver classic, not BiDi.
      "wdio:enforceWebDriverClassic": true,
      "webkitgtk:browserOptions": { binary: WEBKIT_BROWSER, args: WEBKIT_ARGS },
    },
    // A session that cannot start (no display, a broken install) fails the
    // run instead of hanging it.
    connectionRetryTimeout: 60_000,
    connectionRetryCount: 0,
    logLevel: "error",
  });
}

/**
 * A reporter that lists, per test file, the tests that ran in WebKit and
 * those the gate skipped (test/widget/webrtc-gate.ts: they need
 * RTCPeerConnection, which this build lacks), with the totals.
 */
export function gateReporter() {
  return {
    stop({ sessions }) {
      const lines = [];
      const totals = { passed: 0, failed: 0, gated: 0 };
      for (const session of sessions) {
        const tests = [];
        const walk = (suite, path) => {
          for (const test of suite?.tests ?? []) tests.push({ ...test, name: path + test.name });
          for (const child of suite?.suites ?? []) walk(child, `${path}${child.name} › `);
        };
        walk(session.testResults, "");
        const ran = tests.filter((test) => !test.skipped);
        const gated = tests.filter((test) => test.skipped);
        totals.passed += ran.filter((test) => test.passed).length;
        totals.failed += ran.filter((test) => !test.passed).length;
        totals.gated += gated.length;
        lines.push(`${session.testFile}: ${ran.length} ran, ${gated.length} gated`);
        for (const test of ran) lines.push(`  ${test.passed ? "✓" : "✗"} ${test.name}`);
        for (const test of gated) lines.push(`  - ${test.name} (needs RTCPeerConnection)`);
      }
      lines.push(
        `WebKit: ${totals.passed + totals.failed} tests ran (${totals.passed} passed, ` +
          `${totals.failed} failed), ${totals.gated} gated` +
          (totals.gated ? " (they need RTCPeerConnection, which this WebKit build lacks)" : ""),
      );
      process.stdout.write(`\n${lines.join("\n")}\n`);
    },
  };
}
