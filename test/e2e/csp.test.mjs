/**
 * Issue 6, "strict host pages": the built bundle runs a full call on a page
 * whose Content-Security-Policy allows only this origin's external scripts
 * and stylesheets (no eval, no inline script or style, nothing remote), with
 * no CSP violation and no console error.
 *
 * The page and dist/ come from a small server of this test (the service sends
 * no CSP header of its own); the elements talk to the real signaling service
 * on another port, which `connect-src … ws://127.0.0.1:*` allows.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import {
  clickIn,
  expectRemoteFrames,
  FIXTURES,
  launchBrowser,
  openPage,
  requireBuild,
  startService,
  startStaticServer,
  waitFor,
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
