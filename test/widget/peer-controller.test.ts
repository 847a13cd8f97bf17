import { expect, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import {
  type MediaPathStatus,
  PeerController,
  type PeerSignal,
} from "../../widget/src/call/peer-controller.ts";
import { FakeHost } from "./fake-host.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

/**
 * Two PeerControllers wired back to back in one page (no service): the
 * negotiation rules in isolation, driven through a fake host.
 */
function pair(timings = { disconnectedGrace: 50, recoveryTimeout: 300 }) {
  const paths: Record<"a" | "b", MediaPathStatus[]> = { a: [], b: [] };
  const signals: Record<"a" | "b", PeerSignal[]> = { a: [], b: [] };
  const make = (self: "a" | "b", other: () => PeerController) =>
    new PeerController(new FakeHost(), {
      signal: (message) => {
        signals[self].push(message);
        const peer = other();
        if (message.type === "new-ice-candidate") void peer.addCandidate(message.candidate);
        else void peer.receiveDescription(message.sdp);
      },
      onMediaPath: (status) => paths[self].push(status),
      onError: (message) => {
        throw new Error(message);
      },
    }, timings);
  const a: PeerController = make("a", () => b);
  const b: PeerController = make("b", () => a);
  return { a, b, paths, signals };
}

function stream(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({ video: true, audio: true });
}

describeWithWebRTC("PeerController (perfect negotiation, fake host)", () => {
  const opened: PeerController[] = [];
  const streams: MediaStream[] = [];

  afterEach(() => {
    opened.splice(0).forEach((peer) => peer.close());
    streams.splice(0).forEach((s) => s.getTracks().forEach((track) => track.stop()));
    sinon.restore();
  });

  async function connected() {
    const peers = pair();
    opened.push(peers.a, peers.b);
    peers.a.open({}, false);
    peers.b.open({}, true);
    const media = await stream();
    streams.push(media);
    peers.a.addStream(media);
    await waitUntil(() => peers.a.connection?.connectionState === "connected", "connected");
    await waitUntil(() =>
      peers.paths.a.includes("connected") && peers.paths.b.includes("connected")
    );
    return peers;
  }

  it("survives both sides offering at once (glare), polite side rolling back", async () => {
    const { a, b, signals } = pair();
    opened.push(a, b);
    a.open({}, false);
    b.open({}, true);
    const [mediaA, mediaB] = await Promise.all([stream(), stream()]);
    streams.push(mediaA, mediaB);

    a.addStream(mediaA);
    b.addStream(mediaB);

    await waitUntil(() =>
      a.connection?.connectionState === "connected" &&
      b.connection?.connectionState === "connected"
    );
    await waitUntil(() =>
      a.remoteStream?.getTracks().length === 2 && b.remoteStream?.getTracks().length === 2
    );
    expect(signals.b.filter((s) => s.type === "video-answer").length, "polite answered")
      .to.be.greaterThan(0);
    expect(a.connection!.signalingState).to.equal("stable");
    expect(b.connection!.signalingState).to.equal("stable");
  });

  it("restarts ICE when the path fails, and reports recovery", async () => {
    const { a, paths, signals } = await connected();
    const pc = a.connection!;
    const restartIce = sinon.spy(pc, "restartIce");
    const offersBefore = signals.a.filter((s) => s.type === "video-offer").length;

    // Simulated fault: the browser reports the path as failed.
    const state = sinon.stub(pc, "connectionState").get(() => "failed");
    pc.dispatchEvent(new Event("connectionstatechange"));
    expect(paths.a.at(-1)).to.equal("interrupted");
    expect(restartIce.calledOnce, "restartIce on failed").to.equal(true);
    await waitUntil(
      () => signals.a.filter((s) => s.type === "video-offer").length > offersBefore,
      "an ICE restart offer goes out",
    );
    const restartOffer = signals.a.filter((s) => s.type === "video-offer").at(-1)!;
    expect(restartOffer.type === "video-offer" && restartOffer.sdp.sdp).to.match(/a=ice-ufrag/);

    state.restore();
    // Firefox's real state passes through "connecting" while the restart runs.
    await waitUntil(() => pc.connectionState === "connected", "the restarted path connects");
    pc.dispatchEvent(new Event("connectionstatechange"));
    expect(paths.a.at(-1)).to.equal("connected");
  });

  it("restarts ICE only after 'disconnected' outlasts the grace period", async () => {
    const { a } = await connected();
    const pc = a.connection!;
    const restartIce = sinon.spy(pc, "restartIce");

    sinon.stub(pc, "connectionState").get(() => "disconnected");
    pc.dispatchEvent(new Event("connectionstatechange"));

    expect(restartIce.called, "not at once").to.equal(false);
    await waitUntil(() => restartIce.calledOnce, "after the grace period");
  });

  it("gives up when the path does not recover in time", async () => {
    const { a, paths } = await connected();
    const pc = a.connection!;
    sinon.stub(pc, "restartIce");
    sinon.stub(pc, "connectionState").get(() => "failed");

    pc.dispatchEvent(new Event("connectionstatechange"));

    await waitUntil(() => paths.a.at(-1) === "failed", "failed after the recovery timeout");
  });

  it("buffers remote candidates until a remote description exists", async () => {
    const host = new FakeHost();
    const peer = new PeerController(host, {
      signal: () => {},
      onMediaPath: () => {},
      onError: () => {},
    });
    opened.push(peer);
    peer.open({}, true);
    const pc = peer.connection!;
    const addIceCandidate = sinon.spy(pc, "addIceCandidate");
    const sender = new RTCPeerConnection();
    const candidates: RTCIceCandidateInit[] = [];
    sender.onicecandidate = ({ candidate }) => candidate && candidates.push(candidate.toJSON());
    sender.addTransceiver("audio");
    await sender.setLocalDescription();
    await waitUntil(() => sender.iceGatheringState === "complete", "candidates gathered");

    for (const candidate of candidates) await peer.addCandidate(candidate);
    expect(addIceCandidate.called, "held back before the offer").to.equal(false);

    await peer.receiveDescription(sender.localDescription!.toJSON());
    expect(addIceCandidate.callCount).to.equal(candidates.length);
    sender.close();
  });
});
