/**
 * The single-instance Hub: rooms → name → member in Maps, so every lookup is
 * O(1) and a join storm never scans a room.
 */
import type { Hub, HubStats, Member, PeerRef } from "./hub.ts";
import { withSuffix } from "./names.ts";

/** Where a member is registered. */
export interface Registration {
  member: Member;
  room: string;
  name: string;
}

interface Room {
  readonly name: string;
  /** Insertion order is join order, which is the order of `userlist`. */
  readonly members: Map<string, Member>;
  /**
   * Next suffix to try per wanted name, so the 1,000th "guest" costs one
   * probe rather than 999.
   */
  readonly nextSuffix: Map<string, number>;
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
}

export class InMemoryHub implements Hub {
  #rooms = new Map<string, Room>();
  #registrations = new Map<number, Registration>();
  #options: InMemoryHubOptions;
  #closed = false;

  constructor(options: InMemoryHubOptions) {
    this.#options = options;
  }

  register(member: Member, roomName: string, wantedName: string): Promise<string> {
    return Promise.resolve(this.registerNow(member, roomName, wantedName));
  }

  unregister(member: Member): Promise<void> {
    const current = this.#registrations.get(member.id);
    if (current) this.#remove(current);
    return Promise.resolve();
  }

  relay(sender: Member, target: string, frame: string, type: string): Promise<PeerRef | undefined> {
    const from = this.#registrations.get(sender.id);
    const recipient = from && this.find(from.room, target);
    if (!from || !recipient) return Promise.resolve(undefined);
    recipient.deliver(frame, type, { id: String(sender.id), name: from.name });
    return Promise.resolve({ id: String(recipient.id), name: target });
  }

  relayToPeer(sender: Member, peer: PeerRef, frame: string, type: string): Promise<void> {
    const from = this.#registrations.get(sender.id);
    const to = this.#registrations.get(Number(peer.id));
    // The peer left or moved away: there is no call to end.
    if (from && to && to.room === from.room) {
      to.member.deliver(frame, type, { id: String(sender.id), name: from.name });
    }
    return Promise.resolve();
  }

  broadcast(sender: Member, frame: string): Promise<void> {
    const from = this.#registrations.get(sender.id);
    const room = from && this.#rooms.get(from.room);
    if (room) { for (const member of room.members.values()) member.send(frame); }
    return Promise.resolve();
  }

  stats(): HubStats {
    return { rooms: this.#rooms.size, members: this.#registrations.size };
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const room of this.#rooms.values()) clearTimeout(room.userlistTimer);
    this.#rooms.clear();
    this.#registrations.clear();
    return Promise.resolve();
  }

  /** `register`, synchronously: nothing here waits for another machine. */
  registerNow(member: Member, roomName: string, wantedName: string): string {
    const current = this.#registrations.get(member.id);
    if (current && current.room === roomName && current.name === wantedName) return wantedName;
    if (current) this.#remove(current);

    const room = this.#room(roomName);
    const name = this.#uniqueName(room, wantedName);
    room.members.set(name, member);
    this.#registrations.set(member.id, { member, room: roomName, name });
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
      room = { name, members: new Map(), nextSuffix: new Map(), userlistTimer: undefined };
      this.#rooms.set(name, room);
    }
    return room;
  }

  #uniqueName(room: Room, wanted: string): string {
    if (!room.members.has(wanted)) return wanted;
    let suffix = room.nextSuffix.get(wanted) ?? 2;
    let name = withSuffix(wanted, suffix, this.#options.maxNameLength);
    while (room.members.has(name)) name = withSuffix(wanted, ++suffix, this.#options.maxNameLength);
    room.nextSuffix.set(wanted, suffix + 1);
    return name;
  }

  #remove(registration: Registration): void {
    this.#registrations.delete(registration.member.id);
    const room = this.#rooms.get(registration.room);
    if (!room) return;
    room.members.delete(registration.name);
    if (room.members.size === 0) {
      // Nobody is left to tell, so drop the room and its pending userlist.
      clearTimeout(room.userlistTimer);
      this.#rooms.delete(room.name);
    } else {
      this.#scheduleUserlist(room);
    }
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
