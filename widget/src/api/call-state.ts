/**
 * The call states. The state machine's events, and the one pure function
 * that decides which event moves which state, are in call-transitions.ts.
 * Nothing else sets the state, so an impossible move (say, "answered" while
 * ringing) is rejected in one place.
 */
import type { HangUpReason } from "../element/protocol.ts";

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

const IN_CALL: ReadonlySet<CallState> = new Set([
  CallState.Calling,
  CallState.Ringing,
  CallState.Connecting,
  CallState.Connected,
  CallState.Reconnecting,
]);

/** True while a call is being set up or running (a new offer from someone else is "busy"). */
export const isInCall = (state: CallState): boolean => IN_CALL.has(state);
