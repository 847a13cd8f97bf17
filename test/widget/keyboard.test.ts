/**
 * Issue 7, accessibility: a whole call works from the keyboard alone, with
 * real key presses (sendKeys goes through the browser's input pipeline, so
 * Tab order, Enter and Space on buttons behave as for a user), focus lands
 * somewhere sensible when the control that had it goes away, and the status
 * line announces every state change from one persistent live region.
 */
import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import { sendKeys } from "@web/test-runner-commands";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import {
  expectRemoteFrames,
  mountCallers,
  part,
  startSignaling,
  uniqueRoom,
  waitForState,
} from "./helpers.ts";
import { itWithWebRTC } from "./webrtc-gate.ts";

/** The focused element, looking through open shadow roots. */
function deepActiveElement(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

/** The `part` of the focused control if it is inside `element`, else `null`. */
function focusedPart(element: P2pCall): string | null {
  const active = deepActiveElement();
  return active && element.shadowRoot!.contains(active) ? active.getAttribute("part") : null;
}

function accessibleName(control: Element): string {
  const labelledBy = control.getAttribute("aria-labelledby");
  const root = control.getRootNode() as ShadowRoot | Document;
  return (
    control.getAttribute("aria-label") ??
      (labelledBy ? root.getElementById(labelledBy)?.textContent : null) ??
      control.closest("label")?.textContent ??
      control.textContent ??
      ""
  ).trim();
}

/**
 * Presses Tab (or Shift+Tab) until a control of `element` whose part list
 * holds `target` has focus. Returns the parts of `element` passed on the way;
 * every focused control must have an accessible name.
 */
async function tabTo(
  element: P2pCall,
  target: string,
  { backwards = false, max = 40 } = {},
): Promise<string[]> {
  const visited: string[] = [];
  for (let presses = 0; presses < max; presses++) {
    if (backwards) await sendKeys({ down: "Shift" });
    await sendKeys({ press: "Tab" });
    if (backwards) await sendKeys({ up: "Shift" });
    const active = deepActiveElement();
    if (active && active !== document.body) {
      expect(accessibleName(active), `focused control ${active.outerHTML}`).not.to.equal("");
    }
    const focused = focusedPart(element);
    if (focused === null) continue;
    visited.push(focused);
    if (focused.split(/\s+/).includes(target)) return visited;
  }
  throw new Error(`${target} of ${element.name} not reached by ${max} Tab presses: ${visited}`);
}

/** Every text the live region showed, in order, for as long as it exists. */
function recordAnnouncements(region: Element): string[] {
  const texts = [region.textContent!.trim()];
  new MutationObserver(() => {
    const text = region.textContent!.trim();
    if (text !== texts.at(-1)) texts.push(text);
  }).observe(region, { childList: true, characterData: true, subtree: true });
  return texts;
}

describe("<p2p-call> by keyboard", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  beforeEach(() => {
    // Start every test with nothing focused, like a freshly loaded page.
    (document.activeElement as HTMLElement | null)?.blur();
  });

  it("joins through the name form with Tab, typing and Enter", async () => {
    const element = await fixture<P2pCall>(html`
      <p2p-call signaling=${url} room=${uniqueRoom()}></p2p-call>
    `);
    await waitUntil(() => element.signalingStatus === "online", "connected to the service");

    await tabTo(element, "name-input");
    await sendKeys({ type: "carol" });
    await sendKeys({ press: "Enter" });

    await waitUntil(() => element.registeredName === "carol", "registered as carol");
  });

  itWithWebRTC(
    "calls, answers, mutes, turns the camera off and hangs up with keys only",
    async () => {
      const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
      const aliceStatus = part(alice, "status")!;
      const bobStatus = part(bob, "status")!;
      const aliceHeard = recordAnnouncements(aliceStatus);
      const bobHeard = recordAnnouncements(bobStatus);

      // Alice: Tab to "Call bob", Enter.
      await tabTo(alice, "call-button");
      expect(accessibleName(deepActiveElement()!)).to.equal("Call bob");
      await sendKeys({ press: "Enter" });
      await waitForState(bob, "ringing");
      await alice.updateComplete;
      // The call button went away with the user list: focus moved to what
      // now matters instead of falling back to the page.
      expect(focusedPart(alice), "focus after calling").to.equal("hangup-button");

      // Bob: Tab to the prompt; Accept, Answer without camera, Decline in that order.
      await bob.updateComplete;
      await tabTo(bob, "accept-button");
      const prompt = [focusedPart(bob)];
      await sendKeys({ press: "Tab" });
      prompt.push(focusedPart(bob));
      await sendKeys({ press: "Tab" });
      prompt.push(focusedPart(bob));
      expect(prompt).to.deep.equal(["accept-button", "accept-audio-button", "decline-button"]);
      await tabTo(bob, "accept-button", { backwards: true });
      await sendKeys({ press: "Enter" });

      await Promise.all([waitForState(alice, "connected"), waitForState(bob, "connected")]);
      await expectRemoteFrames(alice);
      await bob.updateComplete;
      expect(focusedPart(bob), "focus after accepting").to.equal("hangup-button");

      // Alice: back to her controls; Enter mutes, Space turns the camera off.
      await alice.updateComplete;
      const order = await tabTo(alice, "mute-button", { backwards: true });
      expect(order.at(-1)).to.equal("mute-button");
      await sendKeys({ press: "Enter" });
      await waitUntil(() => alice.muted, "Enter on Mute mutes");
      expect(part(alice, "mute-button")!.getAttribute("aria-pressed")).to.equal("true");

      await tabTo(alice, "camera-button");
      // " ", not "Space": puppeteer's WebDriver BiDi keyboard (Firefox) knows only the former.
      await sendKeys({ press: " " });
      await waitUntil(() => alice.cameraOff, "Space on Camera off turns the camera off");
      expect(part(alice, "camera-button")!.getAttribute("aria-pressed")).to.equal("true");
      expect(alice.state).to.equal("connected");

      await tabTo(alice, "hangup-button");
      await sendKeys({ press: "Enter" });
      await Promise.all([waitForState(alice, "ended"), waitForState(bob, "ended")]);
      await alice.updateComplete;
      expect(focusedPart(alice), "focus after hanging up").to.equal("call-button");

      // One live region per element, present throughout, announced every step.
      expect(part(alice, "status")).to.equal(aliceStatus);
      expect(part(bob, "status")).to.equal(bobStatus);
      expect(aliceStatus.getAttribute("aria-live")).to.equal("polite");
      expect(aliceHeard).to.include.members([
        "Calling bob…",
        "In a call with bob.",
        "Call with bob ended.",
      ]);
      expect(bobHeard).to.include.members(["alice is calling you.", "alice hung up."]);
    },
  );

  itWithWebRTC("visits the in-call controls in the order they are shown", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await alice.call("bob");
    await waitForState(bob, "ringing");
    await bob.accept();
    await waitForState(alice, "connected");
    await waitUntil(() => part(alice, "camera-picker") !== null, "the device pickers");
    (document.activeElement as HTMLElement | null)?.blur();

    const visited = await tabTo(alice, "microphone-picker");

    const known = ["mute-button", "camera-button", "hangup-button", "camera-picker"]
      .map((name) => visited.findIndex((parts) => parts.split(/\s+/).includes(name)));
    expect(known.every((index) => index >= 0), `visited ${visited}`).to.equal(true);
    expect([...known].sort((a, b) => a - b), `visited ${visited}`).to.deep.equal(known);
  });
});
