import { expect, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import { DEVICE_MEMORY_KEY, loadDeviceChoices } from "../../widget/src/call/device-memory.ts";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import {
  connect,
  expectRemoteFrames,
  FIREFOX,
  mountCallers,
  part,
  sentMessages,
  startSignaling,
  trackEnder,
} from "./helpers.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

/** Picks `value` in one of the element's device selects, as a user would. */
async function pick(element: P2pCall, name: string, value: string): Promise<void> {
  const picker = part<HTMLSelectElement>(element, name)!;
  picker.value = value;
  picker.dispatchEvent(new Event("change"));
  await element.updateComplete;
}

async function options(element: P2pCall, name: string): Promise<HTMLOptionElement[]> {
  await waitUntil(() => part(element, name), `the ${name} is shown`, { timeout: 10_000 });
  return [...part<HTMLSelectElement>(element, name)!.options];
}

const sender = (element: P2pCall, kind: "audio" | "video"): RTCRtpSender =>
  element.peerConnection!.getSenders().find((candidate) => candidate.track?.kind === kind)!;

describeWithWebRTC("<p2p-call> devices", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  beforeEach(() => localStorage.removeItem(DEVICE_MEMORY_KEY));

  afterEach(() => {
    sinon.restore();
    localStorage.removeItem(DEVICE_MEMORY_KEY);
  });

  for (const kind of ["video", "audio"] as const) {
    it(`falls back to another device when the ${kind} device goes away, without a new offer`, async () => {
      const endTrack = trackEnder();
      const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
      await connect(alice, bob);
      const send = sinon.spy(WebSocket.prototype, "send");
      const pc = alice.peerConnection!;
      const negotiationNeeded = sinon.spy();
      pc.addEventListener("negotiationneeded", negotiationNeeded);
      const outgoing = sender(alice, kind);
      const lost = outgoing.track!;

      // What the browser does when a USB camera or headset is unplugged.
      endTrack(lost);

      await waitUntil(
        () => outgoing.track !== lost && outgoing.track?.readyState === "live",
        `a live ${kind} track replaces the lost one`,
        { timeout: 10_000 },
      );
      const tracks = kind === "video"
        ? alice.localStream!.getVideoTracks()
        : alice.localStream!.getAudioTracks();
      expect(tracks, "the local stream holds the new track only").to.deep.equal([outgoing.track]);
      if (kind === "video") await expectRemoteFrames(bob);
      expect(alice.state).to.equal("connected");
      expect(bob.state).to.equal("connected");
      expect(alice.peerConnection, "same peer connection").to.equal(pc);
      expect(negotiationNeeded.called, "no negotiationneeded").to.equal(false);
      expect(sentMessages(send, "video-offer"), "no new offer").to.deep.equal([]);
    });
  }

  it("remembers the chosen microphone and uses it on the next mount", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    const microphones = await options(alice, "microphone-picker");
    const chosen = microphones.at(-1)!.value;
    // Firefox's fake capture (media.navigator.streams.fake) has one microphone
    // only: there the choice is its own, still remembered and reopened by id.
    if (!FIREFOX) {
      expect(microphones.length, "Chromium's fake capture has several microphones")
        .to.be.greaterThan(1);
    }

    await pick(alice, "microphone-picker", chosen);
    await waitUntil(
      () => alice.localStream?.getAudioTracks()[0]?.getSettings().deviceId === chosen,
      "alice switches to the chosen microphone",
    );
    expect(loadDeviceChoices().audioinput).to.equal(chosen);
    alice.hangUp();

    // A new element, as on the next visit: it starts with the remembered microphone.
    const getUserMedia = sinon.spy(navigator.mediaDevices, "getUserMedia");
    const [carol, dave] = await mountCallers(url, ["carol", "dave"]);
    await connect(carol, dave);

    expect(getUserMedia.firstCall.args[0]?.audio).to.deep.equal({ deviceId: { exact: chosen } });
    expect(carol.localStream!.getAudioTracks()[0]!.getSettings().deviceId).to.equal(chosen);
    expect(part<HTMLSelectElement>(carol, "microphone-picker")!.value).to.equal(chosen);
  });

  it("opens the default devices when the remembered ones are gone", async () => {
    localStorage.setItem(
      DEVICE_MEMORY_KEY,
      JSON.stringify({ videoinput: "unplugged-camera", audioinput: "unplugged-microphone" }),
    );
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);

    await connect(alice, bob);

    expect(alice.localStream!.getTracks().map((track) => track.readyState))
      .to.deep.equal(["live", "live"]);
    expect(loadDeviceChoices().audioinput, "the choice stays for when it is back")
      .to.equal("unplugged-microphone");
  });

  it("works where storage throws (sandboxed iframe)", async () => {
    const blocked = () => {
      throw new DOMException("The document is sandboxed", "SecurityError");
    };
    sinon.stub(Storage.prototype, "getItem").callsFake(blocked);
    sinon.stub(Storage.prototype, "setItem").callsFake(blocked);
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    const microphones = await options(alice, "microphone-picker");

    await pick(alice, "microphone-picker", microphones.at(-1)!.value);

    await waitUntil(
      () =>
        alice.localStream?.getAudioTracks()[0]?.getSettings().deviceId ===
          microphones.at(-1)!.value,
      "the choice applies for this page",
    );
    expect(loadDeviceChoices()).to.deep.equal({});
  });

  it("switching devices while muted and with the camera off keeps both off", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    alice.muted = true;
    alice.cameraOff = true;
    await alice.updateComplete;
    const audio = sender(alice, "audio");
    const video = sender(alice, "video");
    const [oldAudio, oldVideo] = [audio.track, video.track];
    const microphones = await options(alice, "microphone-picker");
    const cameras = await options(alice, "camera-picker");

    await pick(alice, "microphone-picker", microphones.at(-1)!.value);
    await pick(alice, "camera-picker", cameras.at(-1)!.value);

    await waitUntil(
      () => audio.track !== oldAudio && video.track !== oldVideo,
      "both senders carry new tracks",
    );
    expect(audio.track!.enabled, "the new microphone starts muted").to.equal(false);
    expect(video.track!.enabled, "the new camera starts off").to.equal(false);
    expect(alice.muted).to.equal(true);
    expect(alice.cameraOff).to.equal(true);
    expect(part(alice, "mute-button")!.getAttribute("aria-pressed")).to.equal("true");

    alice.muted = false;
    await alice.updateComplete;
    expect(audio.track!.enabled).to.equal(true);
    expect(alice.state).to.equal("connected");
  });

  it("devicechange refreshes the pickers", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    const before = await options(alice, "camera-picker");
    const real = await navigator.mediaDevices.enumerateDevices();
    const plugged = {
      deviceId: "usb-camera",
      groupId: "usb",
      kind: "videoinput",
      label: "USB Camera",
      toJSON: () => ({}),
    } as MediaDeviceInfo;
    sinon.stub(navigator.mediaDevices, "enumerateDevices").resolves([...real, plugged]);

    navigator.mediaDevices.dispatchEvent(new Event("devicechange"));

    await waitUntil(
      () => part<HTMLSelectElement>(alice, "camera-picker")!.options.length === before.length + 1,
      "the new camera is listed",
    );
    const labels = [...part<HTMLSelectElement>(alice, "camera-picker")!.options]
      .map((option) => option.textContent!.trim());
    expect(labels).to.include("USB Camera");
  });

  it("a speaker picker routes the call's sound with setSinkId", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    const speakers = await options(alice, "speaker-picker");
    const chosen = speakers.at(-1)!.value;
    expect(speakers.length).to.be.greaterThan(1);

    await pick(alice, "speaker-picker", chosen);

    const remote = part<HTMLVideoElement>(alice, "remote-video")!;
    await waitUntil(() => remote.sinkId === chosen, "the remote media plays on the chosen speaker");
    expect(loadDeviceChoices().audiooutput).to.equal(chosen);
    expect(part<HTMLSelectElement>(alice, "speaker-picker")!.value).to.equal(chosen);
  });

  it("has no speaker picker where the browser cannot choose one", async () => {
    const descriptor = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, "setSinkId")!;
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    await options(alice, "microphone-picker");
    try {
      delete (HTMLMediaElement.prototype as Partial<HTMLMediaElement>).setSinkId;
      alice.requestUpdate();
      await alice.updateComplete;
      expect(part(alice, "speaker-picker")).to.equal(null);
      expect(part(alice, "microphone-picker")).to.exist;
    } finally {
      Object.defineProperty(HTMLMediaElement.prototype, "setSinkId", descriptor);
    }
  });
});
