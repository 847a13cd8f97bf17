/**
 * The English sentences the status line shows during and after a call
 * (without a call it is lobby-text.ts). Pure functions, so every state and
 * end reason has a tested wording and a new reason cannot be forgotten
 * (the switches are exhaustive). They come with the call engine's chunk:
 * only a call needs them.
 */
import { CallState, type EndReason } from "../api/call-state.ts";

export interface CallSummary {
  /** Any state but idle: without a call the status line is lobby-text.ts's. */
  state: Exclude<CallState, typeof CallState.Idle>;
  peer: string | null;
  direction: "outgoing" | "incoming";
  endReason: EndReason | null;
  endedBy: "local" | "remote" | null;
  /** The state the last call was in when it ended. */
  endedFrom: CallState | null;
}

export interface EndSummary {
  reason: EndReason;
  by: "local" | "remote";
  direction: "outgoing" | "incoming";
  peer: string;
  endedFrom: CallState | null;
}

export function describeEnd({ reason, by, direction, peer, endedFrom }: EndSummary): string {
  switch (reason) {
    case "hangup":
      if (endedFrom === CallState.Ringing && by === "remote") return `Missed call from ${peer}.`;
      if (endedFrom === CallState.Calling && by === "local") return `Call to ${peer} cancelled.`;
      return by === "local" ? `Call with ${peer} ended.` : `${peer} hung up.`;
    case "declined":
      return by === "local" ? `You declined the call from ${peer}.` : `${peer} declined the call.`;
    case "busy":
      return `${peer} is busy in another call.`;
    case "timeout":
      return direction === "outgoing" ? `${peer} did not answer.` : `Missed call from ${peer}.`;
    case "unreachable":
      return `${peer} is not available.`;
    case "failed":
      return by === "local"
        ? `The call with ${peer} failed: the connection was lost.`
        : `The call with ${peer} failed on their side.`;
    case "media":
      return `Could not start the call with ${peer}: the camera or microphone is unavailable.`;
    default: {
      const unhandled: never = reason;
      return String(unhandled);
    }
  }
}

/** The status line during and after a call. */
export function describeCall(call: CallSummary): string {
  const peer = call.peer ?? "";
  switch (call.state) {
    case CallState.Calling:
      return `Calling ${peer}…`;
    case CallState.Ringing:
      return `${peer} is calling you.`;
    case CallState.Connecting:
      return `Connecting to ${peer}…`;
    case CallState.Connected:
      return `In a call with ${peer}.`;
    case CallState.Reconnecting:
      return `Connection to ${peer} interrupted. Reconnecting…`;
    case CallState.Ended:
    case CallState.Failed:
      return call.endReason && call.endedBy
        ? describeEnd({
          reason: call.endReason,
          by: call.endedBy,
          direction: call.direction,
          peer,
          endedFrom: call.endedFrom,
        })
        : "Call ended.";
    default: {
      const unhandled: never = call.state;
      return String(unhandled);
    }
  }
}

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}`
    : `${minutes}:${seconds}`;
}
