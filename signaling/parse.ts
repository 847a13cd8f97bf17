/**
 * The one place where an untrusted text frame becomes something the service
 * acts on. Everything a frame can get wrong by itself (syntax, shape, names,
 * a missing target) is decided here; what depends on the socket's state
 * (registered? does the target exist?) is left to the session.
 */
import { type ErrorCode, SERVICE_ONLY_TYPES } from "./protocol.ts";
import { describeNameProblem, normalizeName } from "./names.ts";

/** A frame as parsed JSON; relayed frames are forwarded with only `name` replaced. */
export type Frame = Record<string, unknown> & { type: string };

export type ClientIntent =
  /**
   * `username`: register, rename or move. `room` undefined = the socket's
   * default room. `resume`: a previous socket's resume token, `""` for none
   * (either way the client can resume), undefined if the client never does.
   */
  | {
    kind: "register";
    /** Normalized (names.ts). */
    name: string;
    /** As the client sent it. */
    sentName: string;
    room: string | undefined;
    resume: string | undefined;
  }
  /** Any frame with a string `target`. */
  | { kind: "relay"; type: string; target: string; frame: Frame }
  /** `message` without a target: a chat line for the whole room. */
  | { kind: "chat"; frame: Frame }
  /** `hang-up` without a target: goes to the sender's current call peer. */
  | { kind: "hang-up-peer"; frame: Frame };

export interface ProtocolError {
  kind: "error";
  code: ErrorCode;
  message: string;
  target?: string;
}

export interface NameLimits {
  maxNameLength: number;
  maxRoomLength: number;
}

const SERVICE_ONLY: ReadonlySet<string> = new Set(SERVICE_ONLY_TYPES);

export function protocolError(code: ErrorCode, message: string): ProtocolError {
  return { kind: "error", code, message };
}

/** Never throws: every way a frame can be wrong comes back as a ProtocolError. */
export function parseClientMessage(text: string, limits: NameLimits): ClientIntent | ProtocolError {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return protocolError("bad-json", "The frame is not valid JSON.");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return protocolError("not-object", 'A frame must be a JSON object with a string "type".');
  }
  const frame = data as Record<string, unknown>;
  if (typeof frame.type !== "string") {
    return protocolError("not-object", 'A frame must be a JSON object with a string "type".');
  }
  const type = frame.type;

  if (SERVICE_ONLY.has(type)) {
    return protocolError(
      "reserved-type",
      `"${type}" messages are sent only by the service; clients may not send them.`,
    );
  }

  if (type === "username") return parseUsername(frame, limits);

  const target = frame.target;
  if (typeof target === "string") {
    return { kind: "relay", type, target, frame: frame as Frame };
  }
  if (target !== undefined && target !== null) {
    return protocolError("missing-target", '"target" must be the name of a user in your room.');
  }
  if (type === "message") return { kind: "chat", frame: frame as Frame };
  if (type === "hang-up") return { kind: "hang-up-peer", frame: frame as Frame };
  return protocolError(
    "missing-target",
    `"${type}" messages need a "target": the name of a user in your room.`,
  );
}

function parseUsername(
  frame: Record<string, unknown>,
  limits: NameLimits,
): ClientIntent | ProtocolError {
  const name = normalizeName(frame.name);
  const nameProblem = describeNameProblem(name, limits.maxNameLength);
  if (nameProblem) return protocolError("invalid-name", `The user name ${nameProblem}.`);
  let room: string | undefined;
  if (frame.room !== undefined && frame.room !== null) {
    room = normalizeName(frame.room) as string;
    const roomProblem = describeNameProblem(room, limits.maxRoomLength);
    if (roomProblem) return protocolError("invalid-name", `The room name ${roomProblem}.`);
  }
  // Anything but a string is ignored: the registration must not fail over it.
  const resume = typeof frame.resume === "string" ? frame.resume : undefined;
  return {
    kind: "register",
    name: name as string,
    sentName: frame.name as string,
    room,
    resume,
  };
}
