/**
 * Issue 6: a reload during a call keeps identity and call. One side lives in
 * an iframe of its own that the test really reloads: the page goes away
 * (pagehide, socket closed with 1001) and a fresh page comes back with the
 * same sessionStorage, takes its name back with its resume token, and calls
 * again. The other side shows `reconnecting`, never `ended`, and then media
 * flows again in a fresh connection.
 */
import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import sinon from "sinon";
import type { CallState } from "../../widget/src/api/call-state.ts";
import type { P2pStateChangeEvent, P2pUserListEvent } from "../../widget/src/api/events.ts";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import { expectRemoteFrames, uniqueRoom, waitForState } from "./helpers.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

interface Framed {
  frame: HTMLIFrameElement;
  /** The element of the frame's current page (a new one after each reload). */
  element(): P2pCall | null;
}

/** A `<p2p-call>` in its own page (test/widget/pages/reload-frame.html), auto-answering. */
async function mountFramed(attributes: Record<string, string>): Promise<Framed> {
  const query = new URLSearchParams({ ...attributes, "auto-answer": "" });
  const frame = await fixture<HTMLIFrameElement>(html`
    <iframe
      title="reloading side"
      style="width: 400px; height: 400px"
      src=${`/test/widget/pages/reload-frame.html?${query}`}
    ></iframe>
  `);
  const element = () => frame.contentDocument?.querySelector("p2p-call") ?? null;
  return { frame, element };
}

/** Every state `element` enters from now on. */
function recordStates(element: P2pCall): CallState[] {
  const states: CallState[] = [];
  element.addEventListener("p2p-state-change", (event: P2pStateChangeEvent) => {
    states.push(event.state);
  });
  return states;
}

describeWithWebRTC("<p2p-call> reload during a call (resume)", () => {
  let url: string;

  afterEach(() => sinon.restore());

  before(async () => {
    // This file's own service, with the default 20 s grace.
    await executeServerCommand("signaling-stop", {});
    ({ url } = await executeServerCommand<{ url: string }, { args: string[] }>(
      "signaling-start",
      { args: [] },
    ));
  });

  it("the other side shows reconnecting, never ended, and the call comes back with frames", async function () {
    // Firefox closes a page's WebSockets (1001) when a navigation starts,
    // after beforeunload and before pagehide: the reloading page cannot send
    // its `hang-up` (resume), so alice learns of the reload from bob's call
    // back itself and moves reconnecting → connecting at once.
    this.timeout(90_000);
    const room = uniqueRoom();
    const alice = await fixture<P2pCall>(
      html`<p2p-call signaling=${url} name="alice" room=${room}></p2p-call>`,
    );
    const bob = await mountFramed({ signaling: url, name: "bob", room });
    await waitUntil(() => alice.users.includes("bob"), "bob joins", { timeout: 20_000 });

    await alice.call("bob");
    await waitForState(alice, "connected", 30_000);
    await expectRemoteFrames(alice);
    const firstConnection = alice.peerConnection;

    const states = recordStates(alice);
    const lists: string[][] = [];
    alice.addEventListener("p2p-user-list", (event: P2pUserListEvent) => {
      lists.push([...event.users]);
    });
    const before = bob.element()!;
    bob.frame.contentWindow!.location.reload();

    // The reloading page tells alice it will be back: she waits, not ends.
    // Recorded, not polled: in Firefox `reconnecting` may last no time at all.
    await waitUntil(() => states.includes("reconnecting"), "alice reconnects", {
      timeout: 10_000,
    });
    expect(alice.peer).to.equal("bob");

    await waitUntil(
      () => bob.element() !== null && bob.element() !== before,
      "the reloaded page has a new element",
      { timeout: 20_000 },
    );
    const after = bob.element()!;
    await waitUntil(
      () => after.state === "connected" && alice.state === "connected",
      `both sides are connected again (alice ${alice.state}, bob ${after.state})`,
      { timeout: 40_000 },
    );
    await expectRemoteFrames(alice);

    // Same identity: no bob2, and alice never saw bob leave.
    expect(after.registeredName).to.equal("bob");
    expect(after.peer).to.equal("alice");
    expect(lists.every((users) => users.includes("bob")), JSON.stringify(lists)).to.equal(true);
    // A fresh connection: the old one's DTLS died with the old page.
    expect(alice.peerConnection).not.to.equal(firstConnection);
    expect(states).to.deep.equal(["reconnecting", "connecting", "connected"]);
    alice.hangUp();
    await waitUntil(() => after.state === "ended", "bob hears the hang-up");
  });

  it("a signaling blip during a call keeps the name; the room never sees it leave", async function () {
    this.timeout(60_000);
    const sockets = sinon.spy(window, "WebSocket");
    const room = uniqueRoom();
    const container = await fixture<HTMLDivElement>(html`
      <div>
        <p2p-call signaling=${url} name="alice" room=${room}></p2p-call>
        <p2p-call signaling=${url} name="bob" room=${room} auto-answer></p2p-call>
      </div>
    `);
    const [alice, bob] = [...container.querySelectorAll("p2p-call")];
    await waitUntil(() => alice!.users.includes("bob") && bob!.users.includes("alice"));
    await alice!.call("bob");
    await waitForState(alice!, "connected", 30_000);
    const lists: string[][] = [];
    bob!.addEventListener("p2p-user-list", (event: P2pUserListEvent) => {
      lists.push([...event.users]);
    });
    const aliceSocket = sockets.getCalls()
      .map((call) => call.returnValue as WebSocket)
      .find((socket) => socket.readyState === WebSocket.OPEN && socket.url.includes(url))!;
    // Not a normal close: what a lost connection looks like to the service.
    const states = recordStates(alice!);
    const closed = sockets.getCalls().length;
    aliceSocket.close(4001, "simulated network loss");

    await waitUntil(
      () => sockets.getCalls().length > closed && alice!.signalingStatus === "online",
      "alice reconnects",
      { timeout: 20_000 },
    );
    await waitUntil(() => alice!.users.includes("bob"), "alice is back in the room");
    expect(alice!.registeredName).to.equal("alice");
    expect(lists.every((users) => users.includes("alice")), JSON.stringify(lists)).to.equal(true);
    // The media path never depended on the socket.
    expect(states.filter((state) => state === "ended" || state === "failed")).to.deep.equal([]);
    expect(alice!.state).to.equal("connected");
  });

  it("without a call back within the grace, the waiting side ends with a readable message", async function () {
    this.timeout(60_000);
    await executeServerCommand("signaling-stop", {});
    ({ url } = await executeServerCommand<{ url: string }, { args: string[] }>(
      "signaling-start",
      { args: ["--resume-grace", "2"] },
    ));
    const room = uniqueRoom();
    const alice = await fixture<P2pCall>(
      html`<p2p-call signaling=${url} name="alice" room=${room}></p2p-call>`,
    );
    const bob = await mountFramed({ signaling: url, name: "bob", room });
    await waitUntil(() => alice.users.includes("bob"), "bob joins", { timeout: 20_000 });
    await alice.call("bob");
    await waitForState(alice, "connected", 30_000);
    const states = recordStates(alice);

    // The tab closes: at pagehide that looks exactly like a reload.
    bob.frame.remove();

    await waitForState(alice, "reconnecting", 10_000);
    await waitForState(alice, "failed", 20_000);
    expect(states).to.deep.equal(["reconnecting", "failed"]);
    expect(alice.endReason).to.equal("failed");
    const error = alice.shadowRoot!.querySelector('[part~="error"]');
    expect(error?.textContent).to.contain("bob left and did not come back");
    expect(alice.users).to.deep.equal([]);
  });
});
