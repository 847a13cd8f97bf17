/**
 * The wire protocol as the element sees it: the message types shared with the
 * service (signaling/protocol.ts, the single source of truth) plus the one
 * place where untrusted frames from the socket become typed messages.
 */
import type {
  ErrorMessage,
  HangUpMessage,
  IceCandidate,
  IceServer,
  IdMessage,
  NewIceCandidateMessage,
  RejectUsernameMessage,
  ResumeMessage,
  SessionDescription,
  UserListMessage,
  VideoAnswerMessage,
  VideoOfferMessage,
} from "../../signaling/protocol.ts";
import { HANG_UP_REASONS, SUBPROTOCOL } from "../../signaling/protocol.ts";

export type {
  ClientMessage,
  ErrorCode,
  ErrorMessage,
  HangUpMessage,
  HangUpReason,
  IceCandidate,
  IceServer,
  IdMessage,
  NewIceCandidateMessage,
  RejectUsernameMessage,
  RelayedMessage,
  ResumeMessage,
  ServerMessage,
  SessionDescription,
  UserListMessage,
  VideoAnswerMessage,
  VideoOfferMessage,
} from "../../signaling/protocol.ts";
export { HANG_UP_REASONS, SUBPROTOCOL };

/**
 * A resume token the service may add to `id` or to a registration reply
 * (issue 6); the element sends it back as `resume` in its next `username`
 * after a reconnect or reload, to keep its name (see resume-token.ts).
 */
export interface Resumable {
  resume?: string;
}

/** A message the element acts on, after validation. */
export type IncomingMessage =
  | (IdMessage & Resumable)
  | (RejectUsernameMessage & Resumable)
  | UserListMessage
  | ResumeMessage
  | ErrorMessage
  | VideoOfferMessage
  | VideoAnswerMessage
  | NewIceCandidateMessage
  | HangUpMessage;

/** Why a frame could not be used. `ignored` frames are valid but not for us (e.g. chat). */
export type ParseResult =
  | { ok: true; message: IncomingMessage }
  | { ok: false; ignored: true }
  | { ok: false; ignored: false; problem: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isString = (value: unknown): value is string => typeof value === "string";

const bad = (problem: string): ParseResult => ({ ok: false, ignored: false, problem });

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

function parseIceServers(value: unknown): IceServer[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((server): server is IceServer =>
    isObject(server) &&
    (isString(server.urls) || (Array.isArray(server.urls) && server.urls.every(isString)))
  );
}

/** `{resume}` if the frame carries a usable token, else nothing (no `undefined` key). */
const resumeOf = (data: Json): Resumable =>
  isString(data.resume) && data.resume !== "" ? { resume: data.resume } : {};

/** The single validation point for frames from the service. Never throws. */
export function parseServerMessage(text: unknown): ParseResult {
  if (!isString(text)) return bad("binary frame");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return bad("frame is not JSON");
  }
  if (!isObject(data) || !isString(data.type)) return bad("frame has no type");

  switch (data.type) {
    case "id":
      if (typeof data.id !== "number") return bad("id without a numeric id");
      return {
        ok: true,
        message: {
          type: "id",
          id: data.id,
          protocol: typeof data.protocol === "number" ? data.protocol : undefined,
          iceServers: parseIceServers(data.iceServers),
          ...resumeOf(data),
          ...(typeof data.resumeGrace === "number" && data.resumeGrace > 0
            ? { resumeGrace: data.resumeGrace }
            : {}),
        },
      };
    case "rejectusername":
      if (!isString(data.name)) return bad("rejectusername without a name");
      return {
        ok: true,
        message: {
          type: "rejectusername",
          id: Number(data.id),
          name: data.name,
          ...resumeOf(data),
        },
      };
    case "resume":
      return {
        ok: true,
        message: {
          type: "resume",
          ok: data.ok === true,
          ...(isString(data.name) ? { name: data.name } : {}),
        },
      };
    case "userlist":
      if (!Array.isArray(data.users)) return bad("userlist without users");
      return { ok: true, message: { type: "userlist", users: data.users.filter(isString) } };
    case "error":
      return {
        ok: true,
        message: {
          type: "error",
          code: data.code as ErrorMessage["code"],
          message: isString(data.message) ? data.message : String(data.code),
          target: isString(data.target) ? data.target : undefined,
        },
      };
    case "video-offer":
    case "video-answer": {
      if (!isString(data.name)) return bad(`${data.type} without a sender`);
      const sdp = parseDescription(data.sdp, data.type === "video-offer" ? "offer" : "answer");
      if (!sdp) return bad(`${data.type} without a usable sdp`);
      const base = { name: data.name, target: String(data.target), sdp };
      if (data.type === "video-answer") {
        return { ok: true, message: { type: "video-answer", ...base } };
      }
      // A caller back from a reload marks its offer (issue 6).
      const resume = data.resume === true ? { resume: true } : {};
      return { ok: true, message: { type: "video-offer", ...base, ...resume } };
    }
    case "new-ice-candidate": {
      if (!isString(data.name)) return bad("new-ice-candidate without a sender");
      const candidate = parseCandidate(data.candidate);
      if (candidate === undefined) return bad("new-ice-candidate with a malformed candidate");
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
      if (!isString(data.name)) return bad("hang-up without a sender");
      const reason = (HANG_UP_REASONS as readonly unknown[]).includes(data.reason)
        ? data.reason as HangUpMessage["reason"]
        : undefined;
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
    default:
      // Chat lines and future message types: valid, just not ours to handle.
      return { ok: false, ignored: true };
  }
}
