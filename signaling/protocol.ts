/**
 * The p2p-call signaling wire protocol, version 1 (see docs/protocol.md).
 *
 * This module is shared by the Deno service and the `<p2p-call>` element, so it
 * holds only types and constants: no Deno or DOM APIs.
 */

export const PROTOCOL_VERSION = 1;

/** WebSocket subprotocol selected when the client offers it (MDN's client does). */
export const SUBPROTOCOL = "json";

/** Why a call ended; carried by `hang-up`. */
export const HANG_UP_REASONS = ["hangup", "declined", "busy", "failed", "timeout"] as const;
export type HangUpReason = typeof HANG_UP_REASONS[number];

/**
 * Every error code the service may send. `reserved-type` (an extension of the
 * design contract) refuses client frames that use a type only the service may
 * send (`id`, `rejectusername`, `userlist`, `error`), so a peer cannot forge
 * a user list or an error into someone else's socket.
 */
export const ERROR_CODES = [
  "bad-json",
  "not-object",
  "too-large",
  "binary-unsupported",
  "not-registered",
  "invalid-name",
  "missing-target",
  "unknown-target",
  "rate-limited",
  "unauthorized",
  "reserved-type",
  "room-full",
] as const;
export type ErrorCode = typeof ERROR_CODES[number];

/** Message types only the service sends; clients may not send or relay them. */
export const SERVICE_ONLY_TYPES = ["id", "rejectusername", "userlist", "error", "resume"] as const;

/** Close codes the service uses. */
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY_VIOLATION = 1008;
export const CLOSE_TOO_LARGE = 1009;
/** The service cannot serve the socket right now (its presence store is unreachable). */
export const CLOSE_TRY_AGAIN_LATER = 1013;

// ---- service → client -------------------------------------------------------

/** Plain ICE server description (structurally an RTCIceServer). */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface IdMessage {
  type: "id";
  id: number;
  protocol?: number;
  iceServers?: IceServer[];
  /**
   * This socket's resume token (when the service holds names for a resume):
   * after a reload or a network blip, a new socket sends it as `resume` in
   * its `username` to take this socket's name back.
   */
  resume?: string;
  /** Seconds a dropped socket's name is held for a resume. */
  resumeGrace?: number;
}

export interface RejectUsernameMessage {
  type: "rejectusername";
  id: number;
  /** The unique name the service assigned instead; the client adopts it. */
  name: string;
}

export interface UserListMessage {
  type: "userlist";
  users: string[];
}

/**
 * The answer to a `username` that carried a non-empty `resume` token, after
 * any `rejectusername`. `ok: true`: the socket has the held name back (`name`)
 * and the `held` frames sent to it meanwhile follow, then a `userlist`.
 * `ok: false`: the token was unknown, used or expired; a plain registration.
 */
export interface ResumeMessage {
  type: "resume";
  ok: boolean;
  name?: string;
  held?: number;
}

export interface ErrorMessage {
  type: "error";
  code: ErrorCode;
  message: string;
  target?: string;
}

// ---- client → service -------------------------------------------------------

export interface UsernameMessage {
  type: "username";
  name: string;
  id?: number;
  date?: number;
  room?: string;
  /**
   * The resume token of this client's previous socket, to take its held name
   * back, or `""` for none. Either way the client declares it can resume, so
   * the service holds its name if this socket drops.
   */
  resume?: string;
}

/** A room chat line: broadcast (no `target`), `name` stamped by the service. */
export interface ChatMessage {
  type: "message";
  text: string;
  name?: string;
  id?: number;
  date?: number;
}

// ---- relayed (client → service → client), `name` stamped by the service -----

/** Structural RTCSessionDescriptionInit, so this module needs no DOM types. */
export interface SessionDescription {
  type: "offer" | "answer" | "pranswer" | "rollback";
  sdp?: string;
}

/** Structural RTCIceCandidateInit. */
export interface IceCandidate {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

interface Targeted {
  /** Recipient's name in the sender's room. */
  target: string;
  /** Sender's name; always overwritten by the service. */
  name?: string;
}

export interface VideoOfferMessage extends Targeted {
  type: "video-offer";
  sdp: SessionDescription;
  /**
   * Element to element: the caller reloaded during a call with the recipient
   * and calls again; a recipient waiting for it answers without ringing.
   * The service relays it untouched, like every field.
   */
  resume?: boolean;
}

export interface VideoAnswerMessage extends Targeted {
  type: "video-answer";
  sdp: SessionDescription;
}

export interface NewIceCandidateMessage extends Targeted {
  type: "new-ice-candidate";
  candidate: IceCandidate | null;
}

export interface HangUpMessage {
  type: "hang-up";
  /** Missing or null: the sender's current call peer. */
  target?: string | null;
  name?: string;
  reason?: HangUpReason;
  /**
   * Element to element: the sender's page is going away (a reload) and will
   * call again with `video-offer` `resume: true` if it comes back within the
   * service's grace. Clients that do not know it see a plain hang-up.
   */
  resume?: boolean;
}

export type RelayedMessage =
  | VideoOfferMessage
  | VideoAnswerMessage
  | NewIceCandidateMessage
  | HangUpMessage;

/** Everything the service may send to a client. */
export type ServerMessage =
  | IdMessage
  | RejectUsernameMessage
  | UserListMessage
  | ResumeMessage
  | ErrorMessage
  | Required<Pick<ChatMessage, "type" | "text" | "name">> & ChatMessage
  | RelayedMessage;

/** Everything the element sends to the service. */
export type ClientMessage = UsernameMessage | ChatMessage | RelayedMessage;
