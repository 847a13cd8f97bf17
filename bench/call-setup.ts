/**
 * Call setup time (issue 3): call() → first remote frame through two `<p2p-call>`
 * elements and the real service, next to a direct in-page RTCPeerConnection loopback
 * doing the same media work, both in one headless Chromium page (bench/pages/), driven
 * with puppeteer-core. The page measures; this module starts the service and the
 * browser, runs the trials and summarises them.
 *
 * The two kinds of trial alternate (widget, loopback, loopback, widget, ...) so that
 * a change in the machine's load during the run (other people's browser tests) lands
 * on both columns alike rather than on whichever ran last.
 */
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { machineBusySeconds, ownCpuSeconds, processTreeCpuSeconds } from "./proc.ts";
import { onKillAll, type ServerProcess, startP2pCall } from "./servers.ts";
import { type LatencySummary, summarize } from "./stats.ts";
import { delay, withTimeout } from "./util.ts";

export interface CallSetupOptions {
  /** Measured calls of each kind. */
  calls: number;
  /** Calls of each kind run first and not recorded (codec, JIT and fake-device start-up). */
  warmup: number;
  /** Quiet time after each call, so one call's teardown does not overlap the next. */
  settleMs: number;
}

/** One kind of call: where its first frame comes from. */
export interface CallSetupSeries {
  /** call() (or getUserMedia, for the loopback) → first remote frame presented, ms. */
  frame: LatencySummary;
  /** → the caller's connection "connected" (ICE and DTLS done), ms. */
  connected: LatencySummary;
  /** Calls that timed out or threw, with why. */
  failures: string[];
}

export interface CallSetupResult {
  widget: CallSetupSeries;
  loopback: CallSetupSeries;
  /** Difference of the medians: what the element and the service add to a call. */
  overheadMs: number;
  calls: number;
  warmup: number;
  browser: string;
  chromium: string;
  /** The service's command line. */
  command: string;
  /** p2p-error messages of the elements and errors thrown in the page. */
  pageErrors: string[];
  elapsedSeconds: number;
  /** Average cores busy with processes other than the bench, the service and Chromium. */
  otherCpuCores: number;
}

/** Chromium from Debian; CHROMIUM overrides it (the flags are issue 3's test flags). */
const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox", // Chromium refuses its sandbox as root (CI containers)
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  // No outside network here: background fetches would only fail and add load.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required", // the remote video has sound
];

const PAGES_DIR = new URL("./pages/", import.meta.url).pathname;

interface Trial {
  frameMs: number;
  connectedMs: number;
}

type Kind = "widget" | "loopback";

/**
 * What bench/pages/call-setup.js puts on globalThis. The functions handed to
 * page.evaluate() run in the page, so each names it in full rather than through a
 * helper of this module.
 */
interface PageGlobals {
  callSetup: {
    setup(room: string): Promise<{ userAgent: string }>;
    widgetTrial(): Promise<Trial>;
    loopbackTrial(): Promise<Trial>;
    takeErrors(): string[];
  };
}

/** What each kind of trial runs in the page. */
const RUN: Record<Kind, (page: Page) => Promise<Trial>> = {
  widget: (page) =>
    page.evaluate(() => (globalThis as unknown as PageGlobals).callSetup.widgetTrial()),
  loopback: (page) =>
    page.evaluate(() => (globalThis as unknown as PageGlobals).callSetup.loopbackTrial()),
};

export async function benchCallSetup(
  options: CallSetupOptions,
  log: (text: string) => void,
): Promise<CallSetupResult> {
  const server = await startP2pCall(["--demo-dir", PAGES_DIR]);
  // Our own profile directory rather than puppeteer's, so that it goes away even when
  // a signal ends the run and the browser is killed rather than closed.
  const profile = await Deno.makeTempDir({ prefix: "p2p-call-bench-chromium-" });
  const removeProfile = () => Deno.removeSync(profile, { recursive: true });
  let browser: Browser | undefined;
  let unregisterKill = () => {};
  try {
    log(`service pid ${server.pid}, port ${server.port}`);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      userDataDir: profile,
    });
    const browserPid = browser.process()?.pid;
    if (browserPid === undefined) throw new Error("puppeteer started no browser process");
    // puppeteer starts Chromium as a process group leader: kill its helpers too, so
    // none is left writing into the profile while it is removed.
    unregisterKill = onKillAll(() => {
      Deno.kill(-browserPid, "SIGKILL");
      removeProfile();
    });
    const cpuAtStart = await cpuSnapshot(server, browserPid);

    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    await page.goto(`http://127.0.0.1:${server.port}/call-setup.html`, { waitUntil: "load" });
    await page.waitForFunction(() => "callSetup" in globalThis, { timeout: 10_000 });
    const room = `setup-${Date.now().toString(36)}`;
    const facts = await page.evaluate(
      (r) => (globalThis as unknown as PageGlobals).callSetup.setup(r),
      room,
    );

    const trials: Record<Kind, Trial[]> = { widget: [], loopback: [] };
    const failures: Record<Kind, string[]> = { widget: [], loopback: [] };
    const rounds = options.warmup + options.calls;
    for (let round = 0; round < rounds; round++) {
      // ABBA order: neither kind always runs right after the other's teardown.
      const order: Kind[] = round % 2 === 0 ? ["widget", "loopback"] : ["loopback", "widget"];
      for (const kind of order) {
        try {
          const trial = await withTimeout(RUN[kind](page), 60_000, `${kind} call ${round}`);
          if (round >= options.warmup) trials[kind].push(trial);
        } catch (error) {
          failures[kind].push(`call ${round}: ${(error as Error).message}`);
        }
        await delay(options.settleMs);
      }
    }
    pageErrors.push(
      ...await page.evaluate(() => (globalThis as unknown as PageGlobals).callSetup.takeErrors()),
    );

    const cpuAtEnd = await cpuSnapshot(server, browserPid);
    const elapsedSeconds = (cpuAtEnd.at - cpuAtStart.at) / 1000;
    const ours = (s: typeof cpuAtStart) => s.bench + s.server + s.browser;
    const others = cpuAtEnd.machine - cpuAtStart.machine - (ours(cpuAtEnd) - ours(cpuAtStart));
    const series = (kind: Kind): CallSetupSeries => ({
      frame: summarize(trials[kind].map((t) => t.frameMs)),
      connected: summarize(trials[kind].map((t) => t.connectedMs)),
      failures: failures[kind],
    });
    const widget = series("widget");
    const loopback = series("loopback");
    log(
      `${widget.frame.samples} + ${loopback.frame.samples} calls: first frame p50 ` +
        `${widget.frame.p50.toFixed(1)} ms (element), ${
          loopback.frame.p50.toFixed(1)
        } ms (loopback)`,
    );
    return {
      widget,
      loopback,
      overheadMs: widget.frame.p50 - loopback.frame.p50,
      calls: options.calls,
      warmup: options.warmup,
      browser: facts.userAgent,
      chromium: await browser.version(),
      command: server.command,
      pageErrors,
      elapsedSeconds,
      otherCpuCores: Math.max(0, others / elapsedSeconds),
    };
  } finally {
    await browser?.close().catch(() => {});
    unregisterKill();
    await Deno.remove(profile, { recursive: true }).catch(() => {});
    await server.stop();
  }
}

async function cpuSnapshot(server: ServerProcess, browserPid: number) {
  return {
    at: performance.now(),
    machine: await machineBusySeconds(),
    bench: await ownCpuSeconds(),
    server: await server.cpuSeconds(),
    browser: await processTreeCpuSeconds(browserPid),
  };
}
