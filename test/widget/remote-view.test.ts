import { expect, waitUntil } from "@open-wc/testing";
import { sendMouse } from "@web/test-runner-commands";
import sinon from "sinon";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import { connect, expectRemoteFrames, mountCallers, part, startSignaling } from "./helpers.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

/** A real (trusted) click: fullscreen and picture-in-picture need the user activation. */
async function userClick(element: Element): Promise<void> {
  const box = element.getBoundingClientRect();
  await sendMouse({
    type: "click",
    position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)],
  });
}

describeWithWebRTC("<p2p-call> remote video: picture-in-picture and fullscreen", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(async () => {
    sinon.restore();
    if (document.fullscreenElement) await document.exitFullscreen();
    if (document.pictureInPictureElement) await document.exitPictureInPicture();
  });

  async function call(): Promise<[P2pCall, P2pCall]> {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    await expectRemoteFrames(alice);
    await waitUntil(() => part(alice, "view-controls"), "the video buttons load", {
      timeout: 10_000,
    });
    return [alice, bob];
  }

  it("shows the remote video fullscreen", async () => {
    const [alice] = await call();
    const video = part<HTMLVideoElement>(alice, "remote-video")!;
    const button = part(alice, "fullscreen-button")!;
    expect(button.getAttribute("aria-label")).to.equal("Full screen");

    await userClick(button);

    await waitUntil(
      () => alice.shadowRoot!.fullscreenElement === video,
      "the video fills the screen",
    );
  });

  it("toggles picture-in-picture and shows it as pressed", async () => {
    const [alice] = await call();
    const video = part<HTMLVideoElement>(alice, "remote-video")!;
    const button = part(alice, "pip-button")!;
    expect(button.getAttribute("aria-label")).to.equal("Picture in picture");
    expect(button.getAttribute("aria-pressed")).to.equal("false");

    await userClick(button);

    await waitUntil(() => alice.shadowRoot!.pictureInPictureElement === video, "in the PiP window");
    await waitUntil(() => button.getAttribute("aria-pressed") === "true", "pressed");
    await userClick(button);
    await waitUntil(() => !alice.shadowRoot!.pictureInPictureElement, "back in the page");
    await waitUntil(() => button.getAttribute("aria-pressed") === "false", "released");
  });

  it("offers neither where the browser supports neither", async () => {
    sinon.stub(document, "pictureInPictureEnabled").get(() => false);
    sinon.stub(document, "fullscreenEnabled").get(() => false);
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    await waitUntil(() => alice.quality, "the in-call chunk is running", { timeout: 10_000 });
    await alice.updateComplete;

    expect(part(alice, "pip-button")).to.equal(null);
    expect(part(alice, "fullscreen-button")).to.equal(null);
    expect(part(alice, "view-controls")).to.equal(null);
  });

  it("reports a refusal as a p2p-error", async () => {
    const [alice] = await call();
    // What browsers answer without a user activation (headless Chromium is lenient).
    const refusal = new TypeError("Permissions check failed");
    sinon.stub(HTMLVideoElement.prototype, "requestFullscreen").rejects(refusal);
    const error = new Promise<Event>((resolve) =>
      alice.addEventListener("p2p-error", resolve, { once: true })
    );

    part(alice, "fullscreen-button")!.click();

    const event = (await error) as HTMLElementEventMap["p2p-error"];
    expect(event.kind).to.equal("media");
    expect(event.message).to.equal("Fullscreen is not available now.");
    expect(event.cause).to.equal(refusal);
  });
});
