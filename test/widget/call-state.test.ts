import { expect } from "@open-wc/testing";
import { CallState, isInCall } from "../../widget/src/api/call-state.ts";
import { type CallEvent, nextState } from "../../widget/src/call/call-transitions.ts";

const all = Object.values(CallState);

describe("call state machine", () => {
  it("starts calls only outside a call", () => {
    for (const state of all) {
      const expected = isInCall(state) ? null : "calling";
      expect(nextState(state, { type: "dial" }), state).to.equal(expected);
    }
    expect(nextState("ended", { type: "incoming" })).to.equal("ringing");
    expect(nextState("connected", { type: "incoming" })).to.equal(null);
  });

  it("follows a call from dial to hang-up", () => {
    const steps: [CallEvent, CallState][] = [
      [{ type: "dial" }, "calling"],
      [{ type: "answered" }, "connecting"],
      [{ type: "media-connected" }, "connected"],
      [{ type: "media-interrupted" }, "reconnecting"],
      [{ type: "media-connected" }, "connected"],
      [{ type: "end", reason: "hangup" }, "ended"],
    ];
    let state: CallState = "idle";
    for (const [event, expected] of steps) {
      state = nextState(state, event)!;
      expect(state, event.type).to.equal(expected);
    }
  });

  it("rejects moves that make no sense", () => {
    expect(nextState("ringing", { type: "answered" })).to.equal(null);
    expect(nextState("calling", { type: "accept" })).to.equal(null);
    expect(nextState("connecting", { type: "media-interrupted" })).to.equal(null);
    expect(nextState("idle", { type: "end", reason: "hangup" })).to.equal(null);
    expect(nextState("ended", { type: "fail", reason: "failed" })).to.equal(null);
  });

  it("can fail from every in-call state", () => {
    for (const state of all.filter(isInCall)) {
      expect(nextState(state, { type: "fail", reason: "failed" }), state).to.equal("failed");
    }
  });
});
