import { expect, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import { connect, expectRemoteFrames, mountCallers, part, startSignaling } from "./helpers.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

const refused = () =>
  new DOMException(
    "play() failed because the user didn't interact with the document first.",
    "NotAllowedError",
  );

/**
 * Makes the browser refuse the first `play()` of `element`'s remote video with
 * `error`, as its autoplay policy does on a page without a user gesture; every
 * other play() goes through.
 */
function refuseFirstPlay(element: P2pCall, error: DOMException) {
  const realPlay = HTMLMediaElement.prototype.play;
  let refusals = 0;
  return sinon.stub(HTMLMediaElement.prototype, "play").callsFake(
    function (this: HTMLMediaElement) {
      if (refusals === 0 && this === part(element, "remote-video")) {
        refusals++;
        return Promise.reject(error);
      }
      const playing = realPlay.call(this);
      playing.catch((error: DOMException) => playErrors.push(`${error.name}: ${error.message}`));
      return playing;
    },
  );
}

/** Rejections of the real play() calls, for assertion messages. */
const playErrors: string[] = [];

describeWithWebRTC("<p2p-call> autoplay", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  it("offers 'Click to hear the call' when the browser refuses to play, and plays on click", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    const play = refuseFirstPlay(bob, refused());

    await connect(alice, bob);

    await waitUntil(() => part(bob, "autoplay-button"), "the control appears", { timeout: 10_000 });
    const button = part<HTMLButtonElement>(bob, "autoplay-button")!;
    const remote = part<HTMLVideoElement>(bob, "remote-video")!;
    expect(button.localName, "a real button").to.equal("button");
    expect(button.textContent!.trim()).to.equal("Click to hear the call");
    expect(bob.playbackBlocked).to.equal(true);
    // Meanwhile the video plays muted, so the user at least sees the other side.
    expect(remote.muted).to.equal(true);
    await expectRemoteFrames(bob);
    await expect(bob).to.be.accessible();
    const playsBefore = play.callCount;

    button.click();

    await waitUntil(() => !part(bob, "autoplay-button"), "the control goes away");
    expect(play.callCount, "the click plays again").to.be.greaterThan(playsBefore);
    expect(play.lastCall.thisValue).to.equal(remote);
    expect(remote.muted, "with sound").to.equal(false);
    expect(remote.paused, playErrors.join("; ")).to.equal(false);
    expect(bob.playbackBlocked).to.equal(false);
    expect(alice.playbackBlocked, "alice's playback was never refused").to.equal(false);
  });

  it("shows no control when play() is only interrupted (AbortError)", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    const play = refuseFirstPlay(bob, new DOMException("interrupted by a new load", "AbortError"));

    await connect(alice, bob);

    await waitUntil(() => play.exceptions.length + play.returnValues.length > 0, "bob played");
    await bob.updateComplete;
    expect(part(bob, "autoplay-button")).to.equal(null);
    expect(bob.playbackBlocked).to.equal(false);
  });

  it("resumePlayback() lets a page use its own button", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    refuseFirstPlay(bob, refused());
    await connect(alice, bob);
    await waitUntil(() => bob.playbackBlocked, "playback is refused");

    await bob.resumePlayback();

    expect(bob.playbackBlocked, playErrors.join("; ")).to.equal(false);
    await bob.updateComplete;
    expect(part(bob, "autoplay-button")).to.equal(null);
  });

  it("re-rendering does not reload the videos (which would restart their playback)", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    await expectRemoteFrames(alice);
    const reloads = sinon.spy();
    for (const name of ["remote-video", "local-video"]) {
      part(alice, name)!.addEventListener("loadstart", reloads);
    }
    const shown = part(alice, "timer")?.textContent;

    for (let render = 0; render < 3; render++) {
      alice.requestUpdate();
      await alice.updateComplete;
    }
    await waitUntil(() => part(alice, "timer")?.textContent !== shown, "the timer ticks", {
      timeout: 5_000,
    });

    expect(reloads.callCount, "loadstart events").to.equal(0);
  });

  it("every video plays inline (iOS Safari would go fullscreen otherwise)", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    await alice.updateComplete;

    const videos = [...alice.shadowRoot!.querySelectorAll("video")];
    expect(videos.length).to.be.greaterThan(1);
    for (const video of videos) {
      expect(video.hasAttribute("playsinline"), video.outerHTML).to.equal(true);
    }
  });
});
