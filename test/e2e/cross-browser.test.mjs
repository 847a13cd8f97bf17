/**
 * Issue 7, Firefox: a call between two different browsers. One `<p2p-call>`
 * in headless Chromium and one in headless Firefox ESR (Debian's
 * /usr/bin/firefox-esr, driven by puppeteer-core over WebDriver BiDi), each on
 * the demo page served by the real signaling service from the built dist/,
 * in the same room. Each side calls the other once: both reach `connected`
 * and both remote videos decode frames whose time advances, and a hang-up
 * ends the call on both sides.
 *
 * The widget suite (test/widget/, web-test-runner.firefox.config.mjs) runs
 * Firefox↔Firefox calls; @web/test-runner runs each test file in one browser,
 * so the mixed call lives here.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import puppeteer from "puppeteer-core";
import { FIREFOX_BIN, FIREFOX_PREFS } from "../support/browsers.mjs";
import {
  clickIn,
  expectRemoteFrames,
  launchBrowser,
  requireBuild,
  shadowElement,
  startService,
  VIEWPORT,
  waitFor,
  waitForRegistered,
  waitForState,
  waitForUser,
} from "./harness.mjs";

const ELEMENT = "p2p-call";

/**
 * Headless Firefox with what the widget tests give it (web-test-runner.firefox.config.mjs):
 * fake camera and microphone without a prompt, autoplay with sound, loopback
 * and unobfuscated host candidates, a mock audio backend (no sound card here).
 */
function launchFirefox() {
  return puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX_BIN,
    headless: true,
    defaultViewport: VIEWPORT,
    extraPrefsFirefox: FIREFOX_PREFS,
  });
}

/** Opens the demo page in `browser`, joins the room as `name` through the element's name form. */
async function join(browser, url, name) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => {
    // The service has no favicon.ico; Chromium asks for it and logs the 404.
    if (message.location()?.url?.endsWith("/favicon.ico")) return;
    if (message.type() === "error") errors.push(`${message.text()} ${message.location()?.url}`);
  });
  await page.goto(url, { waitUntil: "load" });
  await waitFor(
    page,
    `the name form (${name})`,
    // A boolean: an element does not cross WebDriver BiDi as a truthy value.
    (selector) =>
      !!document.querySelector(selector)?.shadowRoot?.querySelector('[part~="name-input"]'),
    [ELEMENT],
    30_000,
  );
  const input = await shadowElement(page, ELEMENT, '[part~="name-input"]');
  await input.type(name);
  await input.press("Enter");
  await input.dispose();
  await waitForRegistered(page, ELEMENT, name);
  return { page, errors };
}

/** Clicks the call button next to `name` in the element's user list. */
async function clickCall(page, name) {
  await waitForUser(page, ELEMENT, name);
  const button = (await page.evaluateHandle(
    (selector, name) =>
      [...document.querySelector(selector).shadowRoot.querySelectorAll('[part~="user"]')]
        .find((user) => user.textContent.includes(name))
        ?.querySelector('[part~="call-button"]') ?? null,
    ELEMENT,
    name,
  )).asElement();
  assert.ok(button, `a call button for ${name}`);
  await button.click();
  await button.dispose();
}

/** What the call runs on, from the caller's peer connection: both sides' codecs and the pair. */
const describeCall = (page) =>
  page.evaluate(async (selector) => {
    const pc = document.querySelector(selector).peerConnection;
    const stats = [...(await pc.getStats()).values()];
    const codecs = stats.filter((entry) => entry.type === "codec").map((entry) => entry.mimeType);
    return { connectionState: pc.connectionState, codecs: [...new Set(codecs)].sort() };
  }, ELEMENT);

describe("a call between Chromium and Firefox", { timeout: 180_000 }, () => {
  let service;
  let chromium;
  let firefox;
  let chromiumSide;
  let firefoxSide;

  before(async () => {
    requireBuild();
    [service, chromium, firefox] = await Promise.all([
      startService(),
      launchBrowser(),
      launchFirefox(),
    ]);
    const userAgent = await firefox.userAgent();
    assert.match(userAgent, /Firefox\//, "the second browser is Firefox");
    chromiumSide = await join(chromium, `${service.origin}/`, "Chromium");
    firefoxSide = await join(firefox, `${service.origin}/`, "Firefox");
  });

  after(async () => {
    await Promise.allSettled([chromium?.close(), firefox?.close()]);
    await service?.stop();
  });

  for (const [callerName, calleeName] of [["Chromium", "Firefox"], ["Firefox", "Chromium"]]) {
    it(`${callerName} calls ${calleeName}: both see the other's video, and hang-up ends both`, async () => {
      const sides = { Chromium: chromiumSide, Firefox: firefoxSide };
      const [caller, callee] = [sides[callerName], sides[calleeName]];

      await clickCall(caller.page, calleeName);
      await waitForState(callee.page, ELEMENT, "ringing", 30_000);
      await clickIn(callee.page, ELEMENT, '[part~="accept-button"]');

      await Promise.all([
        waitForState(caller.page, ELEMENT, "connected", 45_000),
        waitForState(callee.page, ELEMENT, "connected", 45_000),
      ]);
      await Promise.all([
        expectRemoteFrames(caller.page, ELEMENT),
        expectRemoteFrames(callee.page, ELEMENT),
      ]);
      const peerOf = (page) =>
        page.evaluate((selector) => document.querySelector(selector).peer, ELEMENT);
      assert.deepEqual(
        [await peerOf(caller.page), await peerOf(callee.page)],
        [calleeName, callerName],
      );
      const call = await describeCall(caller.page);
      assert.equal(call.connectionState, "connected");
      assert.ok(call.codecs.some((codec) => codec.startsWith("video/")), JSON.stringify(call));
      if (process.env.E2E_VERBOSE) console.log(callerName, "→", calleeName, JSON.stringify(call));

      await clickIn(callee.page, ELEMENT, '[part~="hangup-button"]');

      await Promise.all([
        waitForState(caller.page, ELEMENT, "ended", 20_000),
        waitForState(callee.page, ELEMENT, "ended", 20_000),
      ]);
      assert.deepEqual(
        { Chromium: chromiumSide.errors, Firefox: firefoxSide.errors },
        { Chromium: [], Firefox: [] },
        "no page errors or console errors",
      );
    });
  }
});
