import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import { expectRemoteFrames, startSignaling, uniqueRoom, waitForState } from "./helpers.ts";
import { MdnClient } from "./mdn-client.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

/** Frames arrive in the MDN client's remote stream (it has no <video> of its own here). */
async function expectFramesAt(stream: () => MediaStream | null): Promise<void> {
  const video = document.createElement("video");
  video.muted = true;
  video.autoplay = true;
  document.body.append(video);
  try {
    await waitUntil(() => stream()?.getVideoTracks().length, "the MDN client receives video");
    video.srcObject = stream();
    await waitUntil(() => video.videoWidth > 0 && video.currentTime > 0.2, "frames play", {
      timeout: 15_000,
    });
  } finally {
    video.remove();
  }
}

describeWithWebRTC("<p2p-call> with MDN's webrtc-from-chat client", () => {
  let url: string;
  let mdn: MdnClient | undefined;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => mdn?.close());

  async function setUp(): Promise<P2pCall> {
    const room = uniqueRoom();
    const element = await fixture<P2pCall>(
      html`<p2p-call signaling=${url} name="alice" room=${room}></p2p-call>`,
    );
    mdn = new MdnClient(url, "mdn", room);
    await waitUntil(() => element.users.includes("mdn"), "both are in the room");
    return element;
  }

  it("is called by the MDN client, and the MDN hang-up (target null) ends the call", async () => {
    const element = await setUp();

    await mdn!.invite("alice");
    await waitForState(element, "ringing");
    await element.accept();

    await waitForState(element, "connected");
    await expectRemoteFrames(element);
    await expectFramesAt(() => mdn!.remoteStream);
    mdn!.hangUp();
    await waitForState(element, "ended");
    expect(element.endReason).to.equal("hangup");
  });

  it("calls the MDN client, whose second offer is renegotiation, not a new call", async () => {
    const element = await setUp();
    const incoming: string[] = [];
    element.addEventListener("p2p-incoming-call", (event) => incoming.push(event.from));

    await element.call("mdn");

    await waitForState(element, "connected");
    await waitUntil(
      () => mdn!.received.filter((message) => message.type === "video-answer").length === 1,
      "the element answers the MDN callee's second offer",
    );
    await expectRemoteFrames(element);
    await expectFramesAt(() => mdn!.remoteStream);
    expect(incoming, "no ringing for the second offer").to.deep.equal([]);
    const sent = mdn!.received.filter((message) => message.type === "new-ice-candidate");
    expect(sent.length).to.be.greaterThan(0);

    element.hangUp();
    await waitUntil(() => mdn!.pc === null, "the MDN client closes its call on hang-up");
  });
});
