/**
 * Presence and delivery behind one small interface: who is in which room
 * under which name, and how a frame reaches them. The session layer (limits,
 * validation, errors, call bookkeeping) talks only to this interface, so the
 * single-instance hub (memory_hub.ts) and the multi-instance one (redis_hub.ts)
 * are interchangeable.
 *
 * Every operation that may need another machine is async. A session awaits
 * each operation before it starts the next one, so a socket's frames keep
 * their order whatever the hub does underneath.
 */

import type { HoldRequest, ResumeResult } from "./resume.ts";

/**
 * A socket as a recipient remembers its sender (and the sender its
 * recipient): enough to reach that very socket again, e.g. with a `hang-up`.
 */
export interface PeerRef {
  /**
   * The hub's address of the socket, unique across every instance of the
   * service; tells a reused name from the same user.
   */
  id: string;
  name: string;
}

/** One connected socket on this instance, as the hub sees it. */
export interface Member {
  /** Socket id, unique within this instance. */
  readonly id: number;
  /** Sends a frame the service produced (`userlist`, a chat line). */
  send(frame: string): void;
  /**
   * Delivers a frame relayed from another member, `name` already stamped;
   * `type` and `from` let the recipient track its call peer without parsing.
   */
  deliver(frame: string, type: string, from: PeerRef): void;
  /**
   * Closes the socket. A hub uses it when it cannot keep the member's
   * registration (its name was taken while the hub had lost its presence
   * store); the client reconnects and registers again.
   */
  close(code: number, reason: string): void;
}

export interface HubStats {
  /** Rooms with at least one registered member on this instance. */
  rooms: number;
  /** Registered members on this instance. */
  members: number;
  /** Names of dropped sockets held for a resume (resume.ts) on this instance. */
  held?: number;
  /** For a shared hub: this instance's id among the others. */
  instance?: string;
  /** For a shared hub: whether its presence store is reachable right now. */
  connected?: boolean;
}

export interface Hub {
  /**
   * Registers `member` in `room` under `wantedName`, or under a made-unique
   * variant (alice2, alice3, …) if another member has it; resolves with the
   * name given. A name is taken when a member has it or one that looks like
   * it (the same confusable skeleton, names.ts); the lowest free suffix is
   * given. Registering again renames or moves the member and frees its old
   * name. Every room whose membership changed gets a (coalesced) `userlist`.
   * Rejects with RoomFullError, changing nothing, when the member would join
   * a room that has its cap of members.
   */
  register(member: Member, room: string, wantedName: string): Promise<string>;
  /** Removes the member from its room, if it is registered. */
  unregister(member: Member): Promise<void>;
  /**
   * The member's socket dropped but it may come back (resume.ts): keeps its
   * name for `request.graceMs` instead of freeing it. Nobody is told; targeted
   * frames to the name are queued. When the grace ends, the name is freed
   * (its room gets a `userlist`) and every sender of a queued frame gets
   * `unknown-target`. Like `unregister` if the member is not registered.
   */
  hold(member: Member, request: HoldRequest): Promise<void>;
  /**
   * Gives the not yet registered `member` the name held under `token` in
   * `room`, if the hold is still on and was for `wantedName` (as asked or as
   * given), with the frames queued meanwhile; the room sees no change.
   * Resolves undefined, changing nothing, for any other token. A token works once.
   */
  resume(
    member: Member,
    room: string,
    wantedName: string,
    token: string,
  ): Promise<ResumeResult | undefined>;
  /**
   * Delivers `frame` from registered `sender` to the member named `target` in
   * the sender's room. Resolves with the recipient, or undefined (nothing
   * sent) when nobody there has that name.
   */
  relay(sender: Member, target: string, frame: string, type: string): Promise<PeerRef | undefined>;
  /**
   * Delivers `frame` from registered `sender` to the socket `peer` if it is
   * still in the sender's room (whatever its name now); drops it otherwise.
   * Resolves false when it was dropped, true when it was delivered or handed
   * to another instance (which drops it if the peer is gone there).
   */
  relayToPeer(sender: Member, peer: PeerRef, frame: string, type: string): Promise<boolean>;
  /** Sends `frame` to every member of the registered `sender`'s room, sender included. */
  broadcast(sender: Member, frame: string): Promise<void>;
  stats(): HubStats;
  /** For a shared hub: seconds one round trip to its presence store takes now. */
  ping?(): Promise<number>;
  /**
   * Cancels pending work and gives up this instance's presence; the hub is
   * unusable afterwards.
   */
  close(): Promise<void>;
}

/**
 * A hub cannot reach its presence store (e.g. Redis is down). The session
 * closes the socket with 1013 "try again later" rather than pretend a frame
 * was delivered.
 */
export class HubUnavailableError extends Error {
  override name = "HubUnavailableError";
}

/**
 * A shared hub cannot reach its store at start (e.g. a wrong Redis URL);
 * the message is worded for the person starting the service.
 */
export class HubConnectError extends Error {
  override name = "HubConnectError";
}

/**
 * The room already has `--max-room-members` members: the registration is
 * refused (`room-full`) and the socket stays where it was.
 */
export class RoomFullError extends Error {
  override name = "RoomFullError";
  constructor(readonly room: string, readonly cap: number) {
    super(`room "${room}" is full (${cap} members)`);
  }
}
