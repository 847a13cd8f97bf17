import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import sinon, { type SinonSpy } from "sinon";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import { iceProbeVerdict } from "../../widget/src/precheck/ice-probe.ts";
import { verdict } from "../../widget/src/precheck/precheck-controller.ts";
import {
  mountCallers,
  part,
  partWhenShown,
  startSignaling,
  uniqueRoom,
  waitForState,
} from "./helpers.ts";
import { type Coturn, coturnOutput, startCoturn, stopInfra, turnCredential } from "./infra.ts";
import { describeWithWebRTC, itWithWebRTC } from "./webrtc-gate.ts";

async function openedTracks(getUserMedia: SinonSpy): Promise<MediaStreamTrack[]> {
  const streams = await Promise.allSettled(getUserMedia.returnValues as Promise<MediaStream>[]);
  return streams.flatMap((result) => result.status === "fulfilled" ? result.value.getTracks() : []);
}

const panelText = (element: P2pCall): string =>
  part(element, "precheck")!.textContent!.replace(/\s+/g, " ");

describe("<p2p-call> pre-call check", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  async function mount(attributes: { signaling?: string; iceServers?: string } = {}) {
    const element = await fixture<P2pCall>(html`
      <p2p-call
        signaling=${attributes.signaling ?? url}
        name="alice"
        room=${uniqueRoom()}
        ice-servers=${attributes.iceServers ?? "[]"}
      ></p2p-call>
    `);
    return element;
  }

  it("shows the camera preview, the microphone level and that signaling is reachable", async () => {
    const element = await mount();
    await waitUntil(() => element.signalingStatus === "online", "online");

    (await partWhenShown(element, "precheck-button")).click();

    await waitUntil(() => part(element, "precheck"), "the check opens", { timeout: 10_000 });
    expect(part(element, "precheck-button")!.getAttribute("aria-expanded")).to.equal("true");
    const preview = part<HTMLVideoElement>(element, "precheck-video")!;
    await waitUntil(() => preview.videoWidth > 0 && preview.currentTime > 0, "the preview plays", {
      timeout: 10_000,
    });
    expect(preview.hasAttribute("playsinline")).to.equal(true);
    const meter = part<HTMLMeterElement>(element, "precheck-level")!;
    // The fake microphones (Chromium's, Firefox's) play a tone.
    await waitUntil(() => meter.value > 0, "the level meter moves", { timeout: 10_000 });
    // The meter re-renders ten times a second; the preview must not reload with it.
    let reloads = 0;
    preview.addEventListener("loadstart", () => reloads++);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(reloads, "preview reloads while the meter runs").to.equal(0);
    await waitUntil(
      () => part(element, "precheck-verdict")!.textContent!.includes("Ready"),
      "a verdict",
      { timeout: 15_000 },
    );
    expect(panelText(element)).to.match(/Signaling service ✓? ?reachable/);
    expect(panelText(element)).to.contain("sound detected");
    expect(part(element, "precheck-verdict")!.textContent).to.contain(
      "no STUN/TURN server is configured",
    );
    // The pickers choose what the check previews and the next call uses.
    expect(part(element, "camera-picker")).to.exist;
    await expect(element).to.be.accessible();
  });

  it("precheck() resolves with the result", async () => {
    const element = await mount();

    // A loaded CI machine can delay the analyser past the default 5 s window;
    // 10 s stays well inside the test's timeout, so a silent mic still fails
    // this assertion rather than timing out.
    const result = await element.precheck({ micWindow: 10_000 });

    expect(result.camera.status).to.equal("ok");
    expect(result.microphone.status).to.equal("ok");
    expect(result.micPeak).to.be.greaterThan(0);
    expect(result.signaling).to.deep.equal({ status: "ok", detail: "reachable" });
    expect(result.servers).to.deep.equal([]);
    expect(result.ready).to.equal(true);
    expect(result.verdict).to.match(/^Ready, with warnings: /);
    element.closePrecheck();
  });

  itWithWebRTC(
    "names a STUN or TURN server that does not answer, without showing credentials",
    async () => {
      // Nothing answers on port 4 (not 9: Firefox refuses fetch's "bad ports" as ICE servers).
      const servers = [
        { urls: "stun:127.0.0.1:4" },
        { urls: "turn:127.0.0.1:4", username: "precheck-user", credential: "precheck-secret" },
      ];
      const element = await mount({ iceServers: JSON.stringify(servers) });

      const result = await element.precheck({ iceTimeout: 1_500 });

      expect(result.servers.map(({ url, kind, status }) => ({ url, kind, status }))).to.deep.equal([
        { url: "stun:127.0.0.1:4", kind: "stun", status: "fail" },
        { url: "turn:127.0.0.1:4", kind: "turn", status: "fail" },
      ]);
      expect(result.servers[0]!.detail).to.match(/did not answer/);
      expect(result.ready).to.equal(false);
      expect(result.verdict).to.match(
        /^Not ready: .*STUN stun:127\.0\.0\.1:4: did not answer within 1\.5 s/,
      );
      await element.updateComplete;
      expect(panelText(element)).to.contain("TURN turn:127.0.0.1:4");
      expect(element.shadowRoot!.innerHTML).not.to.contain("precheck-secret");
      expect(element.shadowRoot!.innerHTML).not.to.contain("precheck-user");
    },
  );

  describeWithWebRTC("against a real coturn on loopback", () => {
    const SECRET = "precheck-turn-secret";
    let coturn: Coturn;
    /** coturn as a TURN server, on a TURN REST credential it accepts (valid for an hour). */
    let turn: RTCIceServer & { username: string; credential: string };

    before(async () => {
      coturn = await startCoturn(SECRET);
      const expiry = Math.floor(Date.now() / 1000) + 3600;
      turn = { urls: coturn.url, ...await turnCredential(SECRET, "precheck", expiry) };
    });

    after(() => stopInfra());

    it("says a TURN server that accepts the credentials answers and relays", async () => {
      const element = await mount({ iceServers: JSON.stringify([turn]) });

      // A loaded machine can delay the analyser: see "precheck() resolves with the result".
      const result = await element.precheck({ iceTimeout: 5_000, micWindow: 10_000 });

      expect(result.servers, await coturnOutput()).to.deep.equal([
        { url: coturn.url, kind: "turn", status: "ok", detail: "answers and relays" },
      ]);
      expect(result.ready).to.equal(true);
      expect(result.verdict).to.equal(
        "Ready for calls: camera, microphone, signaling and network all work.",
      );
      await element.updateComplete;
      expect(panelText(element)).to.contain(`TURN ${coturn.url} answers and relays`);
      expect(part(element, "precheck-verdict")!.textContent!.trim()).to.equal(result.verdict);
      expect(element.shadowRoot!.innerHTML).not.to.contain(turn.credential);
    });

    it("says which TURN entry coturn refuses: the one with the wrong password", async () => {
      const wrong = { ...turn, credential: "not-the-password" };
      const element = await mount({ iceServers: JSON.stringify([turn, wrong]) });

      const result = await element.precheck({ iceTimeout: 5_000, micWindow: 10_000 });

      // Same server, same user: only the password tells the two entries apart.
      expect(result.servers, await coturnOutput()).to.deep.equal([
        { url: coturn.url, kind: "turn", status: "ok", detail: "answers and relays" },
        { url: coturn.url, kind: "turn", status: "fail", detail: "rejected the credentials (401)" },
      ]);
      expect(result.ready).to.equal(false);
      expect(result.verdict).to.equal(
        `Not ready: TURN ${coturn.url}: rejected the credentials (401).`,
      );
      await element.updateComplete;
      expect(panelText(element)).to.contain(`TURN ${coturn.url} rejected the credentials (401)`);
      expect(element.shadowRoot!.innerHTML).not.to.contain(turn.username);
      expect(element.shadowRoot!.innerHTML).not.to.contain("not-the-password");
    });

    // No NAT on loopback: coturn reports the host candidate's own address, which
    // browsers do not repeat as a srflx candidate; gathering completes at once
    // with no error (a silent server never completes it, or fails it with 701).
    it("says a STUN server that answers is reachable, with no NAT in between", async () => {
      const stun = { urls: coturn.url.replace(/^turn:/, "stun:") };
      const element = await mount({ iceServers: JSON.stringify([stun, turn]) });

      const result = await element.precheck({ iceTimeout: 5_000, micWindow: 10_000 });

      expect(result.servers[0]).to.deep.equal({
        url: stun.urls,
        kind: "stun",
        status: "ok",
        detail: "answers (no NAT: it sees this device's own address)",
      });
      expect(result.verdict).to.equal(
        "Ready for calls: camera, microphone, signaling and network all work.",
      );
    });
  });

  it("says when the signaling service cannot be reached", async () => {
    // A port nothing listens on (the service's own port, plus one, is not ours to assume).
    const element = await mount({ signaling: "ws://127.0.0.1:9/ws" });

    const result = await element.precheck({ signalingTimeout: 1_000 });

    expect(result.signaling.status).to.equal("fail");
    expect(result.signaling.detail).to.match(/^not reachable/);
    expect(result.verdict).to.match(/^Not ready: .*the signaling service: not reachable/);
  });

  it("closing the check releases camera and microphone", async () => {
    const getUserMedia = sinon.spy(navigator.mediaDevices, "getUserMedia");
    const element = await mount();
    void element.precheck().catch(() => {});
    await waitUntil(() => part(element, "precheck-close-button"), "the check is open");
    await waitUntil(async () => (await openedTracks(getUserMedia)).length === 2, "tracks opened");

    part(element, "precheck-close-button")!.click();
    await element.updateComplete;

    expect(part(element, "precheck")).to.equal(null);
    expect((await openedTracks(getUserMedia)).map((track) => track.readyState))
      .to.deep.equal(["ended", "ended"]);
    expect(part(element, "precheck-button")!.getAttribute("aria-expanded")).to.equal("false");
  });

  itWithWebRTC("a call closes the check (the call needs the camera)", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    const pending = alice.precheck();
    await waitUntil(() => part(alice, "precheck"), "the check is open");

    await alice.call("bob");
    await waitForState(bob, "ringing");

    await alice.updateComplete;
    expect(part(alice, "precheck")).to.equal(null);
    expect((await pending).verdict).to.match(/stopped/);
    alice.hangUp();
  });
});

describe("pre-call check verdicts", () => {
  it("reads STUN and TURN gathering outcomes", () => {
    const none = { found: [], errors: [], timedOutAfter: null, complete: false };
    expect(iceProbeVerdict("stun", { ...none, found: ["host", "srflx"] }).status).to.equal("ok");
    // Complete with no srflx and no error: it answered with this device's own address.
    expect(iceProbeVerdict("stun", { ...none, found: ["host"], complete: true })).to.deep.equal({
      status: "ok",
      detail: "answers (no NAT: it sees this device's own address)",
    });
    expect(iceProbeVerdict("stun", { ...none, found: ["host"] })).to.deep.equal({
      status: "fail",
      detail: "did not answer",
    });
    expect(
      iceProbeVerdict("stun", {
        ...none,
        complete: true,
        errors: [{ code: 701, text: "STUN host lookup received error." }],
      }).status,
    ).to.equal("fail");
    expect(iceProbeVerdict("turn", { ...none, found: ["relay"] }).status).to.equal("ok");
    expect(iceProbeVerdict("turn", { ...none, errors: [{ code: 401, text: "Unauthorized" }] }))
      .to.deep.equal({ status: "fail", detail: "rejected the credentials (401)" });
    expect(iceProbeVerdict("turn", { ...none, timedOutAfter: 5_000 }).detail)
      .to.equal("did not answer within 5 s");
    expect(iceProbeVerdict("stun", { ...none, errors: [{ code: 701, text: "timeout" }] }).detail)
      .to.equal("did not answer (701 timeout)");
  });

  it("sums up all checks in one sentence", () => {
    const ok = { status: "ok" as const, detail: "fine" };
    const base = { camera: ok, microphone: ok, signaling: ok };
    const stun = { url: "stun:s", kind: "stun" as const, ...ok };
    expect(verdict({ ...base, servers: [stun] })).to.equal(
      "Ready for calls: camera, microphone, signaling and network all work.",
    );
    expect(verdict({ ...base, servers: [] })).to.match(/^Ready, with warnings: no STUN\/TURN/);
    expect(verdict({
      ...base,
      microphone: { status: "warn", detail: "no sound detected" },
      servers: [stun],
    })).to.equal("Ready, with warnings: the microphone: no sound detected.");
    expect(verdict({
      ...base,
      camera: { status: "fail", detail: "No camera or microphone was found." },
      servers: [{ ...stun, status: "fail", detail: "did not answer" }],
    })).to.equal(
      "Not ready: the camera: No camera or microphone was found; STUN stun:s: did not answer.",
    );
  });
});
