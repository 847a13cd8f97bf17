/**
 * The call state machine: every state, every event, and the one pure function
 * that decides which event moves which state. Nothing else sets the state, so
 * an impossible move (say, "answered" while ringing) is rejected in one place.
 */
import type { HangUpReason } from "./protocol.ts";

export const CallState = {
  /** No call yet. */
  Idle: "idle",
  /** We sent (or are about to send) an offer and wait for an answer. */
  Calling: "calling",
  /** Someone is calling us; Accept / Decline is offered. */
  Ringing: "ringing",
  /** Offer and answer exchanged; ICE is connecting. */
  Connecting: "connecting",
  /** Media flows. */
  Connected: "connected",
  /**
   * Media was interrupted and ICE is restarting, or the other side is
   * reloading its page and will call back (issue 6).
   */
  Reconnecting: "reconnecting",
  /** The call ended normally (hung up, declined, busy, unanswered, unreachable). */
  Ended: "ended",
  /** The call could not continue (no media device, ICE failed). */
  Failed: "failed",
} as const;
export type CallState = typeof CallState[keyof typeof CallState];

/**
 * Why the last call ended: the wire reasons, plus outcomes only this side sees:
 * `unreachable` (the service does not know the callee) and `media` (no camera
 * or microphone could be opened).
 */
export type EndReason = HangUpReason | "unreachable" | "media";

export type CallEvent =
  | { type: "dial" }
  | { type: "incoming" }
  | { type: "accept" }
  /** The callee's answer arrived, or glare made us the answering side. */
  | { type: "answered" }
  | { type: "media-connected" }
  | { type: "media-interrupted" }
  /** The peer's page went away (a reload) and will call back: its connection is gone. */
  | { type: "peer-away" }
  /** The peer called back after its reload; a fresh connection is being set up. */
  | { type: "peer-back" }
  | { type: "end"; reason: EndReason }
  | { type: "fail"; reason: EndReason };

const IN_CALL: ReadonlySet<CallState> = new Set([
  CallState.Calling,
  CallState.Ringing,
  CallState.Connecting,
  CallState.Connected,
  CallState.Reconnecting,
]);

/** True while a call is being set up or running (a new offer from someone else is "busy"). */
export const isInCall = (state: CallState): boolean => IN_CALL.has(state);

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
      return state === CallState.Connecting || state === CallState.Connected ||
          state === CallState.Reconnecting
        ? CallState.Reconnecting
        : null;
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
