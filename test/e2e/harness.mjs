/**
 * Shared machinery of the end-to-end suite (`node --test test/e2e/`): the real
 * Deno signaling service serving the built dist/ and demo/, headless Chromium
 * through puppeteer-core with fake camera and microphone, a small static
 * server for host pages that need their own response headers, and screenshot
 * comparison against committed baselines.
 *
 * Every wait is on an observable outcome with a generous timeout: the two
 * cores of CI are shared with other test runs.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import pixelmatch from "pixelmatch";
import { PNG } from "pngjs";
import puppeteer from "puppeteer-core";
import { CHROMIUM_ARGS, CHROMIUM_BIN } from "../support/browsers.mjs";
import { startService as spawnService, stopChild } from "../support/processes.mjs";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DIST = join(ROOT, "dist");
export const FIXTURES = join(ROOT, "test/e2e/fixtures");
export const BASELINES = join(ROOT, "test/screenshots/baselines");
export const ARTIFACTS = join(ROOT, "test-artifacts/screenshots");

const SERVICE_START_TIMEOUT_MS = 30_000;

/** Fails early and clearly when the bundle the suite tests was not built. */
export function requireBuild() {
  if (!existsSync(join(DIST, "p2p-call.js"))) {
    throw new Error("dist/p2p-call.js is missing: run `deno task build` before the e2e tests.");
  }
}

// ---- the signaling service ----------------------------------------------------------

/**
 * Starts the real service on a free port (it serves `/`, `/cms.html`,
 * `/p2p-call.js` and its chunks from this checkout's demo/ and dist/).
 * Resolves once it logs that it listens.
 */
export async function startService() {
  const { child, port } = await spawnService({ cwd: ROOT, timeoutMs: SERVICE_START_TIMEOUT_MS });
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    stop: () => stopChild(child),
  };
}

// ---- the browser ----------------------------------------------------------------------

export const VIEWPORT = { width: 1024, height: 768, deviceScaleFactor: 1 };

/**
 * Headless Chromium as in CI: fake devices granted without a prompt, no outside network.
 * `env` replaces the browser's environment (e.g. another FONTCONFIG_FILE).
 */
export function launchBrowser({ env = process.env } = {}) {
  return puppeteer.launch({
    executablePath: CHROMIUM_BIN,
    env,
    headless: true,
    defaultViewport: VIEWPORT,
    args: [
      ...CHROMIUM_ARGS,
      "--disable-gpu",
      // Same glyph rasterisation on every run, whatever the host's settings.
      "--font-render-hinting=none",
    ],
  });
}

/**
 * A page in its own browser context (own storage, like a separate browser
 * profile), in light mode, recording console errors, page errors and CSP
 * violations from the first script on.
 */
export async function openPage(browser) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.emulateMediaFeatures([
    { name: "prefers-color-scheme", value: "light" },
    { name: "prefers-reduced-motion", value: "reduce" },
  ]);
  const problems = { consoleErrors: [], pageErrors: [] };
  page.on("console", (message) => {
    if (message.type() === "error") problems.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => problems.pageErrors.push(String(error)));
  // Runs before any page script, and is not subject to the page's CSP.
  await page.evaluateOnNewDocument(() => {
    globalThis.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      globalThis.__cspViolations.push(
        `${event.violatedDirective} blocked ${
          event.blockedURI || "inline"
        } (${event.sourceFile}:${event.lineNumber})`,
      );
    }, true);
  });
  return { page, context, problems, close: () => context.close() };
}

/** Makes every getUserMedia of the page reject as if the user denied camera and microphone. */
export function denyMedia(page) {
  return page.evaluateOnNewDocument(() => {
    const denied = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
    Object.defineProperty(MediaDevices.prototype, "getUserMedia", { value: denied });
  });
}

/**
 * Waits until `fn(...args)`, evaluated in the page, is truthy; polled from
 * here rather than with page.waitForFunction, which compiles its predicate
 * with `new Function` inside the page and so trips a strict CSP (no
 * 'unsafe-eval') that the CSP test must see untouched.
 */
export async function waitFor(page, what, fn, args = [], timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await page.evaluate(fn, ...args);
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the `<p2p-call>` matching `selector` is in `state`. */
export async function waitForState(page, selector, state, timeout = 20_000) {
  try {
    await waitFor(
      page,
      `${selector} in state ${state}`,
      (selector, state) => document.querySelector(selector)?.state === state,
      [selector, state],
      timeout,
    );
  } catch (error) {
    const actual = await page.evaluate((s) => document.querySelector(s)?.state, selector);
    throw new Error(`${error.message} (it is "${actual}")`);
  }
}

/** Waits until the element has registered with the service under `name`. */
export function waitForRegistered(page, selector, name) {
  return waitFor(
    page,
    `${selector} registered as ${name}`,
    (selector, name) => document.querySelector(selector)?.registeredName === name,
    [selector, name],
  );
}

/** Waits until the element's user list holds `name`. */
export function waitForUser(page, selector, name) {
  return waitFor(
    page,
    `${selector} lists ${name}`,
    (selector, name) => document.querySelector(selector)?.users?.includes(name) === true,
    [selector, name],
  );
}

/** The first element matching `partSelector` in the shadow root of `selector`'s element. */
export async function shadowElement(page, selector, partSelector) {
  const handle = await page.evaluateHandle(
    (selector, partSelector) =>
      document.querySelector(selector)?.shadowRoot?.querySelector(partSelector) ?? null,
    selector,
    partSelector,
  );
  const element = handle.asElement();
  if (!element) throw new Error(`no ${partSelector} in ${selector}`);
  return element;
}

/**
 * Opens `url` in a new page (see openPage; `deny` rejects getUserMedia) and joins
 * the room as `name` through the name form of the element matching `selector`.
 */
export async function joinByNameForm(browser, url, selector, name, { deny = false } = {}) {
  const session = await openPage(browser);
  if (deny) await denyMedia(session.page);
  await session.page.goto(url, { waitUntil: "load" });
  await waitFor(
    session.page,
    "the name form",
    (selector) =>
      document.querySelector(selector)?.shadowRoot?.querySelector('[part~="name-input"]'),
    [selector],
  );
  const input = await shadowElement(session.page, selector, '[part~="name-input"]');
  await input.type(name);
  await input.press("Enter");
  await input.dispose();
  await waitForRegistered(session.page, selector, name);
  return session;
}

/** Clicks a control in the element's shadow root, like a user with a mouse. */
export async function clickIn(page, selector, partSelector) {
  await waitFor(
    page,
    `${partSelector} in ${selector}`,
    (selector, partSelector) => {
      const control = document.querySelector(selector)?.shadowRoot?.querySelector(partSelector);
      return control !== null && control !== undefined && !control.disabled;
    },
    [selector, partSelector],
  );
  const control = await shadowElement(page, selector, partSelector);
  await control.click();
  await control.dispose();
}

/** Waits until the element's remote video decodes frames and its time advances. */
export async function expectRemoteFrames(page, selector) {
  const currentTime = (selector) => {
    const video = document.querySelector(selector)?.shadowRoot
      ?.querySelector('[part~="remote-video"]');
    return video && video.videoWidth > 0 ? video.currentTime : 0;
  };
  const start = await waitFor(page, `${selector} shows remote frames`, currentTime, [selector]);
  await waitFor(
    page,
    `${selector}'s remote video time advances`,
    (selector, start) => {
      const video = document.querySelector(selector)?.shadowRoot
        ?.querySelector('[part~="remote-video"]');
      return video !== null && video !== undefined && video.currentTime > start + 0.2;
    },
    [selector, start],
  );
}

// ---- a static server with headers of our choosing --------------------------------------

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".png": "image/png",
};

/**
 * Serves `pages` (path → {file, replace?}) and everything under dist/ at the
 * root, like the service does, with `headers` on every response. `replace`
 * fills `{{KEY}}` placeholders of a page.
 */
export function startStaticServer({ pages, headers = {} }) {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    try {
      const page = pages[path];
      let file;
      let body;
      if (page) {
        file = page.file;
        body = await readFile(file, "utf8");
        for (const [key, value] of Object.entries(page.replace ?? {})) {
          body = body.replaceAll(`{{${key}}}`, value);
        }
      } else if (path === "/favicon.ico") {
        response.writeHead(204, headers).end();
        return;
      } else {
        file = normalize(join(DIST, path));
        if (!file.startsWith(`${DIST}/`)) {
          throw Object.assign(new Error("outside"), { code: "ENOENT" });
        }
        body = await readFile(file);
      }
      response.writeHead(200, {
        ...headers,
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      response.end(body);
    } catch (error) {
      response.writeHead(error.code === "ENOENT" || error.code === "EISDIR" ? 404 : 500, headers);
      response.end(String(error.message));
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({
        origin: `http://127.0.0.1:${port}`,
        stop: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

// ---- screenshots ------------------------------------------------------------------------

/**
 * Styles that make a screenshot repeatable: live video, the call timer and
 * the measured call quality are covered (they change by the frame, the
 * second, the network; their boxes stay, so the layout is still compared),
 * no text caret blinks.
 */
const STABLE_STYLES = `
  p2p-call::part(remote-video),
  p2p-call::part(local-video) {
    visibility: hidden;
  }
  /* Not only invisible but out of the layout: the timer's width changes with
     its digits, and the quality button appears with the first measurement. */
  p2p-call::part(timer),
  p2p-call::part(quality-button) {
    display: none;
  }
  * {
    caret-color: transparent !important;
  }
`;

/**
 * Brings the page to a still frame: fonts loaded, focus and pointer out of
 * the way, every animation and transition (shadow roots included) at its end,
 * or at its start if it never ends.
 */
export async function settle(page) {
  await page.mouse.move(0, 0);
  await page.evaluate(async (styles) => {
    // A constructed style sheet, not a <style>: the service sends the demo pages
    // with `style-src 'self'`, which blocks inline styles but not adopted sheets.
    if (!globalThis.__e2eStable) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(styles);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      globalThis.__e2eStable = true;
    }
    let active = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    active?.blur?.();
    await document.fonts.ready;
    // A video's box takes its size from the stream once metadata arrived.
    const videos = [...document.querySelectorAll("p2p-call")]
      .flatMap((element) => [...(element.shadowRoot?.querySelectorAll("video") ?? [])])
      .filter((video) => video.srcObject && !video.hidden);
    const metadata = Promise.all(
      videos.map((video) =>
        video.readyState >= HTMLMediaElement.HAVE_METADATA
          ? null
          : new Promise((resolve) =>
            video.addEventListener("loadedmetadata", resolve, { once: true })
          )
      ),
    );
    await Promise.race([
      metadata,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error("video metadata did not arrive within 15 s")), 15_000)
      ),
    ]);
    for (const animation of document.getAnimations()) {
      try {
        animation.finish();
      } catch {
        animation.pause();
        animation.currentTime = 0;
      }
    }
    // Two frames, so style and layout changes above are painted.
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  }, STABLE_STYLES);
}

/**
 * Pixels that may differ beyond pixelmatch's color threshold (which already
 * ignores antialiased edges). Runs on the same Chromium differ in none; a
 * share of the page would let a changed word slip through.
 */
export const MAX_DIFF_PIXELS = 10;

/**
 * Takes a full-page screenshot, writes it to test-artifacts/screenshots/, and
 * compares it with test/screenshots/baselines/<name>.png. A missing baseline
 * is written and fails the test (so CI cannot pass without baselines) unless
 * UPDATE_SCREENSHOTS=1, which (re)writes every baseline. On a mismatch a
 * diff image is saved beside the screenshot.
 */
export async function expectScreenshot(page, name) {
  await settle(page);
  const png = Buffer.from(await page.screenshot({ fullPage: true, captureBeyondViewport: true }));
  await mkdir(ARTIFACTS, { recursive: true });
  const actualPath = join(ARTIFACTS, `${name}.png`);
  await writeFile(actualPath, png);

  const baselinePath = join(BASELINES, `${name}.png`);
  const update = process.env.UPDATE_SCREENSHOTS === "1";
  if (update || !existsSync(baselinePath)) {
    await mkdir(dirname(baselinePath), { recursive: true });
    await writeFile(baselinePath, png);
    if (update) return;
    throw new Error(
      `no baseline for "${name}": wrote ${baselinePath} from this run; check it, commit it, ` +
        "and run again (UPDATE_SCREENSHOTS=1 rewrites all baselines)",
    );
  }

  const actual = PNG.sync.read(png);
  const expected = PNG.sync.read(await readFile(baselinePath));
  if (actual.width !== expected.width || actual.height !== expected.height) {
    throw new Error(
      `"${name}" is ${actual.width}×${actual.height}, its baseline ${expected.width}×${expected.height} ` +
        `(see ${actualPath}; UPDATE_SCREENSHOTS=1 accepts it)`,
    );
  }
  const diff = new PNG({ width: actual.width, height: actual.height });
  const differing = pixelmatch(
    expected.data,
    actual.data,
    diff.data,
    actual.width,
    actual.height,
    { threshold: 0.1 },
  );
  const diffPath = join(ARTIFACTS, `${name}.diff.png`);
  if (differing > MAX_DIFF_PIXELS) {
    await writeFile(diffPath, PNG.sync.write(diff));
    throw new Error(
      `"${name}" differs from its baseline in ${differing} pixels (allowed ${MAX_DIFF_PIXELS}): ` +
        `see ${actualPath} and ${diffPath}; UPDATE_SCREENSHOTS=1 accepts the change`,
    );
  }
  // A diff of an earlier failing run would only mislead.
  await rm(diffPath, { force: true });
}
