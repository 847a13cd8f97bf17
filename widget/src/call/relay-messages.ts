/**
 * Checks the call messages another member relayed (offer, answer, candidate,
 * hang-up): untrusted frames become typed messages here, in the call
 * engine's chunk, since only a call needs them. The element's own service
 * messages are checked in protocol.ts.
 */
import {
  type HangUpMessage,
  type HangUpReason,
  type IceCandidate,
  isObject,
  isString,
  type NewIceCandidateMessage,
  type SessionDescription,
  type UncheckedRelay,
  type VideoAnswerMessage,
  type VideoOfferMessage,
} from "../element/protocol.ts";

/** A relayed message as received: the service has stamped the sender's `name`. */
export type ReceivedRelay =
  | (VideoOfferMessage & { name: string })
  | (VideoAnswerMessage & { name: string })
  | (NewIceCandidateMessage & { name: string })
  | (HangUpMessage & { name: string });

export type RelayCheck =
  | { ok: true; message: ReceivedRelay }
  | { ok: false; problem: string };

const problem = (text: string): RelayCheck => ({ ok: false, problem: text });

/**
 * HANG_UP_REASONS (signaling/protocol.ts) as a set the compiler checks
 * against it, a missing or extra reason does not type-check: the array
 * itself would have to load with the element, which needs it nowhere else.
 */
const HANG_UP_REASON: Record<HangUpReason, true> = {
  hangup: true,
  declined: true,
  busy: true,
  failed: true,
  timeout: true,
};
const isHangUpReason = (value: unknown): value is HangUpReason =>
  isString(value) && Object.hasOwn(HANG_UP_REASON, value);

/**
 * Accepts `{type, sdp}` objects and, for older MDN-style clients, a bare SDP
 * string whose type follows from the message type.
 */
function parseDescription(value: unknown, type: "offer" | "answer"): SessionDescription | null {
  if (isString(value)) return { type, sdp: value };
  if (isObject(value) && value.type === type && isString(value.sdp)) {
    return { type, sdp: value.sdp };
  }
  return null;
}

function parseCandidate(value: unknown): IceCandidate | null | undefined {
  if (value === null || value === undefined) return null;
  if (!isObject(value) || !isString(value.candidate)) return undefined;
  return {
    candidate: value.candidate,
    sdpMid: isString(value.sdpMid) ? value.sdpMid : null,
    sdpMLineIndex: typeof value.sdpMLineIndex === "number" ? value.sdpMLineIndex : null,
    usernameFragment: isString(value.usernameFragment) ? value.usernameFragment : null,
  };
}

/** The single validation point for relayed call messages. Never throws. */
export function checkRelay({ type, frame: data }: UncheckedRelay): RelayCheck {
  switch (type) {
    case "video-offer":
    case "video-answer": {
      if (!isString(data.name)) return problem(`${type} without a sender`);
      const sdp = parseDescription(data.sdp, type === "video-offer" ? "offer" : "answer");
      if (!sdp) return problem(`${type} without a usable sdp`);
      const base = { name: data.name, target: String(data.target), sdp };
      if (type === "video-answer") {
        return { ok: true, message: { type: "video-answer", ...base } };
      }
      // A caller back from a reload marks its offer (issue 6).
      const resume = data.resume === true ? { resume: true } : {};
      return { ok: true, message: { type: "video-offer", ...base, ...resume } };
    }
    case "new-ice-candidate": {
      if (!isString(data.name)) return problem("new-ice-candidate without a sender");
      const candidate = parseCandidate(data.candidate);
      if (candidate === undefined) return problem("new-ice-candidate with a malformed candidate");
      return {
        ok: true,
        message: {
          type: "new-ice-candidate",
          name: data.name,
          target: String(data.target),
          candidate,
        },
      };
    }
    case "hang-up": {
      if (!isString(data.name)) return problem("hang-up without a sender");
      const reason = isHangUpReason(data.reason) ? data.reason : undefined;
      return {
        ok: true,
        message: {
          type: "hang-up",
          name: data.name,
          reason,
          // The sender reloads and will call again (issue 6).
          ...(data.resume === true ? { resume: true } : {}),
        },
      };
    }
  }
}
