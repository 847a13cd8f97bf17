/**
 * The status line during and after a call (without a call it is
 * element/words.ts's `describeLobby`): which sentence of the words table
 * (call-labels.ts has the English) fits the call. Pure functions, so every
 * state and end reason has a tested wording and a new reason cannot be
 * forgotten (the switches are exhaustive).
 */
import { CallState, type EndReason } from "../api/call-state.ts";
import { formatLabel } from "../element/words.ts";
import type { englishCallLabels } from "./call-labels.ts";

/** The sentences these functions pick from. */
export type CallSentences = { [K in keyof typeof englishCallLabels]: string };

export interface CallSummary {
  /** Any state but idle: without a call the status line is the lobby's. */
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

type Sentence = keyof CallSentences;

function endSentence({ reason, by, direction, endedFrom }: EndSummary): Sentence {
  switch (reason) {
    case "hangup":
      if (endedFrom === CallState.Ringing && by === "remote") return "endMissed";
      if (endedFrom === CallState.Calling && by === "local") return "endCancelled";
      return by === "local" ? "endByMe" : "endByPeer";
    case "declined":
      return by === "local" ? "endDeclinedByMe" : "endDeclinedByPeer";
    case "busy":
      return "endBusy";
    case "timeout":
      return direction === "outgoing" ? "endNoAnswer" : "endMissed";
    case "unreachable":
      return "endUnreachable";
    case "failed":
      return by === "local" ? "endFailed" : "endFailedRemote";
    case "media":
      return "endMedia";
    default:
      return reason satisfies never;
  }
}

export function describeEnd(end: EndSummary, text: CallSentences): string {
  return formatLabel(text[endSentence(end)], { name: end.peer });
}

/** The status line during and after a call, in the language of `text`. */
export function describeCall(call: CallSummary, text: CallSentences): string {
  const peer = call.peer ?? "";
  const sentence = (key: Sentence) => formatLabel(text[key], { name: peer });
  switch (call.state) {
    case CallState.Calling:
      return sentence("callCalling");
    case CallState.Ringing:
      return sentence("callRinging");
    case CallState.Connecting:
      return sentence("callConnecting");
    case CallState.Connected:
      return sentence("callConnected");
    case CallState.Reconnecting:
      return sentence("callReconnecting");
    case CallState.Ended:
    case CallState.Failed:
      return call.endReason && call.endedBy
        ? describeEnd({
          reason: call.endReason,
          by: call.endedBy,
          direction: call.direction,
          peer,
          endedFrom: call.endedFrom,
        }, text)
        : text.callEnded;
    default:
      return call.state satisfies never;
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
