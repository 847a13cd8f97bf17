import { expect, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import { connect, mountCallers, startSignaling, waitForState } from "./helpers.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

describeWithWebRTC("<p2p-call> lifecycle", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  it("releases tracks, peer connection and socket when removed, and reconnects when re-added", async () => {
    const sockets = sinon.spy(window, "WebSocket");
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    const tracks = alice.localStream!.getTracks();
    const pc = alice.peerConnection!;
    const socket = sockets.getCalls()
      .map((call) => call.returnValue as WebSocket)
      .find((ws) => ws.readyState === WebSocket.OPEN)!;
    expect(tracks).to.have.length(2);
    const parent = alice.parentElement!;

    alice.remove();

    // Teardown settles a microtask later, so that a move in the DOM keeps the call.
    await waitUntil(() => tracks.every((track) => track.readyState === "ended"), "tracks stop");
    expect(pc.signalingState).to.equal("closed");
    expect(pc.connectionState).to.equal("closed");
    expect(alice.peerConnection).to.equal(null);
    await waitUntil(() => socket.readyState === WebSocket.CLOSED, "the socket closes");
    // The peer is told, instead of waiting for ICE to time out.
    await waitForState(bob, "ended");
    expect(bob.endReason).to.equal("hangup");
    await waitUntil(() => bob.users.length === 0, "alice left the room");

    parent.append(alice);

    await waitUntil(() => bob.users.includes("alice"), "alice is back in the room");
    expect(alice.signalingStatus).to.equal("online");
    await connect(bob, alice);
  });

  it("hangs up when the page goes away (tab closed, navigation)", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    const tracks = alice.localStream!.getTracks();

    globalThis.dispatchEvent(new PageTransitionEvent("pagehide"));

    await Promise.all([waitForState(alice, "ended"), waitForState(bob, "ended")]);
    expect(tracks.every((track) => track.readyState === "ended")).to.equal(true);
  });
});
