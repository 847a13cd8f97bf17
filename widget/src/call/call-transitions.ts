/**
 * The call state machine's moves. The call controller makes them; the
 * element and the page only read the state (api/call-state.ts).
 */
import { CallState, type EndReason, isInCall } from "../api/call-state.ts";

export type CallEvent =
  | { type: "dial" }
  | { type: "incoming" }
  | { type: "accept" }
  /** The callee's answer arrived, or glare made us the answering side. */
  | { type: "answered" }
  | { type: "media-connected" }
  | { type: "media-interrupted" }
  /**
   * The peer's page went away (a reload) and will call back: its connection
   * is gone. Told by its `hang-up` marked `resume`, or, where that could not
   * be sent (Firefox closes the page's sockets before `pagehide`), by the
   * call back itself, right before `peer-back`.
   */
  | { type: "peer-away" }
  /** The peer called back after its reload; a fresh connection is being set up. */
  | { type: "peer-back" }
  | { type: "end"; reason: EndReason }
  | { type: "fail"; reason: EndReason };

/** Answered and not over: connecting, connected or reconnecting (a peer can be "away"). */
export const isAnswered = (state: CallState): boolean =>
  state === CallState.Connecting || state === CallState.Connected ||
  state === CallState.Reconnecting;

/** The state `event` leads to from `state`, or `null` if the move is not allowed. */
export function nextState(state: CallState, event: CallEvent): CallState | null {
  switch (event.type) {
    case "dial":
      return isInCall(state) ? null : CallState.Calling;
    case "incoming":
      return isInCall(state) ? null : CallState.Ringing;
    case "accept":
      return state === CallState.Ringing ? CallState.Connecting : null;
    case "answered":
      return state === CallState.Calling ? CallState.Connecting : null;
    case "media-connected":
      // Calling → connected covers an answer whose ICE won the race against
      // our own bookkeeping of the answer.
      return state === CallState.Calling || state === CallState.Connecting ||
          state === CallState.Reconnecting
        ? CallState.Connected
        : null;
    case "media-interrupted":
      return state === CallState.Connected ? CallState.Reconnecting : null;
    case "peer-away":
      return isAnswered(state) ? CallState.Reconnecting : null;
    case "peer-back":
      return state === CallState.Reconnecting ? CallState.Connecting : null;
    case "end":
      return isInCall(state) ? CallState.Ended : null;
    case "fail":
      return isInCall(state) ? CallState.Failed : null;
    default: {
      const unhandled: never = event;
      throw new Error(`unknown call event ${JSON.stringify(unhandled)}`);
    }
  }
}
