/**
 * The wire protocol as the element sees it: the message types shared with the
 * service (signaling/protocol.ts, the single source of truth) plus the one
 * place where untrusted frames from the socket become typed messages.
 */
import type {
  ErrorMessage,
  IceServer,
  IceServersMessage,
  IdMessage,
  RejectUsernameMessage,
  RelayedMessage,
  ResumeMessage,
  UserListMessage,
} from "../../../signaling/protocol.ts";
import { SUBPROTOCOL } from "../../../signaling/protocol.ts";

export type {
  ClientMessage,
  ErrorCode,
  ErrorMessage,
  HangUpMessage,
  HangUpReason,
  IceCandidate,
  IceServer,
  IceServersMessage,
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
} from "../../../signaling/protocol.ts";
export { SUBPROTOCOL };

/**
 * A resume token the service may add to `id` (issue 6); the element sends it
 * back as `resume` in its next `username` after a reconnect or reload, to
 * keep its name (see resume-token.ts).
 */
export interface Resumable {
  resume?: string;
}

/**
 * A call message another member sent (offer, answer, candidate, hang-up),
 * not checked yet: the call engine checks it (relay-messages.ts), so the
 * code for it loads with the call, not with the element.
 */
export interface UncheckedRelay {
  type: RelayedMessage["type"];
  frame: Json;
}

/** A message the element acts on, after validation (relayed call messages: see UncheckedRelay). */
export type IncomingMessage =
  | (IdMessage & Resumable)
  | IceServersMessage
  | RejectUsernameMessage
  | UserListMessage
  | ResumeMessage
  | ErrorMessage
  | UncheckedRelay;

/** Why a frame could not be used. `ignored` frames are valid but not for us (e.g. chat). */
export type ParseResult =
  | { ok: true; message: IncomingMessage }
  | { ok: false; ignored: true }
  | { ok: false; ignored: false; problem: string };

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export const isString = (value: unknown): value is string => typeof value === "string";

const bad = (problem: string): ParseResult => ({ ok: false, ignored: false, problem });

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
    return bad("not JSON");
  }
  if (!isObject(data) || !isString(data.type)) return bad("no type");

  switch (data.type) {
    case "id":
      if (typeof data.id !== "number") return bad("id not a number");
      return {
        ok: true,
        message: {
          type: "id",
          id: data.id,
          iceServers: parseIceServers(data.iceServers),
          ...resumeOf(data),
          ...(typeof data.resumeGrace === "number" && data.resumeGrace > 0
            ? { resumeGrace: data.resumeGrace }
            : {}),
        },
      };
    case "ice-servers":
      // TURN credentials, sent once the socket registered (issue 11).
      return {
        ok: true,
        message: { type: "ice-servers", iceServers: parseIceServers(data.iceServers) ?? [] },
      };
    case "rejectusername":
      if (!isString(data.name)) return bad("rejectusername: no name");
      return {
        ok: true,
        message: {
          type: "rejectusername",
          id: Number(data.id),
          name: data.name,
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
      if (!Array.isArray(data.users)) return bad("userlist: no users");
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
    case "video-answer":
    case "new-ice-candidate":
    case "hang-up":
      // Checked by the call engine (relay-messages.ts): only a call needs them.
      return { ok: true, message: { type: data.type, frame: data } };
    default:
      // Chat lines and future message types: valid, just not ours to handle.
      return { ok: false, ignored: true };
  }
}
