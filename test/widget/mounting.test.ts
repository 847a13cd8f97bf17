import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import sinon, { type SinonSpy } from "sinon";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import {
  connect,
  expectRemoteFrames,
  mountCallers,
  part,
  startSignaling,
  uniqueRoom,
  waitForState,
} from "./helpers.ts";
import { itWithWebRTC } from "./webrtc-gate.ts";

/** Counts the sockets the page opens from now on (the spy wraps the constructor). */
const countSockets = (): SinonSpy => sinon.spy(window, "WebSocket");

const createCaller = (url: string, name: string, room: string): P2pCall => {
  const element = document.createElement("p2p-call");
  element.setAttribute("signaling", url);
  element.setAttribute("name", name);
  element.setAttribute("room", room);
  return element;
};

/** Every track getUserMedia handed out since the spy was set. */
async function openedTracks(getUserMedia: SinonSpy): Promise<MediaStreamTrack[]> {
  const streams = await Promise.allSettled(getUserMedia.returnValues as Promise<MediaStream>[]);
  return streams.flatMap((result) => result.status === "fulfilled" ? result.value.getTracks() : []);
}

describe("<p2p-call> mounting", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  /** An element already in `room` that watches who else is there. */
  async function observer(room: string): Promise<P2pCall> {
    const element = await fixture<P2pCall>(
      html`<p2p-call signaling=${url} name="observer" room=${room}></p2p-call>`,
    );
    await waitUntil(() => element.signalingStatus === "online", "the observer is online");
    return element;
  }

  itWithWebRTC("moving the element in the DOM keeps its socket and its call", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    const sockets = countSockets();
    const pc = alice.peerConnection!;
    const tracks = alice.localStream!.getTracks();
    const elsewhere = document.createElement("section");
    alice.parentElement!.after(elsewhere);

    // A move: disconnectedCallback and connectedCallback in one task.
    elsewhere.append(alice);
    await alice.updateComplete;

    expect(alice.isConnected).to.equal(true);
    expect(alice.state).to.equal("connected");
    expect(alice.peerConnection, "same peer connection").to.equal(pc);
    expect(tracks.map((track) => track.readyState)).to.deep.equal(["live", "live"]);
    expect(alice.signalingStatus).to.equal("online");
    await expectRemoteFrames(alice);
    // The call still works over the same socket: bob's hang-up reaches alice.
    bob.hangUp();
    await waitForState(alice, "ended");
    expect(sockets.callCount, "no new socket").to.equal(0);
    expect(bob.users).to.deep.equal(["alice"]);
    elsewhere.remove();
  });

  it("an element created twice quickly (framework double mount) opens one socket", async () => {
    const room = uniqueRoom();
    const watcher = await observer(room);
    const sockets = countSockets();
    const container = watcher.parentElement!;

    const first = createCaller(url, "alice", room);
    container.append(first);
    first.remove();
    const second = createCaller(url, "alice", room);
    container.append(second);

    await waitUntil(() => watcher.users.includes("alice"), "alice joins the room");
    expect(sockets.callCount, "sockets opened").to.equal(1);
    expect(watcher.users, "alice is listed once, under her own name").to.deep.equal(["alice"]);
    expect(second.registeredName).to.equal("alice");
    expect(first.signalingStatus).to.equal("offline");
  });

  it("the same element added, removed and added again in one task opens one socket", async () => {
    const room = uniqueRoom();
    const watcher = await observer(room);
    const sockets = countSockets();
    const element = createCaller(url, "alice", room);
    const container = watcher.parentElement!;

    container.append(element);
    element.remove();
    container.append(element);

    await waitUntil(() => watcher.users.includes("alice"), "alice joins the room");
    expect(sockets.callCount).to.equal(1);
    expect(watcher.users).to.deep.equal(["alice"]);
  });

  itWithWebRTC("removal for good closes the socket and leaves no live track", async () => {
    const getUserMedia = sinon.spy(navigator.mediaDevices, "getUserMedia");
    const sockets = countSockets();
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    // The pre-call check's preview holds tracks of its own.
    const [carol] = await mountCallers(url, ["carol"]);
    void carol.precheck().catch(() => {});
    await waitUntil(() => part<HTMLVideoElement>(carol, "precheck-video")?.srcObject, "preview");
    const socketOf = (index: number) => sockets.getCall(index).returnValue as WebSocket;
    expect(sockets.callCount).to.equal(3);

    alice.remove();
    carol.remove();

    await waitUntil(
      () => [0, 2].every((index) => socketOf(index).readyState === WebSocket.CLOSED),
      "alice's and carol's sockets close",
    );
    await waitForState(bob, "ended");
    const aliceAndCarol = (await openedTracks(getUserMedia)).filter((track) =>
      !bob.localStream?.getTracks().includes(track)
    );
    expect(aliceAndCarol.length).to.be.greaterThan(2);
    expect(aliceAndCarol.filter((track) => track.readyState === "live"), "live tracks")
      .to.deep.equal([]);
    expect(bob.localStream, "bob released his too when the call ended").to.equal(null);
    expect((await openedTracks(getUserMedia)).filter((track) => track.readyState === "live"))
      .to.deep.equal([]);
  });
});
