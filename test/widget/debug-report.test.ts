import { expect, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import { redact, safeUrl } from "../../widget/src/debug/debug-report.ts";
import { P2pErrorEvent } from "../../widget/src/api/events.ts";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import { connect, mountCallers, part, partWhenShown, startSignaling } from "./helpers.ts";
import { itWithWebRTC } from "./webrtc-gate.ts";

const TURN_USER = "debug-turn-user";
const TURN_SECRET = "debug-turn-secret";
const URL_TOKEN = "debug-url-token";

/** An error whose text carries what must never be copied: SDP, a candidate, a password. */
function reportLeakyError(element: P2pCall): void {
  const frame = JSON.stringify({
    type: "video-offer",
    sdp: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=ice-pwd:leakedpwd\r\n" },
    candidate: "candidate:1 1 udp 2122 192.0.2.7 5000 typ host",
    credential: TURN_SECRET,
  });
  element.dispatchEvent(new P2pErrorEvent("protocol", `unexpected frame ${frame}`));
  element.dispatchEvent(
    new P2pErrorEvent(
      "peer",
      "offer failed: v=0\no=- 1 2 IN IP4 0.0.0.0\na=fingerprint:sha-256 AB",
    ),
  );
}

describe("<p2p-call> debug report", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  async function callWithSecrets(): Promise<[P2pCall, P2pCall]> {
    const [alice, bob] = await mountCallers(`${url}?token=${URL_TOKEN}`, ["alice", "bob"]);
    // Servers that never answer, on port 4: Firefox refuses fetch's "bad ports" (e.g. 9).
    alice.iceServers = [
      { urls: "stun:127.0.0.1:4" },
      { urls: "turn:127.0.0.1:4?transport=udp", username: TURN_USER, credential: TURN_SECRET },
    ];
    await connect(alice, bob);
    reportLeakyError(alice);
    return [alice, bob];
  }

  itWithWebRTC(
    "holds the selected candidate pair type and states, and no SDP or credentials",
    async () => {
      const [alice] = await callWithSecrets();
      const pc = alice.peerConnection!;
      const ufrag = /a=ice-ufrag:(\S+)/.exec(pc.localDescription!.sdp)![1]!;

      const report = await alice.debugReport();

      expect(report).to.match(
        /^Selected candidate pair: (host|srflx|prflx|relay) ↔ (host|srflx|prflx|relay) over (udp|tcp)/m,
      );
      expect(report).to.contain(`Browser: ${navigator.userAgent}`);
      expect(report).to.contain("Call state: connected");
      expect(report).to.match(
        /^Signaling: online, ws:\/\/127\.0\.0\.1:\d+\/ws \(query hidden\), registered$/m,
      );
      expect(report).to.match(/^Peer connection: connection connected, ICE (connected|completed)/m);
      expect(report).to.match(/^Local media: .*audio live/m).and.to.match(
        /^Local media: .*video live/m,
      );
      expect(report).to.match(/state: connecting → connected/);
      expect(report).to.contain("error: protocol: unexpected frame");
      expect(report).to.contain("(credentials not shown)");
      // What must never leave the browser.
      expect(report).not.to.match(/^\s*[a-z]=/m);
      expect(report).not.to.match(/\ba=(ice-pwd|ice-ufrag|fingerprint|candidate)/);
      expect(report).not.to.contain("v=0");
      expect(report).not.to.contain("leakedpwd");
      expect(report).not.to.contain(ufrag);
      expect(report).not.to.contain("192.0.2.7");
      expect(report).not.to.contain(TURN_USER);
      expect(report).not.to.contain(TURN_SECRET);
      expect(report).not.to.contain(URL_TOKEN);
    },
  );

  itWithWebRTC("the button shows the report in a text area and copies it", async () => {
    const [alice] = await callWithSecrets();
    const writeText = sinon.stub(navigator.clipboard, "writeText").resolves();

    (await partWhenShown(alice, "debug-button")).click();

    await waitUntil(() => part(alice, "debug-report"), "the report is shown", { timeout: 10_000 });
    const textarea = part<HTMLTextAreaElement>(alice, "debug-report")!;
    expect(textarea.localName).to.equal("textarea");
    expect(textarea.readOnly).to.equal(true);
    expect(textarea.value).to.match(/^p2p-call debug report\n/);
    expect(textarea.value).to.contain("Selected candidate pair: ");
    expect(textarea.value).not.to.contain(TURN_SECRET);
    await waitUntil(() => writeText.calledOnce, "copied to the clipboard");
    expect(writeText.firstCall.args[0]).to.equal(textarea.value);
    await alice.updateComplete;
    expect(part(alice, "debug-panel")!.textContent).to.contain("Copied to the clipboard.");
    expect(part(alice, "debug-button")!.getAttribute("aria-expanded")).to.equal("true");
    await expect(alice).to.be.accessible();

    part(alice, "debug-close-button")!.click();
    await alice.updateComplete;
    expect(part(alice, "debug-panel")).to.equal(null);
  });

  it("without clipboard access, asks the user to copy by hand", async () => {
    const [alice] = await mountCallers(url, ["alice"]);
    sinon.stub(navigator.clipboard, "writeText").rejects(new DOMException("", "NotAllowedError"));

    (await partWhenShown(alice, "debug-button")).click();

    await waitUntil(
      () => part(alice, "debug-panel")?.textContent?.includes("Select the text and copy it"),
      "a hint to copy by hand",
      { timeout: 10_000 },
    );
    expect(part<HTMLTextAreaElement>(alice, "debug-report")!.value).to.contain("Call state: idle");
    expect(part<HTMLTextAreaElement>(alice, "debug-report")!.value)
      .to.contain("Selected candidate pair: none");
  });
});

describe("debug report redaction", () => {
  it("removes SDP, candidates and credentials from text", () => {
    expect(redact('{"type":"video-answer","sdp":{"type":"answer","sdp":"v=0\\r\\na=x"}}'))
      .to.equal('{"type":"video-answer","sdp":{"type":"answer","sdp":"[removed]"}}');
    expect(redact("failed: v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\na=ice-pwd:p")).to.equal(
      "failed: [sdp removed]",
    );
    expect(redact("line\na=ice-ufrag:u\na=ice-pwd:p")).to.equal("line [sdp removed] ");
    expect(redact('{"username":"u","credential":"c"}')).to.equal(
      '{"username":"[removed]","credential":"[removed]"}',
    );
    expect(redact("wss://x/ws?room=a&token=t0k")).to.equal("wss://x/ws?room=a&token=[removed]");
    expect(redact("bad candidate:1 1 udp 1 10.0.0.1 9 typ host")).to.equal(
      "bad [candidate removed]",
    );
    expect(redact("x".repeat(400))).to.have.length(301);
  });

  it("shows URLs without user info, query or fragment", () => {
    expect(safeUrl("wss://user:pw@sig.example/ws?token=t#f")).to.equal(
      "wss://sig.example/ws (query hidden)",
    );
    expect(safeUrl("ws://127.0.0.1:8080/ws")).to.equal("ws://127.0.0.1:8080/ws");
    expect(safeUrl(null)).to.equal("none");
  });
});
