import { expect, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import type { P2pStateChangeEvent } from "../../widget/src/api/events.ts";
import {
  connect,
  expectRemoteFrames,
  mountCallers,
  nextEvent,
  part,
  startSignaling,
  waitForState,
} from "./helpers.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

describeWithWebRTC("<p2p-call> calls through the real signaling service", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  it("completes a call and both remote videos show frames", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    const states: string[] = [];
    alice.addEventListener("p2p-state-change", (event) => states.push(event.state));
    const incoming = nextEvent(bob, "p2p-incoming-call");

    await alice.call("bob");
    expect((await incoming).from).to.equal("alice");
    expect(bob.state).to.equal("ringing");
    expect(part(bob, "accept-button"), "Accept is offered").to.exist;
    await bob.accept();
    await Promise.all([waitForState(alice, "connected"), waitForState(bob, "connected")]);
    await Promise.all([expectRemoteFrames(alice), expectRemoteFrames(bob)]);

    expect(states).to.deep.equal(["calling", "connecting", "connected"]);
    expect(alice.peer).to.equal("bob");
    expect(bob.peer).to.equal("alice");
    expect(alice.getAttribute("state")).to.equal("connected");
    expect(part(alice, "status")!.textContent).to.contain("In a call with bob");
    await waitUntil(() => part(alice, "timer")?.textContent?.trim() === "0:01", "timer ticks", {
      timeout: 3_000,
    });
  });

  for (const side of ["caller", "callee"] as const) {
    it(`ends on both sides when the ${side} hangs up`, async () => {
      const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
      await connect(alice, bob);
      const [quitter, other] = side === "caller" ? [alice, bob] : [bob, alice];
      const ended = nextEvent(other, "p2p-call-ended");

      part(quitter, "hangup-button")!.click();

      const event = await ended;
      expect(event.reason).to.equal("hangup");
      expect(event.by).to.equal("remote");
      expect(event.duration).to.be.greaterThan(0);
      await waitForState(other, "ended");
      expect(quitter.state).to.equal("ended");
      expect(quitter.endReason).to.equal("hangup");
      expect(part(other, "status")!.textContent).to.contain(`${quitter.name} hung up`);
      expect(alice.peerConnection).to.equal(null);
      expect(bob.peerConnection).to.equal(null);
      expect(alice.localStream).to.equal(null);
    });
  }

  it("ends on both sides as declined when the callee declines", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await alice.call("bob");
    await waitForState(bob, "ringing");

    part(bob, "decline-button")!.click();

    await waitForState(alice, "ended");
    expect(alice.endReason).to.equal("declined");
    expect(bob.state).to.equal("ended");
    expect(bob.endReason).to.equal("declined");
    expect(part(alice, "status")!.textContent).to.contain("bob declined the call");
    expect(alice.localStream, "the caller's camera is released").to.equal(null);
  });

  it("shows a missed call when the caller gives up while it rings", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await alice.call("bob");
    await waitForState(bob, "ringing");

    alice.hangUp();

    await waitForState(bob, "ended");
    expect(part(bob, "status")!.textContent).to.contain("Missed call from alice");
    expect(part(alice, "status")!.textContent).to.contain("Call to bob cancelled");
    expect(part(bob, "accept-button"), "the prompt is gone").to.equal(null);
  });

  it("answers busy when a third user calls someone in a call", async () => {
    const [alice, bob, carol] = await mountCallers(url, ["alice", "bob", "carol"]);
    await connect(alice, bob);
    const aliceIncoming = sinon.spy();
    alice.addEventListener("p2p-incoming-call", aliceIncoming);

    await carol.call("alice");

    await waitForState(carol, "ended");
    expect(carol.endReason).to.equal("busy");
    expect(part(carol, "status")!.textContent).to.contain("alice is busy");
    expect(aliceIncoming.called, "alice is not disturbed").to.equal(false);
    expect(alice.state).to.equal("connected");
    expect(bob.state).to.equal("connected");
    expect(alice.peer).to.equal("bob");
  });

  it("resolves glare (both call each other at once) into exactly one call", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    const incoming = sinon.spy();
    alice.addEventListener("p2p-incoming-call", incoming);
    bob.addEventListener("p2p-incoming-call", incoming);
    // Simulated network timing: hold each side's offer (and its candidates)
    // until both offers exist, so each arrives while the other side has an
    // offer of its own outstanding — a true collision, every run.
    const realSend = WebSocket.prototype.send;
    const held: [WebSocket, string][] = [];
    const sent: { type: string; target: string }[] = [];
    let offersHeld = 0;
    sinon.stub(WebSocket.prototype, "send").callsFake(function (this: WebSocket, data) {
      const message = JSON.parse(String(data));
      sent.push(message);
      if (offersHeld === 2 || !["video-offer", "new-ice-candidate"].includes(message.type)) {
        realSend.call(this, data);
        return;
      }
      held.push([this, String(data)]);
      if (message.type === "video-offer" && ++offersHeld === 2) {
        held.splice(0).forEach(([socket, text]) => realSend.call(socket, text));
      }
    });

    await Promise.all([alice.call("bob"), bob.call("alice")]);

    await Promise.all([waitForState(alice, "connected"), waitForState(bob, "connected")]);
    await Promise.all([expectRemoteFrames(alice), expectRemoteFrames(bob)]);
    expect(incoming.called, "neither side rang").to.equal(false);
    expect(alice.peer).to.equal("bob");
    expect(bob.peer).to.equal("alice");
    const count = (type: string, target: string) =>
      sent.filter((message) => message.type === type && message.target === target).length;
    // Both offered; only the polite side ("bob" > "alice") answered.
    expect({ alice: count("video-offer", "bob"), bob: count("video-offer", "alice") })
      .to.deep.equal({ alice: 1, bob: 1 });
    expect({ alice: count("video-answer", "bob"), bob: count("video-answer", "alice") })
      .to.deep.equal({ alice: 0, bob: 1 });
  });

  it("ends as timeout on both sides when nobody answers", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"], { ringTimeout: 1_000 });
    const bobStates: P2pStateChangeEvent[] = [];
    bob.addEventListener("p2p-state-change", (event) => bobStates.push(event));

    await alice.call("bob");

    await Promise.all([waitForState(alice, "ended"), waitForState(bob, "ended")]);
    expect(alice.endReason).to.equal("timeout");
    expect(bob.endReason).to.equal("timeout");
    expect(part(alice, "status")!.textContent).to.contain("bob did not answer");
    expect(part(bob, "status")!.textContent).to.contain("Missed call from alice");
    expect(bobStates.map((event) => event.state)).to.deep.equal(["ringing", "ended"]);
  });

  it("auto-answer skips the prompt", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    bob.autoAnswer = true;

    await alice.call("bob");

    await Promise.all([waitForState(alice, "connected"), waitForState(bob, "connected")]);
  });

  it("calls from the user list by click", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    const users = [
      ...alice.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="call-button"]'),
    ];
    expect(users.map((button) => button.getAttribute("aria-label"))).to.deep.equal(["Call bob"]);

    users[0]!.click();

    await waitForState(bob, "ringing");
    expect(alice.state).to.equal("calling");
    alice.hangUp();
    await waitForState(bob, "ended");
  });
});
