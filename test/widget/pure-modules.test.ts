import { expect } from "@open-wc/testing";
import { backoffDelay } from "../../widget/src/element/backoff.ts";
import type { CallState, EndReason } from "../../widget/src/api/call-state.ts";
import { describeLobby, englishLabels } from "../../widget/src/element/words.ts";
import { englishCallLabels } from "../../widget/src/call/call-labels.ts";
import { describeMediaError } from "../../widget/src/call/media-errors.ts";
import { parseServerMessage } from "../../widget/src/element/protocol.ts";
import { checkRelay } from "../../widget/src/call/relay-messages.ts";
import { resolveSignalingUrl } from "../../widget/src/element/signaling-url.ts";
import { describeCall, describeEnd, formatDuration } from "../../widget/src/call/status-text.ts";

describe("backoffDelay", () => {
  const options = { initial: 500, max: 15_000 };

  it("doubles up to the cap, with half of each delay jittered", () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, options, () => 0)))
      .to.deep.equal([250, 500, 1000, 2000, 7500]);
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, options, () => 1)))
      .to.deep.equal([500, 1000, 2000, 4000, 15_000]);
  });
});

describe("resolveSignalingUrl", () => {
  it("defaults to /ws of the page origin with a matching scheme", () => {
    expect(resolveSignalingUrl(null, "http://example.org/page")).to.equal("ws://example.org/ws");
    expect(resolveSignalingUrl("", "https://example.org:8443/a/b"))
      .to.equal("wss://example.org:8443/ws");
  });

  it("keeps ws URLs and resolves relative ones", () => {
    expect(resolveSignalingUrl("wss://sig.example/ws?room=x", "https://a.example/"))
      .to.equal("wss://sig.example/ws?room=x");
    expect(resolveSignalingUrl("/signal", "https://a.example/x")).to.equal(
      "wss://a.example/signal",
    );
  });
});

describe("parseServerMessage", () => {
  it("hands relayed call messages on unchecked, to the call engine", () => {
    const frame = { type: "video-offer", name: "bob", target: "alice", sdp: 42 };
    expect(parseServerMessage(JSON.stringify(frame))).to.deep.equal({
      ok: true,
      message: { type: "video-offer", frame },
    });
  });

  it("ignores chat and unknown types, and flags malformed frames", () => {
    expect(parseServerMessage('{"type":"message","text":"hi","name":"x"}'))
      .to.deep.equal({ ok: false, ignored: true });
    expect(parseServerMessage("not json")).to.include({ ok: false, ignored: false });
    expect(parseServerMessage('{"id":3}')).to.include({ ok: false, ignored: false });
    expect(parseServerMessage('{"type":"userlist","users":"bob"}'))
      .to.include({ ok: false, ignored: false });
  });

  it("keeps the iceServers of the id message", () => {
    const id = parseServerMessage(
      '{"type":"id","id":7,"iceServers":[{"urls":"turn:t.example","username":"u","credential":"c"},3]}',
    );
    expect(id.ok && id.message).to.deep.equal({
      type: "id",
      id: 7,
      iceServers: [{ urls: "turn:t.example", username: "u", credential: "c" }],
    });
  });
});

describe("checkRelay", () => {
  const check = (json: string) => {
    const frame = JSON.parse(json);
    return checkRelay({ type: frame.type, frame });
  };

  it("accepts the MDN vocabulary", () => {
    expect(check(JSON.stringify({
      type: "video-offer",
      name: "bob",
      target: "alice",
      sdp: { type: "offer", sdp: "v=0" },
    }))).to.deep.equal({
      ok: true,
      message: {
        type: "video-offer",
        name: "bob",
        target: "alice",
        sdp: { type: "offer", sdp: "v=0" },
      },
    });
    expect(check('{"type":"hang-up","name":"bob","target":null}')).to.deep.equal({
      ok: true,
      message: { type: "hang-up", name: "bob", reason: undefined },
    });
  });

  it("keeps known hang-up reasons and drops unknown ones", () => {
    const reason = (value: unknown) => {
      const result = check(JSON.stringify({ type: "hang-up", name: "b", reason: value }));
      return result.ok && result.message.type === "hang-up" ? result.message.reason : "rejected";
    };
    expect(["busy", "declined", "timeout", "toString", 3].map(reason))
      .to.deep.equal(["busy", "declined", "timeout", undefined, undefined]);
  });

  it("accepts an SDP string from older clients", () => {
    const answer = check('{"type":"video-answer","name":"b","target":"a","sdp":"v=0"}');
    expect(answer.ok && answer.message).to.deep.include({ sdp: { type: "answer", sdp: "v=0" } });
  });

  it("flags malformed call messages", () => {
    expect(check('{"type":"video-offer","name":"b","sdp":42}'))
      .to.deep.equal({ ok: false, problem: "video-offer without a usable sdp" });
    expect(check('{"type":"new-ice-candidate","name":"b","candidate":5}'))
      .to.deep.equal({ ok: false, problem: "new-ice-candidate with a malformed candidate" });
    expect(check('{"type":"hang-up"}'))
      .to.deep.equal({ ok: false, problem: "hang-up without a sender" });
  });
});

describe("status text", () => {
  it("has a sentence for every end reason", () => {
    const end = (
      reason: EndReason,
      by: "local" | "remote",
      direction: "outgoing" | "incoming" = "outgoing",
      endedFrom: CallState = "connected",
    ) => describeEnd({ reason, by, direction, peer: "bob", endedFrom }, englishCallLabels);
    expect(end("busy", "remote")).to.equal("bob is busy in another call.");
    expect(end("declined", "remote")).to.equal("bob declined the call.");
    expect(end("timeout", "local", "incoming")).to.equal("Missed call from bob.");
    expect(end("hangup", "remote", "incoming", "ringing")).to.equal("Missed call from bob.");
    expect(end("hangup", "local", "outgoing", "calling")).to.equal("Call to bob cancelled.");
    expect(end("hangup", "remote")).to.equal("bob hung up.");
    expect(end("unreachable", "remote")).to.equal("bob is not available.");
    expect(end("failed", "local")).to.contain("connection was lost");
    expect(end("media", "local")).to.contain("the camera or microphone is unavailable");
  });

  it("describes every call state", () => {
    const base = {
      peer: "bob",
      direction: "outgoing",
      endReason: null,
      endedBy: null,
      endedFrom: null,
    } as const;
    expect(describeCall({ ...base, state: "calling" }, englishCallLabels)).to.equal("Calling bob…");
    expect(describeCall({ ...base, state: "ringing" }, englishCallLabels)).to.equal(
      "bob is calling you.",
    );
    expect(describeCall({ ...base, state: "reconnecting" }, englishCallLabels)).to.contain(
      "Reconnecting",
    );
    expect(describeCall({ ...base, state: "ended" }, englishCallLabels)).to.equal("Call ended.");
  });

  it("describes the lobby (no call) by the signaling status", () => {
    expect(describeLobby("reconnecting", "alice", englishLabels)).to.contain("Reconnecting");
    expect(describeLobby("online", "alice", englishLabels)).to.contain("Ready");
    expect(describeLobby("online", null, englishLabels)).to.equal("Enter your name to join.");
  });

  it("formats durations", () => {
    expect([0, 5_400, 61_000, 3_723_000].map(formatDuration))
      .to.deep.equal(["0:00", "0:05", "1:01", "1:02:03"]);
  });
});

describe("describeMediaError", () => {
  it("never shows a raw exception name", () => {
    for (
      const name of [
        "NotAllowedError",
        "NotFoundError",
        "NotReadableError",
        "OverconstrainedError",
        "Weird",
      ]
    ) {
      const text = describeMediaError(new DOMException("x", name), englishCallLabels);
      expect(text).not.to.contain(name);
      expect(text.length).to.be.greaterThan(10);
    }
  });
});
