/**
 * Presence and delivery behind one small interface: who is in which room
 * under which name, and how a frame reaches them. The session layer (limits,
 * validation, errors, call bookkeeping) talks only to this interface, so a
 * multi-instance hub (e.g. Redis keys for presence plus pub/sub for delivery,
 * where `find` returns a proxy `Member` that publishes to the instance owning
 * the socket) can replace the in-memory one without touching sessions.
 */

/** The sender of a relayed frame, as its recipient records it. */
export interface PeerRef {
  /** Socket id, unique per service; tells a reused name from the same user. */
  id: number;
  name: string;
}

/** One connected socket, as the hub sees it. */
export interface Member {
  readonly id: number;
  /** Sends a frame the service produced (`userlist`, a chat line). */
  send(frame: string): void;
  /**
   * Delivers a frame relayed from another member, `name` already stamped;
   * `type` and `from` let the recipient track its call peer without parsing.
   */
  deliver(frame: string, type: string, from: PeerRef): void;
}

export interface Registration {
  member: Member;
  room: string;
  name: string;
}

export interface HubStats {
  /** Rooms with at least one registered member. */
  rooms: number;
  /** Registered members across all rooms. */
  members: number;
}

export interface Hub {
  /**
   * Registers `member` in `room` under `wantedName`, or under a made-unique
   * variant (alice2, alice3, …) if another member has it; returns the name
   * given. Registering again renames or moves the member and frees its old
   * name. Every room whose membership changed gets a (coalesced) `userlist`.
   */
  register(member: Member, room: string, wantedName: string): string;
  /** Removes the member from its room, if it is registered. */
  unregister(member: Member): void;
  /** The member registered as `name` in `room`. */
  find(room: string, name: string): Member | undefined;
  /** Where the member with this socket id is registered. */
  lookup(id: number): Registration | undefined;
  /** Sends `frame` to every member of `room`. */
  broadcast(room: string, frame: string): void;
  stats(): HubStats;
  /** Cancels pending work (userlist timers); the hub is unusable afterwards. */
  close(): void;
}
