/**
 * Screenshots of both demo pages, served by the real signaling service from
 * the built dist/, in headless Chromium with a fake camera: registered and
 * idle, an incoming call, in a call, and a denied camera. Each is compared
 * with test/screenshots/baselines/ (see expectScreenshot in harness.mjs);
 * the PNGs of the run are kept in test-artifacts/screenshots/.
 *
 * Live video and the call timer are hidden before a screenshot (their pixels
 * change by the frame); everything else must match.
 */
import { after, before, describe, it } from "node:test";
import {
  clickIn,
  expectRemoteFrames,
  expectScreenshot,
  joinByNameForm as join,
  launchBrowser,
  requireBuild,
  startService,
  waitFor,
  waitForState,
  waitForUser,
} from "./harness.mjs";

const ELEMENT = "p2p-call";

/** Clicks the call button next to `name` in the element's user list. */
async function clickCall(page, name) {
  await waitForUser(page, ELEMENT, name);
  await waitFor(
    page,
    `a call button for ${name}`,
    (selector, name) =>
      [...document.querySelector(selector).shadowRoot.querySelectorAll('[part~="user"]')]
        .some((user) => user.textContent.includes(name) && user.querySelector("button")),
    [ELEMENT, name],
  );
  const button = (await page.evaluateHandle(
    (selector, name) =>
      [...document.querySelector(selector).shadowRoot.querySelectorAll('[part~="user"]')]
        .find((user) => user.textContent.includes(name))
        .querySelector('[part~="call-button"]'),
    ELEMENT,
    name,
  )).asElement();
  await button.click();
  await button.dispose();
}

const demos = [
  { id: "index", path: "/", names: ["Alice", "Bob", "Carol"] },
  // Other names: a name may stay reserved for a reconnect for a while.
  { id: "cms", path: "/cms.html", names: ["Dana", "Eli", "Fay"] },
];

describe("demo page screenshots", { timeout: 120_000 }, () => {
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

  for (const { id, path, names: [caller, callee, third] } of demos) {
    describe(`${path}`, () => {
      const sessions = [];
      let a;
      let b;

      after(async () => {
        await Promise.all(sessions.map((session) => session.close()));
      });

      it("idle, registered, someone to call", async () => {
        a = await join(browser, `${service.origin}${path}`, ELEMENT, caller);
        b = await join(browser, `${service.origin}${path}`, ELEMENT, callee);
        sessions.push(a, b);
        await waitForUser(a.page, ELEMENT, callee);
        await expectScreenshot(a.page, `${id}-idle`);
      });

      it("an incoming call", async () => {
        await clickCall(a.page, callee);
        await waitForState(b.page, ELEMENT, "ringing");
        await expectScreenshot(b.page, `${id}-ringing`);
      });

      it("in a call (video hidden)", async () => {
        await clickIn(b.page, ELEMENT, '[part~="accept-button"]');
        await waitForState(a.page, ELEMENT, "connected");
        await waitForState(b.page, ELEMENT, "connected");
        await expectRemoteFrames(a.page, ELEMENT);
        await expectRemoteFrames(b.page, ELEMENT);
        await expectScreenshot(a.page, `${id}-call`);
        await clickIn(a.page, ELEMENT, '[part~="hangup-button"]');
        await waitForState(b.page, ELEMENT, "ended");
      });

      it("a denied camera", async () => {
        const c = await join(browser, `${service.origin}${path}`, ELEMENT, third, {
          deny: true,
        });
        sessions.push(c);
        await clickCall(c.page, caller);
        await waitForState(c.page, ELEMENT, "failed");
        await waitFor(
          c.page,
          "the error message",
          (selector) =>
            document.querySelector(selector).shadowRoot.querySelector('[part~="error"]')
              ?.textContent.trim(),
          [ELEMENT],
        );
        await expectScreenshot(c.page, `${id}-error`);
      });
    });
  }
});
