import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import {
  connect,
  mountCallers,
  part,
  startSignaling,
  uniqueRoom,
  waitForState,
} from "./helpers.ts";
import { itWithWebRTC } from "./webrtc-gate.ts";

describe("<p2p-call> accessibility", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  it("is accessible idle, with someone else in the room", async () => {
    const [alice] = await mountCallers(url, ["alice", "bob"]);
    await alice.updateComplete;
    expect(part(alice, "user")).to.exist;
    await expect(alice).to.be.accessible();
  });

  itWithWebRTC("is accessible ringing and in a call", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await expect(alice).to.be.accessible();

    await alice.call("bob");
    await waitForState(bob, "ringing");
    await bob.updateComplete;
    await expect(bob).to.be.accessible();
    await expect(alice).to.be.accessible();

    await bob.accept();
    await waitForState(alice, "connected");
    await alice.updateComplete;
    await expect(alice).to.be.accessible();
  });

  it("is accessible while asking for a name", async () => {
    const element = await fixture<P2pCall>(html`
      <p2p-call signaling=${url} room=${uniqueRoom()}></p2p-call>
    `);
    await waitUntil(() => element.signalingStatus === "online", "connected to the service");
    await element.updateComplete;
    expect(part(element, "name-input")).to.exist;
    await expect(element).to.be.accessible();
  });

  itWithWebRTC("is accessible showing a media error", async () => {
    const [alice] = await mountCallers(url, ["alice", "bob"]);
    sinon.stub(navigator.mediaDevices, "getUserMedia")
      .rejects(new DOMException("Permission denied", "NotAllowedError"));

    await alice.call("bob");
    await waitForState(alice, "failed");
    await alice.updateComplete;

    const error = part(alice, "error")!;
    expect(error.getAttribute("role")).to.equal("alert");
    expect(error.textContent!.trim()).not.to.equal("");
    await expect(alice).to.be.accessible();
  });

  itWithWebRTC("names every control and announces status politely", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    await alice.updateComplete;

    const status = part(alice, "status")!;
    expect(status.getAttribute("role")).to.equal("status");
    expect(status.getAttribute("aria-live")).to.equal("polite");
    for (const control of alice.shadowRoot!.querySelectorAll("button, select, video")) {
      const name = control.getAttribute("aria-label") ?? control.closest("label")?.textContent ??
        control.textContent;
      expect(name?.trim(), control.outerHTML).not.to.equal("");
    }
  });
});
