/**
 * Shared setup for the browser tests: the real signaling service (through the
 * runner plugin's server commands), fixtures of calling elements, and waits
 * on observable outcomes (never fixed sleeps).
 */
import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import sinon, { type SinonSpy } from "sinon";
import "../../widget/src/element/p2p-call.ts";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import type { CallState } from "../../widget/src/api/call-state.ts";

export interface SignalingService {
  url: string;
  port: number;
}

export const startSignaling = (port?: number): Promise<SignalingService> =>
  executeServerCommand("signaling-start", port === undefined ? {} : { port });

export const stopSignaling = (signal: "SIGTERM" | "SIGKILL" = "SIGTERM") =>
  executeServerCommand<{ stopped: boolean; port: number | null }, { signal: string }>(
    "signaling-stop",
    { signal },
  );

export const restartSignaling = (signal: "SIGTERM" | "SIGKILL" = "SIGTERM") =>
  executeServerCommand<SignalingService, { signal: string }>("signaling-restart", { signal });

let counter = 0;
/** A room no other test uses, so user lists only hold this test's elements. */
export const uniqueRoom = (): string => `room-${Date.now().toString(36)}-${++counter}`;

/** Mounts one `<p2p-call>` per name in a fresh room and waits until all see each other. */
export async function mountCallers(
  url: string,
  names: readonly string[],
  attributes: { ringTimeout?: number } = {},
): Promise<P2pCall[]> {
  const room = uniqueRoom();
  const container = await fixture<HTMLDivElement>(html`
    <div>
      ${names.map((name) =>
        html`
          <p2p-call
            signaling=${url}
            name=${name}
            room=${room}
            ring-timeout=${attributes.ringTimeout ?? 30_000}
          ></p2p-call>
        `
      )}
    </div>
  `);
  const elements = [...container.querySelectorAll("p2p-call")];
  await waitUntil(
    () => elements.every((element) => element.users.length === names.length - 1),
    "every element should see the others in its room",
    { timeout: 10_000 },
  );
  return elements;
}

export function waitForState(
  element: P2pCall,
  state: CallState,
  timeout = 15_000,
): Promise<void> {
  return waitUntil(
    () => element.state === state,
    `${element.name} should reach state "${state}" (is "${element.state}")`,
    { timeout },
  );
}

export const part = <T extends Element = HTMLElement>(element: P2pCall, name: string): T | null =>
  element.shadowRoot!.querySelector<T>(`[part~="${name}"]`);

/**
 * The part once it is there: the call engine's controls (the tools row
 * among them) render a moment after the element's first render.
 */
export async function partWhenShown<T extends Element = HTMLElement>(
  element: P2pCall,
  name: string,
): Promise<T> {
  await waitUntil(() => part(element, name), `${name} is shown`, { timeout: 10_000 });
  return part<T>(element, name)!;
}

/** Waits until the element's remote video decodes frames and its time advances. */
export async function expectRemoteFrames(element: P2pCall): Promise<void> {
  const video = part<HTMLVideoElement>(element, "remote-video")!;
  await waitUntil(
    () => video.videoWidth > 0 && video.currentTime > 0,
    `${element.name}'s remote video should show frames`,
    { timeout: 15_000 },
  );
  const start = video.currentTime;
  await waitUntil(
    () => video.currentTime > start + 0.2,
    `${element.name}'s remote video time should advance`,
    { timeout: 10_000 },
  );
}

/** Calls `callee` from `caller`, accepts, and waits until both are connected. */
export async function connect(caller: P2pCall, callee: P2pCall): Promise<void> {
  const ringing = waitForState(callee, "ringing");
  await caller.call(callee.registeredName!);
  await ringing;
  await callee.accept();
  await Promise.all([waitForState(caller, "connected"), waitForState(callee, "connected")]);
}

/** Relay messages of a type this page's sockets sent, from a spy on WebSocket#send. */
export function sentMessages(
  send: SinonSpy<Parameters<WebSocket["send"]>, void>,
  type: string,
): Record<string, unknown>[] {
  return send.getCalls()
    .map((call) => typeof call.args[0] === "string" ? JSON.parse(call.args[0]) : null)
    .filter((message) => message?.type === type);
}

// No console noise: any console.error/warn during a test fails it (Lit's dev
// build reports misuse this way, and the element itself never logs).
const consoleSandbox = sinon.createSandbox();
beforeEach(() => {
  consoleSandbox.spy(console, "error");
  consoleSandbox.spy(console, "warn");
});
afterEach(() => {
  const spies = [console.error, console.warn] as unknown as SinonSpy[];
  const calls = spies.flatMap((spy) => spy.getCalls().map((call) => call.args.join(" ")));
  consoleSandbox.restore();
  expect(calls, "console output during the test").to.deep.equal([]);
});

/** The next `name` event of `target`, typed through HTMLElementEventMap. */
export const nextEvent = <K extends keyof HTMLElementEventMap>(
  target: HTMLElement,
  name: K,
): Promise<HTMLElementEventMap[K]> =>
  new Promise((resolve) => target.addEventListener(name, resolve, { once: true }));

/**
 * Makes the next two offers collide (glare) every run: each side's offer and
 * its candidates are held until both offers exist, so each arrives while the
 * other side has an offer of its own outstanding. Restore with sinon.restore().
 */
export function collideNextOffers(): void {
  const realSend = WebSocket.prototype.send;
  const held: [WebSocket, string][] = [];
  let offersHeld = 0;
  sinon.stub(WebSocket.prototype, "send").callsFake(function (this: WebSocket, data) {
    const message = typeof data === "string" ? JSON.parse(data) : null;
    if (offersHeld === 2 || !["video-offer", "new-ice-candidate"].includes(message?.type)) {
      realSend.call(this, data);
      return;
    }
    held.push([this, String(data)]);
    if (message.type === "video-offer" && ++offersHeld === 2) {
      held.splice(0).forEach(([socket, text]) => realSend.call(socket, text));
    }
  });
}

/** The tests run in Chromium and Firefox; a few assertions depend on the browser's fakes. */
export const FIREFOX = navigator.userAgent.includes("Firefox/");

/**
 * Returns `end(track)`, which ends a capture track the way the browser does when
 * its source goes away (camera unplugged, the browser's own "Stop sharing"):
 * the track stops and `ended` fires. Script can only stop() it, which fires
 * nothing, and dispatch an untrusted `ended` — which Firefox hands to the
 * track's `onended` but not to its addEventListener listeners. So the `ended`
 * listeners added from now on are recorded, and called directly where the
 * dispatched event does not reach them. Call it before the tracks are opened;
 * sinon.restore() undoes it.
 */
export function trackEnder(): (track: MediaStreamTrack) => void {
  const listeners = new WeakMap<MediaStreamTrack, EventListenerOrEventListenerObject[]>();
  const add = EventTarget.prototype.addEventListener;
  sinon.stub(MediaStreamTrack.prototype, "addEventListener").callsFake(
    function (this: MediaStreamTrack, type, listener, options) {
      if (type === "ended" && listener) {
        listeners.set(this, [...(listeners.get(this) ?? []), listener]);
      }
      add.call(this, type, listener, options);
    },
  );
  return (track) => {
    track.stop();
    let delivered = false;
    const probe = () => delivered = true;
    add.call(track, "ended", probe);
    const ended = new Event("ended");
    track.dispatchEvent(ended);
    track.removeEventListener("ended", probe);
    if (delivered) return;
    for (const listener of listeners.get(track) ?? []) {
      if (typeof listener === "function") listener.call(track, ended);
      else listener.handleEvent(ended);
    }
  };
}
