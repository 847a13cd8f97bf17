import { expect, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import {
  connect,
  expectRemoteFrames,
  mountCallers,
  nextEvent,
  part,
  sentMessages,
  startSignaling,
  waitForState,
} from "./helpers.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

const denied = () => new DOMException("Permission denied", "NotAllowedError");

describeWithWebRTC("<p2p-call> media", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  it("switches the camera during a call without a new offer", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    await expectRemoteFrames(bob);
    const send = sinon.spy(WebSocket.prototype, "send");
    const pc = alice.peerConnection!;
    const negotiationNeeded = sinon.spy();
    pc.addEventListener("negotiationneeded", negotiationNeeded);
    const sender = pc.getSenders().find((s) => s.track?.kind === "video")!;
    const oldTrack = sender.track!;
    const picker = await waitUntil(() => part<HTMLSelectElement>(alice, "camera-picker"))
      .then(() => part<HTMLSelectElement>(alice, "camera-picker")!);
    expect(picker.options.length, "the fake device offers a camera").to.be.greaterThan(0);

    // Chromium's fake capture has one camera, so "switching" re-opens it as
    // a new track: the same path (getUserMedia + replaceTrack) as a real
    // switch to another camera.
    picker.value = picker.options[picker.options.length - 1]!.value;
    picker.dispatchEvent(new Event("change"));

    await waitUntil(() => sender.track !== oldTrack, "the sender carries the new camera track");
    expect(oldTrack.readyState, "the old camera is released").to.equal("ended");
    expect(alice.localStream!.getVideoTracks()).to.deep.equal([sender.track]);
    await expectRemoteFrames(bob);
    expect(alice.state).to.equal("connected");
    expect(bob.state).to.equal("connected");
    expect(alice.peerConnection, "same peer connection").to.equal(pc);
    expect(negotiationNeeded.called, "no negotiationneeded").to.equal(false);
    expect(sentMessages(send, "video-offer"), "no new offer").to.deep.equal([]);
  });

  it("mute and camera off disable the tracks, not the call", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);

    part(alice, "mute-button")!.click();
    part(alice, "camera-button")!.click();
    await alice.updateComplete;

    expect(alice.muted).to.equal(true);
    expect(alice.cameraOff).to.equal(true);
    expect(alice.hasAttribute("muted")).to.equal(true);
    expect(alice.hasAttribute("camera-off")).to.equal(true);
    expect(part(alice, "mute-button")!.getAttribute("aria-pressed")).to.equal("true");
    expect(alice.localStream!.getAudioTracks().every((track) => !track.enabled)).to.equal(true);
    expect(alice.localStream!.getVideoTracks().every((track) => !track.enabled)).to.equal(true);
    expect(alice.state).to.equal("connected");

    alice.muted = false;
    await alice.updateComplete;
    expect(alice.localStream!.getAudioTracks().every((track) => track.enabled)).to.equal(true);
  });

  it("a denied camera shows a readable message and leaves a clean state", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    sinon.stub(navigator.mediaDevices, "getUserMedia").rejects(denied());
    const error = nextEvent(alice, "p2p-error");
    const bobStates = sinon.spy();
    bob.addEventListener("p2p-state-change", bobStates);

    await alice.call("bob");

    expect((await error).kind).to.equal("media");
    await waitForState(alice, "failed");
    await alice.updateComplete;
    const message = part(alice, "error")!;
    expect(message.getAttribute("role")).to.equal("alert");
    expect(message.textContent).to.contain("Camera and microphone access was denied");
    expect(alice.endReason).to.equal("media");
    expect(alice.localStream).to.equal(null);
    expect(alice.peerConnection).to.equal(null);
    expect(bobStates.called, "bob never heard of the call").to.equal(false);
    // The element stays usable: the user list is back for another try.
    expect(part<HTMLButtonElement>(alice, "call-button")!.disabled).to.equal(false);
  });

  it("a callee without camera can still answer receive-only", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await alice.call("bob");
    await waitForState(bob, "ringing");
    const getUserMedia = sinon.stub(navigator.mediaDevices, "getUserMedia").rejects(denied());

    await bob.accept();

    // The camera failure keeps the call ringing, with the reason shown.
    expect(bob.state).to.equal("ringing");
    await bob.updateComplete;
    expect(part(bob, "error")!.textContent).to.contain("access was denied");
    expect(part(bob, "accept-audio-button")!.textContent).to.contain("Answer without camera");

    part(bob, "accept-audio-button")!.click();

    await Promise.all([waitForState(alice, "connected"), waitForState(bob, "connected")]);
    await expectRemoteFrames(bob);
    expect(getUserMedia.callCount).to.equal(2);
    expect(getUserMedia.secondCall.args[0]).to.deep.equal({ video: false, audio: true });
    expect(bob.localStream, "bob sends nothing").to.equal(null);
    expect(part(bob, "error")!.textContent).to.contain("receive-only");
    expect(alice.remoteStream?.getTracks() ?? []).to.have.length(0);
  });

  it("accepting twice while the camera opens joins the first attempt", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await alice.call("bob");
    await waitForState(bob, "ringing");
    const errors = sinon.spy();
    bob.addEventListener("p2p-error", errors);
    const getUserMedia = sinon.spy(navigator.mediaDevices, "getUserMedia");

    // A double click on Accept, or a click racing auto-answer.
    await Promise.all([bob.accept(), bob.accept()]);

    await Promise.all([waitForState(alice, "connected"), waitForState(bob, "connected")]);
    expect(getUserMedia.callCount, "the camera is opened once").to.equal(1);
    expect(errors.callCount, "no error reported").to.equal(0);
  });

  it("picking a camera after answering without one leaves the camera closed", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await alice.call("bob");
    await waitForState(bob, "ringing");
    await bob.accept({ video: false });
    await Promise.all([waitForState(alice, "connected"), waitForState(bob, "connected")]);
    await bob.updateComplete;
    const picker = part<HTMLSelectElement>(bob, "camera-picker");
    const camera = picker?.querySelector("option")?.value;
    if (!picker || !camera) throw new Error("the camera picker lists no camera");
    const getUserMedia = sinon.spy(navigator.mediaDevices, "getUserMedia");

    picker.value = camera;
    picker.dispatchEvent(new Event("change"));
    await bob.updateComplete;

    // No video sender exists to carry it: opening it would only light the camera.
    expect(getUserMedia.callCount).to.equal(0);
    expect(bob.localStream!.getVideoTracks()).to.have.length(0);
    expect(bob.state).to.equal("connected");
  });

  for (const name of ["NotFoundError", "NotReadableError", "OverconstrainedError"]) {
    it(`explains a ${name} from getUserMedia`, async () => {
      const [alice] = await mountCallers(url, ["alice", "bob"]);
      sinon.stub(navigator.mediaDevices, "getUserMedia").rejects(new DOMException("", name));

      await alice.call("bob");

      await waitForState(alice, "failed");
      await alice.updateComplete;
      const text = part(alice, "error")!.textContent!;
      expect(text).to.match(/camera|microphone/i);
      expect(text).not.to.contain(name);
    });
  }
});
