import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import type { P2pUserListEvent } from "../../widget/src/api/events.ts";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import {
  connect,
  expectRemoteFrames,
  mountCallers,
  part,
  restartSignaling,
  startSignaling,
  stopSignaling,
  uniqueRoom,
  waitForState,
} from "./helpers.ts";
import { hasWebRTC, itWithWebRTC } from "./webrtc-gate.ts";

const online = (...elements: P2pCall[]) =>
  waitUntil(
    () => elements.every((element) => element.users.length === elements.length - 1),
    "everyone is registered again and sees the others",
    { timeout: 15_000 },
  );

describe("<p2p-call> signaling", () => {
  let url: string;
  let port: number;

  beforeEach(async () => {
    ({ url, port } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  it("registers, lists the others and fires p2p-user-list", async () => {
    const lists: P2pUserListEvent[] = [];
    const onList = (event: P2pUserListEvent) => lists.push(event);
    document.addEventListener("p2p-user-list", onList);
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]).finally(() =>
      document.removeEventListener("p2p-user-list", onList)
    );

    // Composed and bubbling: a page hears it on the document.
    const last = lists.filter((event) => event.target === alice).at(-1)!;
    expect(last.users).to.deep.equal(["bob"]);
    expect(last.composed && last.bubbles).to.equal(true);

    expect(alice.signalingStatus).to.equal("online");
    expect(alice.registeredName).to.equal("alice");
    expect(alice.users).to.deep.equal(["bob"]);
    expect(bob.users).to.deep.equal(["alice"]);
    const names = [...alice.shadowRoot!.querySelectorAll('[part~="user"]')].map((user) =>
      user.textContent
    );
    expect(names.join(" ")).to.contain("bob").and.not.to.contain("alice");
  });

  it("adopts the unique name the service assigns to a taken name", async () => {
    const room = uniqueRoom();
    const container = await fixture<HTMLDivElement>(html`
      <div>
        <p2p-call signaling=${url} name="sam" room=${room}></p2p-call>
        <p2p-call signaling=${url} name="sam" room=${room}></p2p-call>
      </div>
    `);
    const [first, second] = container.querySelectorAll("p2p-call");

    await waitUntil(() => first!.users.length === 1 && second!.users.length === 1);

    const names = [first!.registeredName, second!.registeredName];
    expect(names).to.include("sam");
    expect(new Set(names).size, "the names differ").to.equal(2);
    expect(first!.users).to.deep.equal([second!.registeredName]);
  });

  it("asks for a name when none is set, then joins", async () => {
    const element = await fixture<P2pCall>(
      html`<p2p-call signaling=${url} room=${uniqueRoom()}></p2p-call>`,
    );
    await waitUntil(() => element.signalingStatus === "online");
    await element.updateComplete;
    expect(element.registeredName).to.equal(null);
    const input = part<HTMLInputElement>(element, "name-input")!;
    expect(part(element, "status")!.textContent).to.contain("Enter your name");

    input.value = "dana";
    part<HTMLButtonElement>(element, "join-button")!.click();

    await waitUntil(() => element.registeredName === "dana", "registered under the typed name");
    await element.updateComplete;
    expect(part(element, "name-form")).to.equal(null);
  });

  it("reconnects after the socket drops and registers again", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    const RealWebSocket = WebSocket;
    const attempts: number[] = [];
    sinon.stub(window, "WebSocket").callsFake(function (...args: unknown[]) {
      attempts.push(performance.now());
      return new RealWebSocket(...(args as [string, string]));
    });

    // SIGKILL: the service vanishes without a close handshake.
    await stopSignaling("SIGKILL");
    await waitUntil(() => alice.signalingStatus === "reconnecting", "alice notices the drop");
    expect(alice.users, "a stale list is not shown").to.deep.equal([]);
    await waitUntil(() => attempts.length >= 6, "both elements retry a few times", {
      timeout: 10_000,
    });
    const outage = performance.now() - attempts[0]!;
    await startSignaling(port);
    await online(alice, bob);

    // Backoff, not a hot loop: 500 ms doubling (with jitter) allows about
    // log2(outage / 250) attempts per element.
    expect(attempts.length / 2, `attempts per element in ${outage} ms`).to.be.at.most(
      Math.ceil(Math.log2(outage / 250)) + 2,
    );
    expect(alice.signalingStatus).to.equal("online");
    expect(alice.registeredName).to.equal("alice");
    // The list is back; with WebRTC, so are calls (without, webrtc-support.test.ts).
    expect(alice.users).to.deep.equal(["bob"]);
    if (hasWebRTC) await connect(alice, bob);
  });

  itWithWebRTC("keeps an ongoing call through a signaling restart", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    const states = sinon.spy();
    alice.addEventListener("p2p-state-change", states);
    bob.addEventListener("p2p-state-change", states);

    await restartSignaling();
    await online(alice, bob);

    await Promise.all([expectRemoteFrames(alice), expectRemoteFrames(bob)]);
    expect(states.called, "no state change during the restart").to.equal(false);
    expect(alice.state).to.equal("connected");
    // Signaling works again: the hang-up reaches bob.
    alice.hangUp();
    await waitForState(bob, "ended");
    expect(bob.endReason).to.equal("hangup");
  });
});
