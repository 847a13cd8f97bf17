import { createHash } from "node:crypto";

/**
 * The layout several instances share in Redis, and the frames they send each
 * other over pub/sub. Everything that names a key or a channel, or encodes
 * what goes through one, lives here (the Lua scripts in redis_scripts.ts build
 * the same names from `PREFIX`).
 *
 * Keys:
 *   p2p:room:<room>              hash  name → member value "<instance>:<socket>:<seq>"
 *   p2p:seq                      counter for <seq>, which orders the userlist by join
 *   p2p:instances                set   ids of instances that may hold members
 *   p2p:instance:<id>:alive      string with a TTL, refreshed while the instance lives
 *   p2p:instance:<id>:members    hash  member value → "<name>\n<room>" (what to purge)
 *   p2p:hold:<token hash>        "<room>\n<name>\n<wanted>\n<value>" with a TTL: a
 *                                dropped socket's name held for a resume
 * Channels:
 *   p2p:room:<room>              "m" (membership changed) or a chat line
 *   p2p:instance:<id>            frames relayed to that instance's sockets, and the
 *                                handover of a held name ("!handover", "!handed")
 *
 * Names and rooms never contain control characters (names.ts refuses them),
 * so "\n" is a safe separator.
 */

export const PREFIX = "p2p:";

export const SEQUENCE_KEY = `${PREFIX}seq`;
export const INSTANCES_KEY = `${PREFIX}instances`;

/** The room's presence hash and (a separate namespace in Redis) its event channel. */
export function roomKey(room: string): string {
  return `${PREFIX}room:${room}`;
}

export const roomChannel = roomKey;

/**
 * A room's confusable skeletons (names.ts) → the name that has each; its
 * own namespace, so no room name can collide with it.
 */
export function skeletonsKey(room: string): string {
  return `${PREFIX}skeletons:${room}`;
}

/** The room a room channel belongs to. */
export function roomOfChannel(channel: string): string {
  return channel.slice(`${PREFIX}room:`.length);
}

export function instanceChannel(instance: string): string {
  return `${PREFIX}instance:${instance}`;
}

export function aliveKey(instance: string): string {
  return `${PREFIX}instance:${instance}:alive`;
}

export function instanceMembersKey(instance: string): string {
  return `${PREFIX}instance:${instance}:members`;
}

/** A fresh instance id: short, random, without ":" (it is a field separator). */
export function newInstanceId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}

/** A socket's address across instances ("<instance>:<socket>"), as PeerRef.id carries it. */
export function socketAddress(instance: string, socket: number): string {
  return `${instance}:${socket}`;
}

/** Splits an address or a member value ("<instance>:<socket>[:<seq>]"). */
export function parseAddress(value: string): { instance: string; socket: number } {
  const [instance, socket] = value.split(":", 2);
  return { instance, socket: Number(socket) };
}

/** The address part of a member value (drops ":<seq>"). */
export function addressOfValue(value: string): string {
  return value.slice(0, value.lastIndexOf(":"));
}

/** Join order of a member value. */
export function sequenceOfValue(value: string): number {
  return Number(value.slice(value.lastIndexOf(":") + 1));
}

/**
 * Where a held name waits for its resume token. Keyed by a hash, so the
 * tokens themselves are not stored in Redis.
 */
export function holdKey(token: string): string {
  return `${PREFIX}hold:${createHash("sha256").update(token).digest("base64url")}`;
}

export function encodeHold(room: string, name: string, wanted: string, value: string): string {
  return `${room}\n${name}\n${wanted}\n${value}`;
}

// ---- room channel ------------------------------------------------------------

/** Published (by the Lua scripts too) whenever a room's membership changes. */
export const MEMBERSHIP_CHANGED = "m";

/** A chat line for the room; `origin` already delivered it to its own members. */
export function encodeChat(origin: string, frame: string): string {
  return `c${origin}\n${frame}`;
}

export type RoomEvent =
  | { kind: "membership" }
  | { kind: "chat"; origin: string; frame: string }
  | { kind: "unknown" };

export function decodeRoomEvent(message: string): RoomEvent {
  if (message === MEMBERSHIP_CHANGED) return { kind: "membership" };
  const cut = message.indexOf("\n");
  if (message[0] === "c" && cut > 0) {
    return { kind: "chat", origin: message.slice(1, cut), frame: message.slice(cut + 1) };
  }
  return { kind: "unknown" };
}

// ---- instance channel ----------------------------------------------------------

/** What the receiving instance needs to deliver a relayed frame safely. */
export interface RelayHeader {
  /** The sender's room; the recipient must still be in it. */
  room: string;
  /** The name the sender addressed; null for a hang-up to the call peer (any name). */
  name: string | null;
  type: string;
  /** The sender, as the recipient records it (PeerRef). */
  from: { id: string; name: string };
}

/**
 * "<header JSON>\n<frame>": the Lua relay script prepends "<member value>\n".
 * The frame goes through as is (JSON.stringify never emits a raw newline), so
 * it is not encoded twice.
 */
export function encodeRelayBody(header: RelayHeader, frame: string): string {
  return `${JSON.stringify(header)}\n${frame}`;
}

export function encodeRelay(recipient: string, header: RelayHeader, frame: string): string {
  return `${recipient}\n${encodeRelayBody(header, frame)}`;
}

export interface RelayEnvelope {
  /** The recipient socket on the receiving instance. */
  socket: number;
  header: RelayHeader;
  frame: string;
}

/** Undefined for a malformed message (another version of the service, or noise). */
export function decodeRelay(message: string): RelayEnvelope | undefined {
  const first = message.indexOf("\n");
  const second = message.indexOf("\n", first + 1);
  if (first < 0 || second < 0) return undefined;
  try {
    const header = JSON.parse(message.slice(first + 1, second)) as RelayHeader;
    const { socket } = parseAddress(message.slice(0, first));
    if (!Number.isSafeInteger(socket) || typeof header?.room !== "string") return undefined;
    return { socket, header, frame: message.slice(second + 1) };
  } catch {
    return undefined;
  }
}

// ---- handover of a held name (instance channel) ---------------------------------

/**
 * Control messages on an instance channel start with "!", which no relay
 * envelope does (those start with an instance id, hex).
 *   "!handover\n<held member value>\n<new socket address>"   (TAKEOVER → holder)
 *   "!handed\n<new socket address>\n<Handed JSON>"           (holder → new instance)
 */
export const HANDOVER = "!handover";
export const HANDED = "!handed";

/** What the holding instance queued for the name, handed to the socket that resumed it. */
export interface Handed {
  frames: { frame: string; type: string; from: { id: string; name: string } }[];
  callPeer: { id: string; name: string } | null;
}

export function encodeHanded(address: string, handed: Handed): string {
  return `${HANDED}\n${address}\n${JSON.stringify(handed)}`;
}

export type ControlMessage =
  | { kind: "handover"; value: string; address: string }
  | { kind: "handed"; address: string; handed: Handed };

/** Undefined for anything else (a relay envelope, or noise). */
export function decodeControl(message: string): ControlMessage | undefined {
  if (!message.startsWith("!")) return undefined;
  const first = message.indexOf("\n");
  const second = message.indexOf("\n", first + 1);
  if (first < 0 || second < 0) return undefined;
  const kind = message.slice(0, first);
  const a = message.slice(first + 1, second);
  const b = message.slice(second + 1);
  if (kind === HANDOVER) return { kind: "handover", value: a, address: b };
  if (kind !== HANDED) return undefined;
  try {
    const handed = JSON.parse(b) as Handed;
    return Array.isArray(handed?.frames) ? { kind: "handed", address: a, handed } : undefined;
  } catch {
    return undefined;
  }
}
