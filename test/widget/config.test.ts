import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import type { P2pErrorEvent } from "../../widget/src/api/events.ts";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import { mountCallers, startSignaling, uniqueRoom, waitForState } from "./helpers.ts";
import { itWithWebRTC } from "./webrtc-gate.ts";

describe("<p2p-call> configuration", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  itWithWebRTC("passes ice-servers and ice-transport-policy to the RTCPeerConnection", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    alice.setAttribute("ice-servers", '[{"urls":"stun:127.0.0.1:3478"}]');
    alice.setAttribute("ice-transport-policy", "relay");
    await alice.updateComplete;

    await alice.call("bob");
    await waitUntil(() => alice.peerConnection, "the call has a peer connection");

    const configuration = alice.peerConnection!.getConfiguration();
    expect(configuration.iceTransportPolicy).to.equal("relay");
    expect(configuration.iceServers!.flatMap((server) => server.urls))
      .to.deep.equal(["stun:127.0.0.1:3478"]);
    await waitForState(bob, "ringing");
    alice.hangUp();
    await waitForState(bob, "ended");
  });

  it("reports an invalid ice-servers attribute and falls back", async () => {
    const element = document.createElement("p2p-call");
    element.setAttribute("ice-servers", "{not json");
    element.setAttribute("signaling", url);
    element.setAttribute("room", uniqueRoom());
    // Without WebRTC an `unsupported` comes first (webrtc-support.test.ts).
    const error = new Promise<P2pErrorEvent>((resolve) =>
      element.addEventListener("p2p-error", (event) => {
        if (event.kind !== "unsupported") resolve(event);
      })
    );

    await fixture(element);

    expect((await error).kind).to.equal("peer");
    expect(element.iceServers).to.equal(null);
  });

  itWithWebRTC("ends as unreachable when the callee is not in the room", async () => {
    const [alice] = await mountCallers(url, ["alice", "bob"]);

    await alice.call("nobody");

    await waitForState(alice, "ended");
    expect(alice.endReason).to.equal("unreachable");
    expect(alice.localStream).to.equal(null);
  });

  itWithWebRTC("rejects call() when not possible, without side effects", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    const offline = await fixture<P2pCall>(html`<p2p-call></p2p-call>`);

    await expectRejection(alice.call("alice"), "InvalidStateError");
    await expectRejection(offline.call("bob"), "InvalidStateError");
    await alice.call("bob");
    await expectRejection(alice.call("bob"), "InvalidStateError");
    expect(alice.state).to.equal("calling");
    await waitForState(bob, "ringing");
    alice.hangUp();
    await waitForState(bob, "ended");
  });
});

async function expectRejection(promise: Promise<unknown>, name: string): Promise<void> {
  const error = await promise.then(() => null, (reason: unknown) => reason);
  expect(error, "rejected").to.be.instanceOf(DOMException);
  expect((error as DOMException).name).to.equal(name);
}
