/**
 * The single-instance Hub: rooms → name → member in Maps, so every lookup is
 * O(1) and a join storm never scans a room.
 */
import { type Hub, type HubStats, type Member, type PeerRef, RoomFullError } from "./hub.ts";
import { lowestFreeName, nameSkeleton } from "./names.ts";
import { HeldMember, type HoldRequest, type ResumeResult } from "./resume.ts";

/** Where a member is registered. */
export interface Registration {
  /** The socket, or a HeldMember while its name is held for a resume. */
  member: Member;
  room: string;
  name: string;
  /** The name asked for (`alice` for `alice2`); a resume may ask for either. */
  wanted: string;
  /**
   * Every socket id this registration answers to: the first socket's and
   * each resumed one's, so a PeerRef taken before a resume still reaches it.
   */
  ids: number[];
}

interface Room {
  readonly name: string;
  /** Insertion order is join order, which is the order of `userlist`. */
  readonly members: Map<string, Member>;
  /** Confusable skeleton → the member's name that has it (see names.ts). */
  readonly skeletons: Map<string, string>;
  userlistTimer: ReturnType<typeof setTimeout> | undefined;
}

export interface InMemoryHubOptions {
  /**
   * How long a room gathers membership changes before one `userlist` goes to
   * every member. Not reset by later changes, so a steady trickle of joins
   * still yields a list at least this often.
   */
  userlistDelayMs: number;
  maxNameLength: number;
  /** Members a room may have (held names included); 0 or undefined: no cap. */
  maxRoomMembers?: number;
}

export class InMemoryHub implements Hub {
  #rooms = new Map<string, Room>();
  /** By socket id, including the ids of sockets a registration resumed from. */
  #registrations = new Map<number, Registration>();
  /** Held names by resume token. */
  #held = new Map<string, HeldMember>();
  #options: InMemoryHubOptions;
  #closed = false;

  constructor(options: InMemoryHubOptions) {
    this.#options = options;
  }

  register(member: Member, roomName: string, wantedName: string): Promise<string> {
    try {
      return Promise.resolve(this.registerNow(member, roomName, wantedName));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  unregister(member: Member): Promise<void> {
    const current = this.#registrations.get(member.id);
    if (current?.member === member) this.#remove(current);
    return Promise.resolve();
  }

  hold(member: Member, request: HoldRequest): Promise<void> {
    const current = this.#registrations.get(member.id);
    if (current?.member !== member) return Promise.resolve();
    if (this.#closed) {
      this.#remove(current);
      return Promise.resolve();
    }
    const held = new HeldMember({
      id: member.id,
      room: current.room,
      name: current.name,
      wanted: current.wanted,
      request,
      refuse: (sender, frame) => this.#tell(sender, current.room, frame),
    });
    // In its place, so the room's lists and lookups do not change.
    current.member = held;
    this.#rooms.get(current.room)?.members.set(current.name, held);
    this.#held.set(held.token, held);
    held.timer = setTimeout(() => this.#lapse(current, held), request.graceMs);
    return Promise.resolve();
  }

  resume(
    member: Member,
    roomName: string,
    wantedName: string,
    token: string,
  ): Promise<ResumeResult | undefined> {
    const held = this.#held.get(token);
    const registration = held && this.#registrations.get(held.id);
    if (
      !held || registration?.member !== held || !held.fits(roomName, wantedName) ||
      this.#registrations.has(member.id)
    ) {
      return Promise.resolve(undefined);
    }
    clearTimeout(held.timer);
    this.#held.delete(token);
    registration.member = member;
    registration.ids.push(member.id);
    this.#registrations.set(member.id, registration);
    const room = this.#rooms.get(roomName)!;
    room.members.set(registration.name, member);
    return Promise.resolve({
      name: registration.name,
      frames: held.frames,
      users: [...room.members.keys()],
      callPeer: held.callPeer,
    });
  }

  relay(sender: Member, target: string, frame: string, type: string): Promise<PeerRef | undefined> {
    const from = this.#registrations.get(sender.id);
    const recipient = from && this.find(from.room, target);
    if (!from || !recipient) return Promise.resolve(undefined);
    recipient.deliver(frame, type, { id: String(sender.id), name: from.name });
    return Promise.resolve({ id: String(recipient.id), name: target });
  }

  relayToPeer(sender: Member, peer: PeerRef, frame: string, type: string): Promise<boolean> {
    const from = this.#registrations.get(sender.id);
    // By any id it had: the peer may have resumed on a new socket since.
    const to = this.#registrations.get(Number(peer.id));
    // The peer left or moved away: there is no call to end.
    if (!from || !to || to.room !== from.room) return Promise.resolve(false);
    to.member.deliver(frame, type, { id: String(sender.id), name: from.name });
    return Promise.resolve(true);
  }

  broadcast(sender: Member, frame: string): Promise<void> {
    const from = this.#registrations.get(sender.id);
    const room = from && this.#rooms.get(from.room);
    if (room) { for (const member of room.members.values()) member.send(frame); }
    return Promise.resolve();
  }

  stats(): HubStats {
    // Not #registrations.size: a resumed member is there under every socket id it had.
    let members = 0;
    for (const room of this.#rooms.values()) members += room.members.size;
    return { rooms: this.#rooms.size, members, held: this.#held.size };
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const room of this.#rooms.values()) clearTimeout(room.userlistTimer);
    for (const held of this.#held.values()) clearTimeout(held.timer);
    this.#held.clear();
    this.#rooms.clear();
    this.#registrations.clear();
    return Promise.resolve();
  }

  /** `register`, synchronously: nothing here waits for another machine. */
  registerNow(member: Member, roomName: string, wantedName: string): string {
    const current = this.#registrations.get(member.id);
    if (current && current.room === roomName && current.name === wantedName) return wantedName;
    const cap = this.#options.maxRoomMembers ?? 0;
    const joining = this.#rooms.get(roomName);
    if (cap > 0 && current?.room !== roomName && (joining?.members.size ?? 0) >= cap) {
      throw new RoomFullError(roomName, cap);
    }
    if (current) this.#remove(current);

    const room = this.#room(roomName);
    const name = this.#uniqueName(room, wantedName);
    room.members.set(name, member);
    room.skeletons.set(nameSkeleton(name), name);
    // A rename keeps the ids a resumed socket answers to.
    const registration: Registration = {
      member,
      room: roomName,
      name,
      wanted: wantedName,
      ids: current?.ids ?? [member.id],
    };
    for (const id of registration.ids) this.#registrations.set(id, registration);
    this.#scheduleUserlist(room);
    return name;
  }

  /** The member registered as `name` in `room`. */
  find(room: string, name: string): Member | undefined {
    return this.#rooms.get(room)?.members.get(name);
  }

  /** Where the member with this socket id is registered. */
  lookup(id: number): Registration | undefined {
    return this.#registrations.get(id);
  }

  #room(name: string): Room {
    let room = this.#rooms.get(name);
    if (!room) {
      room = { name, members: new Map(), skeletons: new Map(), userlistTimer: undefined };
      this.#rooms.set(name, room);
    }
    return room;
  }

  /** `wanted`, or its lowest free suffix: taken means the name, or one that looks like it. */
  #uniqueName(room: Room, wanted: string): string {
    return lowestFreeName(
      wanted,
      this.#options.maxNameLength,
      (name) => room.members.has(name) || room.skeletons.has(nameSkeleton(name)),
    );
  }

  #remove(registration: Registration): void {
    for (const id of registration.ids) this.#registrations.delete(id);
    const room = this.#rooms.get(registration.room);
    if (!room) return;
    room.members.delete(registration.name);
    const skeleton = nameSkeleton(registration.name);
    if (room.skeletons.get(skeleton) === registration.name) room.skeletons.delete(skeleton);
    if (room.members.size === 0) {
      // Nobody is left to tell, so drop the room and its pending userlist.
      clearTimeout(room.userlistTimer);
      this.#rooms.delete(room.name);
    } else {
      this.#scheduleUserlist(room);
    }
  }

  /** The hold ran out: the name is freed, and whoever sent it frames learns they were lost. */
  #lapse(registration: Registration, held: HeldMember): void {
    this.#held.delete(held.token);
    if (registration.member !== held) return;
    this.#remove(registration);
    const frame = held.lapsedFrame();
    for (const sender of held.senders.values()) this.#tell(sender, held.room, frame);
  }

  /** Sends a service frame to the socket behind `ref`, if it is still in `room`. */
  #tell(ref: PeerRef, room: string, frame: string): void {
    const registration = this.#registrations.get(Number(ref.id));
    if (registration?.room === room) registration.member.send(frame);
  }

  #scheduleUserlist(room: Room): void {
    if (this.#closed || room.userlistTimer !== undefined) return;
    room.userlistTimer = setTimeout(() => {
      room.userlistTimer = undefined;
      if (this.#rooms.get(room.name) !== room) return;
      // Serialized once per room, not once per member.
      const frame = JSON.stringify({ type: "userlist", users: [...room.members.keys()] });
      for (const member of room.members.values()) member.send(frame);
    }, this.#options.userlistDelayMs);
  }
}
