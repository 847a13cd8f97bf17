/**
 * Issue 6, "strict host pages": the built bundle runs a full call on a page
 * whose Content-Security-Policy allows only this origin's external scripts
 * and stylesheets (no eval, no inline script or style, nothing remote), with
 * no CSP violation and no console error.
 *
 * The page and dist/ come from a small server of this test; the elements
 * talk to the real signaling service on another port, which
 * `connect-src … ws://127.0.0.1:*` allows.
 *
 * Issue 11: the service's own demo page, under the CSP the service itself
 * sends (and `frame-ancestors 'none'`), runs a full call the same way.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  clickIn,
  expectRemoteFrames,
  FIXTURES,
  launchBrowser,
  openPage,
  requireBuild,
  shadowElement,
  startService,
  startStaticServer,
  waitFor,
  waitForRegistered,
  waitForState,
  waitForUser,
} from "./harness.mjs";

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; " +
  "connect-src 'self' ws://127.0.0.1:*; media-src 'self' blob: mediastream:";

describe("a CSP-strict host page", { timeout: 90_000 }, () => {
  let service;
  let site;
  let browser;

  before(async () => {
    requireBuild();
    [service, browser] = await Promise.all([startService(), launchBrowser()]);
    site = await startStaticServer({
      headers: { "content-security-policy": CSP },
      pages: {
        "/": { file: join(FIXTURES, "csp.html"), replace: { SIGNALING: service.wsUrl } },
        "/csp.css": { file: join(FIXTURES, "csp.css") },
      },
    });
  });

  after(async () => {
    await browser?.close();
    await site?.stop();
    await service?.stop();
  });

  it("runs a full call without a CSP violation or console error", async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      const response = await page.goto(`${site.origin}/`, { waitUntil: "load" });
      assert.equal(response.headers()["content-security-policy"], CSP);
      await waitForUser(page, "#alice", "bob");
      await waitForUser(page, "#bob", "alice");

      // The way a user does it: alice clicks "Call" next to bob, bob accepts.
      await clickIn(page, "#alice", '[part~="call-button"]');
      await waitForState(page, "#bob", "ringing");
      await clickIn(page, "#bob", '[part~="accept-button"]');
      await waitForState(page, "#alice", "connected");
      await waitForState(page, "#bob", "connected");
      await expectRemoteFrames(page, "#alice");
      await expectRemoteFrames(page, "#bob");

      // The element's styles applied (adopted style sheets are allowed by
      // style-src 'self'; an inline <style> would not be).
      const hostDisplay = await page.evaluate(() =>
        getComputedStyle(document.querySelector("#alice")).display
      );
      assert.equal(hostDisplay, "block");

      await clickIn(page, "#alice", '[part~="hangup-button"]');
      await waitForState(page, "#alice", "ended");
      await waitForState(page, "#bob", "ended");

      const violations = await page.evaluate(() => globalThis.__cspViolations);
      assert.deepEqual(violations, [], "CSP violations");
      assert.deepEqual(problems.pageErrors, [], "uncaught page errors");
      assert.deepEqual(problems.consoleErrors, [], "console errors");

      // The listener above is live: an inline style is reported.
      await page.evaluate(() => {
        const probe = document.createElement("div");
        probe.setAttribute("style", "color: red");
        document.body.append(probe);
      });
      await waitFor(page, "the probe's violation", () => globalThis.__cspViolations.length > 0);
      const [probe] = await page.evaluate(() => globalThis.__cspViolations);
      assert.match(probe, /^style-src/);
    } finally {
      await close();
    }
  });
});

/** Loads the service's demo page and joins the room through the element's name form. */
async function joinDemo(browser, url, name) {
  const session = await openPage(browser);
  const failed = [];
  session.page.on("response", (r) => r.status() >= 400 && failed.push(new URL(r.url()).pathname));
  const response = await session.page.goto(url, { waitUntil: "load" });
  await waitFor(
    session.page,
    "the name form",
    () => document.querySelector("p2p-call")?.shadowRoot?.querySelector('[part~="name-input"]'),
  );
  const input = await shadowElement(session.page, "p2p-call", '[part~="name-input"]');
  await input.type(name);
  await input.press("Enter");
  await input.dispose();
  await waitForRegistered(session.page, "p2p-call", name);
  return { ...session, response, failed };
}

describe("the service's own demo page under the CSP the service sends", { timeout: 90_000 }, () => {
  let service;
  let browser;

  before(async () => {
    requireBuild();
    [service, browser] = await Promise.all([startService(), launchBrowser()]);
  });

  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  it("runs a full call without a CSP violation or console error, and may not be framed", async () => {
    const a = await joinDemo(browser, `${service.origin}/`, "Ines");
    const b = await joinDemo(browser, `${service.origin}/`, "Jon");
    try {
      const csp = a.response.headers()["content-security-policy"];
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.equal(a.response.headers()["x-frame-options"], "DENY");
      assert.equal(a.response.headers()["referrer-policy"], "no-referrer");

      await waitForUser(a.page, "p2p-call", "Jon");
      const call = (await a.page.evaluateHandle(() =>
        [...document.querySelector("p2p-call").shadowRoot.querySelectorAll('[part~="user"]')]
          .find((user) =>
            user.textContent.includes("Jon")
          )
          .querySelector('[part~="call-button"]')
      )).asElement();
      await call.click();
      await call.dispose();
      await waitForState(b.page, "p2p-call", "ringing");
      await clickIn(b.page, "p2p-call", '[part~="accept-button"]');
      await waitForState(a.page, "p2p-call", "connected");
      await waitForState(b.page, "p2p-call", "connected");
      await expectRemoteFrames(a.page, "p2p-call");
      await expectRemoteFrames(b.page, "p2p-call");
      await clickIn(a.page, "p2p-call", '[part~="hangup-button"]');
      await waitForState(b.page, "p2p-call", "ended");

      for (const { page, problems, failed } of [a, b]) {
        assert.deepEqual(
          await page.evaluate(() => globalThis.__cspViolations),
          [],
          "CSP violations",
        );
        assert.deepEqual(problems.pageErrors, [], "uncaught page errors");
        // The service has no favicon; the browser asks for one and logs the 404.
        assert.deepEqual([...new Set(failed)], failed.length ? ["/favicon.ico"] : []);
        const errors = problems.consoleErrors.filter((text) =>
          !(failed.length && /^Failed to load resource: .* 404/.test(text))
        );
        assert.deepEqual(errors, [], "console errors");
      }

      // Framed by another origin (a page of the test's own server): the browser refuses.
      const dir = await mkdtemp(join(tmpdir(), "p2p-call-framer-"));
      const framerPage = join(dir, "framer.html");
      await writeFile(framerPage, `<!doctype html><iframe src="${service.origin}/"></iframe>`);
      const framer = await startStaticServer({ pages: { "/": { file: framerPage } } });
      try {
        const { page, close } = await openPage(browser);
        try {
          await page.goto(`${framer.origin}/`, { waitUntil: "load" });
          await new Promise((resolve) => setTimeout(resolve, 500));
          const framed = page.frames().find((frame) => frame !== page.mainFrame());
          const loaded = framed
            ? await framed.evaluate(() => !!document.querySelector("p2p-call")).catch(() => false)
            : false;
          assert.equal(loaded, false, "the demo page loaded inside another site's frame");
        } finally {
          await close();
        }
      } finally {
        await framer.stop();
        await rm(dir, { recursive: true });
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
