/**
 * What the element does about the browser's WebRTC, for real in each browser:
 * Chromium and Firefox have RTCPeerConnection and offer calls; Debian's
 * WebKitGTK (web-test-runner.webkit.config.mjs) has none, and the element
 * keeps its lobby (name form, room list, presence), says "This browser can't
 * make video calls" instead of call buttons, fires `p2p-error` of kind
 * `unsupported`, rejects `call()`, and turns incoming calls away, with no
 * uncaught error. Each test checks the branch of the browser it runs in.
 */
import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import type { P2pErrorEvent } from "../../widget/src/api/events.ts";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import { NO_WEBRTC } from "../../widget/src/call/call-controller.ts";
import { part, partWhenShown, startSignaling, uniqueRoom, waitForState } from "./helpers.ts";
import { hasWebRTC } from "./webrtc-gate.ts";

const statusOf = (element: P2pCall) => part(element, "status")!.textContent!.trim();

/** A bare client of the service (MDN's vocabulary): registers, records what it receives. */
class RawClient {
  readonly received: Record<string, unknown>[] = [];
  readonly #socket: WebSocket;

  constructor(url: string, readonly name: string, room: string) {
    this.#socket = new WebSocket(`${url}?room=${encodeURIComponent(room)}`, "json");
    this.#socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      this.received.push(message);
      if (message.type === "id") this.send({ type: "username", name, id: message.id });
    });
  }

  send(message: Record<string, unknown>): void {
    this.#socket.send(JSON.stringify(message));
  }

  close(): void {
    this.#socket.close();
  }
}

/** An offer as a peer would send it; the element holds it while it rings, unparsed. */
const OFFER_SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

describe("<p2p-call> and the browser's WebRTC", () => {
  let url: string;
  let uncaught: string[];
  const onError = (event: ErrorEvent) => uncaught.push(String(event.message));
  const onRejection = (event: PromiseRejectionEvent) => uncaught.push(String(event.reason));

  before(async () => {
    ({ url } = await startSignaling());
  });

  beforeEach(() => {
    uncaught = [];
    globalThis.addEventListener("error", onError);
    globalThis.addEventListener("unhandledrejection", onRejection);
  });

  afterEach(() => {
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
    sinon.restore();
    expect(uncaught, "uncaught errors").to.deep.equal([]);
  });

  it(
    hasWebRTC
      ? "offers a call button for each member, and reports nothing"
      : "keeps the lobby, says it can't make video calls instead of call buttons, fires p2p-error unsupported",
    async () => {
      const room = uniqueRoom();
      const errors = sinon.spy();
      const container = await fixture<HTMLDivElement>(html`
        <div @p2p-error=${errors}>
          <p2p-call signaling=${url} room=${room}></p2p-call>
          <p2p-call signaling=${url} room=${room} name="bob"></p2p-call>
        </div>
      `);
      const [alice, bob] = [...container.querySelectorAll("p2p-call")] as [P2pCall, P2pCall];

      // The name form works either way.
      await waitUntil(() => alice.signalingStatus === "online", "alice reaches the service");
      const input = part<HTMLInputElement>(alice, "name-input")!;
      input.value = "alice";
      part<HTMLFormElement>(alice, "name-form")!.requestSubmit();
      await waitUntil(() => alice.users.includes("bob") && bob.users.includes("alice"), "both in");
      // The engine's tools row: each element has loaded all it needs to tell.
      await Promise.all([alice, bob].map((element) => partWhenShown(element, "precheck-button")));
      await alice.updateComplete;

      const users = [...alice.shadowRoot!.querySelectorAll(".user-name")].map((name) =>
        name.textContent
      );
      expect(users, "the room's list").to.deep.equal(["bob"]);
      if (hasWebRTC) {
        expect(part(alice, "call-button")!.getAttribute("aria-label")).to.equal("Call bob");
        expect(statusOf(alice)).to.equal("Ready. Choose someone to call.");
        expect(errors.callCount, "no p2p-error").to.equal(0);
      } else {
        expect(part(alice, "call-button"), "no call button").to.equal(null);
        expect(statusOf(alice)).to.equal("This browser can't make video calls.");
        // One per element, as each starts.
        expect(errors.callCount).to.equal(2);
        for (const [event] of errors.args as [P2pErrorEvent][]) {
          expect(event.kind).to.equal("unsupported");
          expect(event.message).to.equal(NO_WEBRTC);
        }
      }
      await expect(alice).to.be.accessible();
      expect(await alice.debugReport()).to.contain(
        hasWebRTC
          ? "Peer connection: none"
          : "Peer connection: not available (this browser has no WebRTC)",
      );

      // Presence: bob leaving reaches alice's list.
      bob.remove();
      await waitUntil(() => alice.users.length === 0, "bob leaves alice's list");
      await alice.updateComplete;
      expect(alice.shadowRoot!.querySelector(".empty")).to.exist;
    },
  );

  it(
    hasWebRTC
      ? "calls with call(), and rings for an incoming offer"
      : "rejects call() with a NotSupportedError, and turns an incoming offer away as failed",
    async () => {
      const room = uniqueRoom();
      const alice = await fixture<P2pCall>(html`
        <p2p-call signaling=${url} room=${room} name="alice"></p2p-call>
      `);
      const carol = new RawClient(url, "carol", room);
      const incoming = sinon.spy();
      alice.addEventListener("p2p-incoming-call", incoming);
      try {
        await waitUntil(() => alice.users.includes("carol"), "carol joins alice's room");

        const calling = alice.call("carol");
        if (hasWebRTC) {
          await calling;
          expect(alice.state).to.equal("calling");
          alice.hangUp();
          await waitForState(alice, "ended");
        } else {
          const error = await calling.then(() => null, (reason: unknown) => reason);
          expect(error).to.be.instanceOf(DOMException);
          expect((error as DOMException).name).to.equal("NotSupportedError");
          expect((error as DOMException).message).to.equal(NO_WEBRTC);
          expect(alice.state, "nothing started").to.equal("idle");
        }

        carol.send({
          type: "video-offer",
          name: "carol",
          target: "alice",
          sdp: { type: "offer", sdp: OFFER_SDP },
        });
        const hangUp = () =>
          carol.received.find((message) =>
            message.type === "hang-up" && message.reason !== "hangup"
          );
        if (hasWebRTC) {
          await waitForState(alice, "ringing");
          expect(incoming.callCount).to.equal(1);
          alice.decline();
        }
        await waitUntil(hangUp, "carol hears back", { timeout: 10_000 });
        expect(hangUp()!.reason).to.equal(hasWebRTC ? "declined" : "failed");
        if (!hasWebRTC) {
          expect(incoming.callCount, "no ringing").to.equal(0);
          expect(alice.state).to.equal("idle");
          expect(statusOf(alice)).to.equal("This browser can't make video calls.");
        }
      } finally {
        carol.close();
      }
    },
  );

  it(
    hasWebRTC
      ? "probes STUN/TURN entries in the pre-call check"
      : "checks camera and microphone in the pre-call check, and says it cannot check servers",
    async () => {
      // TURN without credentials: with WebRTC, RTCPeerConnection refuses it at once.
      const element = await fixture<P2pCall>(html`
        <p2p-call
          signaling=${url}
          name="alice"
          room=${uniqueRoom()}
          ice-servers='[{"urls":"turn:127.0.0.1:4"}]'
        ></p2p-call>
      `);
      const result = await element.precheck({ micWindow: 10_000, iceTimeout: 1_500 });

      expect(result.camera.status).to.equal("ok");
      expect(result.microphone.status).to.equal("ok");
      expect(result.servers.map(({ status, detail }) => ({ status, detail }))).to.deep.equal([{
        status: "fail",
        detail: hasWebRTC
          ? "is not a usable server entry"
          : "cannot be checked: this browser has no WebRTC",
      }]);
      element.closePrecheck();
    },
  );

  it(
    hasWebRTC
      ? 'offers calls in Korean with lang="ko"'
      : 'says it can\'t make video calls in Korean with lang="ko"',
    async () => {
      const room = uniqueRoom();
      const container = await fixture<HTMLDivElement>(html`
        <div lang="ko">
          <p2p-call signaling=${url} room=${room} name="alice"></p2p-call>
          <p2p-call signaling=${url} room=${room} name="bob"></p2p-call>
        </div>
      `);
      const alice = container.querySelector("p2p-call")!;
      await waitUntil(() => alice.users.includes("bob"), "bob joins alice's room");
      const expected = hasWebRTC
        ? "준비되었습니다. 통화할 사람을 선택하세요."
        : "이 브라우저에서는 영상 통화를 할 수 없습니다.";
      await waitUntil(() => statusOf(alice) === expected, "the status line in Korean", {
        timeout: 10_000,
      });
      if (hasWebRTC) {
        expect(part(alice, "call-button")!.getAttribute("aria-label")).to.equal("bob님에게 전화");
      } else {
        expect(part(alice, "call-button")).to.equal(null);
      }
      expect(part(alice, "join-button"), "a name was given: no form").to.equal(null);
      await expect(alice).to.be.accessible();
    },
  );
});
