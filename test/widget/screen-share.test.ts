import { expect, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import {
  connect,
  expectRemoteFrames,
  mountCallers,
  part,
  sentMessages,
  startSignaling,
  trackEnder,
  waitForState,
} from "./helpers.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

/**
 * A fake display source: a canvas stream, painted continuously so the
 * encoder has frames. Its shape (4:1) differs from the fake camera's (4:3),
 * so the receiver's video shows which source is being sent (the encoder
 * may scale either down, but keeps the shape).
 */
function fakeDisplay(): { stream: MediaStream; stop(): void } {
  const canvas = document.createElement("canvas");
  canvas.width = 480;
  canvas.height = 120;
  const context = canvas.getContext("2d")!;
  let frame = 0;
  const timer = setInterval(() => {
    context.fillStyle = `hsl(${(frame++ * 15) % 360} 80% 50%)`;
    context.fillRect(0, 0, canvas.width, canvas.height);
  }, 50);
  return { stream: canvas.captureStream(20), stop: () => clearInterval(timer) };
}

/** "camera" or "screen", by the shape of the decoded remote video. */
function remoteSource(element: P2pCall): "camera" | "screen" | "none" {
  const video = part<HTMLVideoElement>(element, "remote-video")!;
  if (!video.videoHeight) return "none";
  return video.videoWidth / video.videoHeight > 3 ? "screen" : "camera";
}

const videoSender = (element: P2pCall): RTCRtpSender =>
  element.peerConnection!.getSenders().find((sender) => sender.track?.kind === "video")!;

describeWithWebRTC("<p2p-call> screen share", () => {
  let url: string;
  let display: ReturnType<typeof fakeDisplay> | undefined;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => {
    sinon.restore();
    display?.stop();
    display = undefined;
  });

  /** A connected call whose alice will get the fake display from getDisplayMedia. */
  async function sharingCall(): Promise<[P2pCall, P2pCall, sinon.SinonStub]> {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    await expectRemoteFrames(bob);
    display = fakeDisplay();
    const getDisplayMedia = sinon.stub(navigator.mediaDevices, "getDisplayMedia")
      .resolves(display.stream);
    return [alice, bob, getDisplayMedia];
  }

  it("sends the screen instead of the camera and switches back when the browser stops it", async () => {
    const [alice, bob, getDisplayMedia] = await sharingCall();
    // What the browser does when its own "Stop sharing" bar is used.
    const stopFromBrowser = trackEnder();
    const negotiationNeeded = sinon.spy();
    alice.peerConnection!.addEventListener("negotiationneeded", negotiationNeeded);
    bob.peerConnection!.addEventListener("negotiationneeded", negotiationNeeded);
    const send = sinon.spy(WebSocket.prototype, "send");
    const sender = videoSender(alice);
    const camera = sender.track!;
    expect(remoteSource(bob), "the camera arrives first").to.equal("camera");

    const button = part<HTMLButtonElement>(alice, "share-button")!;
    expect(button.getAttribute("aria-pressed")).to.equal("false");
    button.click();

    await waitUntil(() => alice.sharingScreen, "alice shares", { timeout: 10_000 });
    const [screen] = display!.stream.getVideoTracks();
    expect(getDisplayMedia.calledOnceWith({ video: true, audio: false })).to.equal(true);
    expect(sender.track, "the same sender carries the screen").to.equal(screen);
    await waitUntil(() => remoteSource(bob) === "screen", "bob sees the screen", {
      timeout: 15_000,
    });
    await alice.updateComplete;
    expect(part(alice, "share-button")!.getAttribute("aria-pressed")).to.equal("true");
    expect(camera.readyState, "the camera keeps running for the way back").to.equal("live");
    expect(
      part<HTMLSelectElement>(alice, "camera-picker")?.disabled ?? true,
      "no camera switch while sharing",
    ).to.equal(true);

    stopFromBrowser(screen!);

    await waitUntil(() => !alice.sharingScreen, "sharing ends");
    await waitUntil(() => sender.track === camera, "the camera is sent again");
    await waitUntil(() => remoteSource(bob) === "camera", "bob sees the camera", {
      timeout: 15_000,
    });
    await alice.updateComplete;
    expect(part(alice, "share-button")!.getAttribute("aria-pressed")).to.equal("false");
    await expectRemoteFrames(bob);
    expect(negotiationNeeded.called, "no negotiationneeded on either side").to.equal(false);
    expect(sentMessages(send, "video-offer"), "no new offer").to.deep.equal([]);
    expect(alice.state).to.equal("connected");
    expect(bob.state).to.equal("connected");
  });

  it("stops sharing with a second press", async () => {
    const [alice, bob] = await sharingCall();
    const sender = videoSender(alice);
    const camera = sender.track!;
    part(alice, "share-button")!.click();
    await waitUntil(() => alice.sharingScreen, "alice shares", { timeout: 10_000 });
    const [screen] = display!.stream.getVideoTracks();

    part(alice, "share-button")!.click();

    await waitUntil(() => sender.track === camera, "the camera is sent again");
    expect(alice.sharingScreen).to.equal(false);
    expect(screen!.readyState, "the capture is released").to.equal("ended");
    await waitUntil(() => remoteSource(bob) === "camera", "bob sees the camera", {
      timeout: 15_000,
    });
  });

  it("stays on the camera, without an error, when the user cancels the picker", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    sinon.stub(navigator.mediaDevices, "getDisplayMedia")
      .rejects(new DOMException("Permission denied", "NotAllowedError"));
    const errors = sinon.spy();
    alice.addEventListener("p2p-error", errors);
    const camera = videoSender(alice).track;

    expect(await alice.shareScreen()).to.equal(false);

    expect(alice.sharingScreen).to.equal(false);
    expect(videoSender(alice).track).to.equal(camera);
    expect(errors.called).to.equal(false);
  });

  it("releases the capture when the call ends while sharing", async () => {
    const [alice, bob] = await sharingCall();
    expect(await alice.shareScreen()).to.equal(true);
    const [screen] = display!.stream.getVideoTracks();

    bob.hangUp();

    await waitForState(alice, "ended");
    await waitUntil(() => screen!.readyState === "ended", "the capture is stopped");
    expect(alice.sharingScreen).to.equal(false);
    expect(part(alice, "share-button"), "no share button outside a call").to.equal(null);
  });
});
