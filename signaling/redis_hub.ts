/**
 * The multi-instance Hub: any number of service instances sharing one Redis
 * act as one service.
 *
 * - Presence: one Redis hash per room (name → owning socket), claimed by a Lua
 *   script, so names are unique across instances. Each instance also keeps
 *   its own members in Maps, so a frame between two sockets of one instance
 *   never leaves the process.
 * - Targeted relay to a socket on another instance: one script looks up the
 *   name and publishes the frame on the owning instance's channel. A socket's
 *   frames go out one after another on one connection (the session awaits
 *   each), and Redis delivers one publisher's messages in order.
 * - Membership changes and chat lines go to a per-room channel that an
 *   instance subscribes to while it has members in that room; on a change
 *   each instance sends its own members a coalesced userlist read from Redis.
 * - Liveness (redis_liveness.ts) purges the members of instances that died.
 * - When Redis comes back after an outage (perhaps restarted empty), the
 *   instance writes its members back ("resync").
 * - A dropped socket's name held for a resume (resume.ts) stays in the room
 *   hash as it was, owned by this instance, which queues the frames relayed
 *   to it; a hold key (by token hash, with the grace as TTL) lets a socket on
 *   any instance resume it. On this instance the name just changes sockets;
 *   on another, TAKEOVER moves it there and this instance hands over its queue.
 */
import {
  type Hub,
  type HubStats,
  HubUnavailableError,
  type Member,
  type PeerRef,
  RoomFullError,
} from "./hub.ts";
import type { Logger } from "./log.ts";
import { nameSkeleton, withSuffix } from "./names.ts";
import { connectRedis, type RedisConnections } from "./redis_client.ts";
import {
  addressOfValue,
  aliveKey,
  decodeControl,
  decodeRelay,
  decodeRoomEvent,
  encodeChat,
  encodeHanded,
  encodeHold,
  encodeRelay,
  encodeRelayBody,
  type Handed,
  holdKey,
  instanceChannel,
  instanceMembersKey,
  INSTANCES_KEY,
  newInstanceId,
  parseAddress,
  PREFIX,
  type RelayHeader,
  roomChannel,
  roomKey,
  roomOfChannel,
  SEQUENCE_KEY,
  sequenceOfValue,
  skeletonsKey,
  socketAddress,
} from "./redis_keys.ts";
import { InstanceLiveness } from "./redis_liveness.ts";
import { RoomSubscriptions } from "./redis_subscriptions.ts";
import { ExclusiveGate } from "./exclusive_gate.ts";
import { CLAIM, PURGE, RELAY, RELEASE, RESYNC, TAKEOVER } from "./redis_scripts.ts";
import { CLOSE_TRY_AGAIN_LATER } from "./protocol.ts";
import { type HeldFrame, HeldMember, type HoldRequest, type ResumeResult } from "./resume.ts";

export interface RedisHubOptions {
  url: string;
  /** How long a room gathers membership changes before one `userlist` per member. */
  userlistDelayMs: number;
  maxNameLength: number;
  /** Members a room may have across every instance (held names included); 0 or undefined: no cap. */
  maxRoomMembers?: number;
  /** Liveness TTL: a dead instance's members are purged within 4/3 of it. */
  instanceTtlMs: number;
  logger: Logger;
}

/** A member of this instance, and what Redis holds for it. */
interface LocalMember {
  /** The socket, or a HeldMember while its name is held for a resume. */
  member: Member;
  room: string;
  name: string;
  /** The name asked for (`alice` for `alice2`); a resume may ask for either. */
  wanted: string;
  /** Its value in the room hash: "<instance>:<socket>:<seq>". */
  value: string;
  /**
   * Every socket id it answers to in `#members`: the first socket's and each
   * resumed one's, so addresses taken before a resume still reach it.
   */
  ids: number[];
}

/** A room with members (or a registration under way) on this instance. */
interface LocalRoom {
  readonly name: string;
  readonly members: Map<string, Member>;
  /** Registrations into this room that have not finished. */
  pending: number;
  userlistTimer: ReturnType<typeof setTimeout> | undefined;
}

/** A resume from another instance's hold, waiting for that instance to hand over. */
interface Handover {
  room: string;
  /** Frames relayed to the socket before it was registered here. */
  early: HeldFrame[];
  settle(handed: Handed | undefined): void;
}

/** How long a takeover waits for the holder's queue (the holder may have died meanwhile). */
const HANDOVER_TIMEOUT_MS = 2000;

/** Candidate names tried per claim round trip. */
const CANDIDATES_PER_CLAIM = 32;

export class RedisHub implements Hub {
  readonly instanceId: string;
  #redis: RedisConnections;
  #options: RedisHubOptions;
  #log: Logger;
  #liveness: InstanceLiveness;
  /** By socket id, including the ids of sockets a member resumed from. */
  #members = new Map<number, LocalMember>();
  /** Held names by resume token. */
  #held = new Map<string, HeldMember>();
  /** Whether a hold was written to Redis (so another instance may resume it). */
  #sharedHolds = new WeakMap<HeldMember, Promise<boolean>>();
  /** Sockets of this instance taking over a name held elsewhere, until it is handed over. */
  #handovers = new Map<number, Handover>();
  #rooms = new Map<string, LocalRoom>();
  #subscriptions: RoomSubscriptions;
  /** Claims and releases are shared; the write-back after an outage is exclusive. */
  #gate = new ExclusiveGate();
  #resyncing: Promise<void> | undefined;
  /** A resync failed or was asked for during another one: run (again). */
  #resyncWanted = false;
  #closed = false;

  /**
   * Connects to Redis, announces this instance and starts its liveness;
   * throws a HubConnectError with a readable message if Redis is unreachable.
   */
  static async connect(options: RedisHubOptions): Promise<RedisHub> {
    // Reconnects can only happen once the hub exists, but the callback comes first.
    const created: { hub?: RedisHub } = {};
    const redis = await connectRedis({
      url: options.url,
      logger: options.logger,
      onReconnect: (connection) => {
        if (created.hub) created.hub.#reconnected(connection);
      },
    });
    const hub = created.hub = new RedisHub(redis, options);
    try {
      await redis.subscriber.subscribe(instanceChannel(hub.instanceId), hub.#onRelayMessage);
      await hub.#liveness.start();
    } catch (error) {
      await hub.#liveness.stop();
      await redis.close();
      throw error;
    }
    options.logger.info("joined redis", { instance: hub.instanceId });
    return hub;
  }

  private constructor(redis: RedisConnections, options: RedisHubOptions) {
    this.instanceId = newInstanceId();
    this.#redis = redis;
    this.#options = options;
    this.#log = options.logger;
    this.#subscriptions = new RoomSubscriptions(redis.subscriber, this.#onRoomMessage);
    this.#liveness = new InstanceLiveness({
      commands: redis.commands,
      instanceId: this.instanceId,
      ttlMs: options.instanceTtlMs,
      logger: options.logger,
      onBeat: (lapsed) => {
        if (lapsed) this.#log.warn("instance liveness lapsed; writing members back");
        if (lapsed || this.#resyncWanted) this.#resync();
      },
    });
  }

  async register(member: Member, roomName: string, wantedName: string): Promise<string> {
    const current = this.#members.get(member.id);
    if (current && current.room === roomName && current.name === wantedName) return wantedName;
    const room = this.#localRoom(roomName);
    room.pending++;
    try {
      return await this.#membership(async () => {
        // Subscribed before the claim, so no change announced after it is missed.
        await this.#syncSubscription(roomName);
        const { name, value } = await this.#claim(member, room, wantedName, current);
        if (current) this.#forget(current);
        room.members.set(name, member);
        // A rename keeps the ids a resumed socket answers to.
        const ids = current?.ids ?? [member.id];
        const registration = { member, room: roomName, name, wanted: wantedName, value, ids };
        for (const id of ids) this.#members.set(id, registration);
        return name;
      });
    } finally {
      room.pending--;
      this.#dropIfEmpty(room);
    }
  }

  async unregister(member: Member): Promise<void> {
    const current = this.#members.get(member.id);
    if (current?.member !== member) return;
    await this.#release(current);
  }

  async hold(member: Member, request: HoldRequest): Promise<void> {
    const current = this.#members.get(member.id);
    if (current?.member !== member) return;
    if (this.#closed) return await this.#release(current);
    const held = new HeldMember({
      id: member.id,
      room: current.room,
      name: current.name,
      wanted: current.wanted,
      request,
      refuse: (sender, frame) => void this.#tell(sender, current.room, current.name, frame),
    });
    // In its place, so relays reach the queue; the room hash keeps the name as it is.
    current.member = held;
    this.#rooms.get(current.room)?.members.set(current.name, held);
    this.#held.set(held.token, held);
    held.timer = setTimeout(() => void this.#lapse(current, held), request.graceMs);
    // For a resume that lands on another instance.
    const shared = this.#redis.commands.sendCommand([
      "SET",
      holdKey(held.token),
      encodeHold(current.room, current.name, current.wanted, current.value),
      "PX",
      String(request.graceMs),
    ]).then(() => true, (error) => {
      this.#log.warn("could not share a held name; only this instance can resume it", {
        error: String(error),
      });
      return false;
    });
    this.#sharedHolds.set(held, shared);
    await shared;
  }

  async resume(
    member: Member,
    roomName: string,
    wantedName: string,
    token: string,
  ): Promise<ResumeResult | undefined> {
    if (this.#members.has(member.id)) return undefined;
    const held = this.#held.get(token);
    if (!held) return await this.#takeOver(member, roomName, wantedName, token);
    const current = this.#members.get(held.id);
    if (current?.member !== held || !held.fits(roomName, wantedName)) return undefined;
    if (await this.#sharedHolds.get(held)) {
      // Consumed in Redis too, so the token cannot also resume on another
      // instance; gone already means the grace is over there, or another
      // socket used the token first.
      const consumed = await this.#call(() =>
        this.#redis.commands.sendCommand(["DEL", holdKey(token)])
      );
      if (Number(consumed) !== 1) return undefined;
    }
    // Someone else resumed it, or it lapsed, while Redis answered.
    if (this.#held.get(token) !== held || current.member !== held) return undefined;
    clearTimeout(held.timer);
    this.#held.delete(token);
    current.member = member;
    current.ids.push(member.id);
    this.#members.set(member.id, current);
    this.#rooms.get(roomName)?.members.set(current.name, member);
    const users = await this.#call(() => this.#readUsers(roomName));
    return { name: current.name, frames: held.frames, users, callPeer: held.callPeer };
  }

  /**
   * Resumes a name another instance holds (TAKEOVER): the name moves to this
   * socket at once, and the holder hands over the frames it queued (briefly
   * awaited; a holder that died meanwhile hands over nothing).
   */
  async #takeOver(
    member: Member,
    roomName: string,
    wantedName: string,
    token: string,
  ): Promise<ResumeResult | undefined> {
    const address = socketAddress(this.instanceId, member.id);
    let settle!: (handed: Handed | undefined) => void;
    const handed = new Promise<Handed | undefined>((resolve) => settle = resolve);
    const handover: Handover = { room: roomName, early: [], settle };
    this.#handovers.set(member.id, handover);
    const room = this.#localRoom(roomName);
    room.pending++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const taken = await this.#membership(async () => {
        await this.#syncSubscription(roomName);
        return await TAKEOVER.run(
          this.#redis.commands,
          [holdKey(token), roomKey(roomName), instanceMembersKey(this.instanceId)],
          [PREFIX, address, roomName, wantedName],
        );
      });
      if (!Array.isArray(taken)) return undefined;
      const [name, value] = taken as [string, string];
      room.members.set(name, member);
      const ids = [member.id];
      this.#members.set(member.id, {
        member,
        room: roomName,
        name,
        wanted: wantedName,
        value,
        ids,
      });
      timer = setTimeout(() => settle(undefined), HANDOVER_TIMEOUT_MS);
      const from = await handed;
      const users = await this.#call(() => this.#readUsers(roomName));
      return {
        name,
        frames: [...from?.frames ?? [], ...handover.early],
        users,
        callPeer: from?.callPeer ?? undefined,
      };
    } finally {
      clearTimeout(timer);
      this.#handovers.delete(member.id);
      room.pending--;
      this.#dropIfEmpty(room);
    }
  }

  async relay(
    sender: Member,
    target: string,
    frame: string,
    type: string,
  ): Promise<PeerRef | undefined> {
    const from = this.#members.get(sender.id);
    if (!from) return undefined;
    const me = this.#peerRef(from);
    const local = this.#rooms.get(from.room)?.members.get(target);
    if (local) {
      local.deliver(frame, type, me);
      return { id: socketAddress(this.instanceId, local.id), name: target };
    }
    const header: RelayHeader = { room: from.room, name: target, type, from: me };
    const value = await this.#call(() =>
      RELAY.run(
        this.#redis.commands,
        [roomKey(from.room)],
        [target, PREFIX, encodeRelayBody(header, frame)],
      )
    );
    return typeof value === "string" ? { id: addressOfValue(value), name: target } : undefined;
  }

  async relayToPeer(sender: Member, peer: PeerRef, frame: string, type: string): Promise<boolean> {
    const from = this.#members.get(sender.id);
    if (!from) return false;
    const header: RelayHeader = { room: from.room, name: null, type, from: this.#peerRef(from) };
    const { instance, socket } = parseAddress(peer.id);
    if (instance === this.instanceId) return this.#deliverTo(socket, header, frame);
    // Whether the peer is still there is for its instance to find out.
    await this.#call(() =>
      this.#redis.commands.publish(instanceChannel(instance), encodeRelay(peer.id, header, frame))
    );
    return true;
  }

  async broadcast(sender: Member, frame: string): Promise<void> {
    const from = this.#members.get(sender.id);
    if (!from) return;
    // Own members directly (in order with this sender's direct relays to them),
    // everyone else's through the room channel.
    for (const member of this.#rooms.get(from.room)?.members.values() ?? []) member.send(frame);
    await this.#call(() =>
      this.#redis.commands.publish(roomChannel(from.room), encodeChat(this.instanceId, frame))
    );
  }

  stats(): HubStats {
    let rooms = 0;
    for (const room of this.#rooms.values()) if (room.members.size > 0) rooms++;
    return {
      rooms,
      members: new Set(this.#members.values()).size,
      held: this.#held.size,
      instance: this.instanceId,
      connected: this.#redis.ready,
    };
  }

  async ping(): Promise<number> {
    const start = performance.now();
    await this.#redis.commands.ping();
    return (performance.now() - start) / 1000;
  }

  /** Gives up this instance's members in Redis (others see them leave), then disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const room of this.#rooms.values()) clearTimeout(room.userlistTimer);
    for (const held of this.#held.values()) clearTimeout(held.timer);
    this.#held.clear();
    await this.#liveness.stop();
    await this.#resyncing;
    try {
      await PURGE.run(this.#redis.commands, [INSTANCES_KEY], [PREFIX, this.instanceId]);
    } catch (error) {
      // Redis is away: the other instances purge us once our liveness key expires.
      this.#log.warn("could not remove members from redis", { error: String(error) });
    }
    this.#members.clear();
    this.#rooms.clear();
    await this.#redis.close();
  }

  // ---- presence ----------------------------------------------------------------

  async #claim(
    member: Member,
    room: LocalRoom,
    wanted: string,
    current: LocalMember | undefined,
  ): Promise<{ name: string; value: string }> {
    const max = this.#options.maxNameLength;
    // The lowest free suffix: candidates from 2 up, a batch per round trip.
    let suffix = 2;
    /** The suffix of each candidate; 0 for the wanted name itself. */
    let suffixes = [0];
    while (true) {
      while (suffixes.length < CANDIDATES_PER_CLAIM) suffixes.push(suffix++);
      const candidates = suffixes.map((n) => n === 0 ? wanted : withSuffix(wanted, n, max));
      const claimed = await this.#call(() =>
        CLAIM.run(
          this.#redis.commands,
          [
            roomKey(room.name),
            instanceMembersKey(this.instanceId),
            SEQUENCE_KEY,
            roomKey(current?.room ?? room.name),
            skeletonsKey(room.name),
            skeletonsKey(current?.room ?? room.name),
          ],
          [
            socketAddress(this.instanceId, member.id),
            current?.value ?? "",
            current?.name ?? "",
            room.name,
            roomChannel(room.name),
            roomChannel(current?.room ?? room.name),
            String(this.#options.maxRoomMembers ?? 0),
            current ? nameSkeleton(current.name) : "",
            ...candidates.flatMap((name) => [name, nameSkeleton(name)]),
          ],
        )
      );
      if (claimed === "full") throw new RoomFullError(room.name, this.#options.maxRoomMembers!);
      if (Array.isArray(claimed)) {
        const [name, value] = claimed as [string, string];
        return { name, value };
      }
      suffixes = [];
    }
  }

  #localRoom(name: string): LocalRoom {
    let room = this.#rooms.get(name);
    if (!room) {
      room = {
        name,
        members: new Map(),
        pending: 0,
        userlistTimer: undefined,
      };
      this.#rooms.set(name, room);
    }
    return room;
  }

  /** Frees a member's name, its instance entry and its lookalike skeleton in Redis (1: freed). */
  #releaseScript(registration: LocalMember) {
    return RELEASE.run(
      this.#redis.commands,
      [
        roomKey(registration.room),
        instanceMembersKey(this.instanceId),
        skeletonsKey(registration.room),
      ],
      [
        registration.name,
        registration.value,
        roomChannel(registration.room),
        nameSkeleton(registration.name),
      ],
    );
  }

  /** Forgets a member here, then frees its name in Redis. */
  async #release(registration: LocalMember): Promise<void> {
    // Forgotten locally first: nothing is delivered to it from now on. If Redis
    // cannot be told, the next resync drops the entry.
    this.#forget(registration);
    await this.#membership(() => this.#releaseScript(registration));
  }

  /** The hold ran out: the name is freed, and whoever sent it frames learns they were lost. */
  async #lapse(registration: LocalMember, held: HeldMember): Promise<void> {
    this.#held.delete(held.token);
    if (registration.member !== held || this.#closed) return;
    let freed = true;
    try {
      freed = await this.#membership(() => this.#releaseScript(registration)).then(Number) === 1;
    } catch (error) {
      // Forgotten below; the next resync frees the name in Redis.
      this.#log.warn("could not free a held name in redis", { error: String(error) });
    }
    // Not freed: a resume on another instance took the name at the last
    // moment; the handover request is on its way.
    if (!freed || registration.member !== held) return;
    this.#forget(registration);
    const frame = held.lapsedFrame();
    for (const sender of held.senders.values()) {
      await this.#tell(sender, held.room, held.name, frame);
    }
  }

  /**
   * A socket on another instance resumed a name held here (TAKEOVER already
   * moved it in Redis): stop holding it and send what was queued there.
   */
  async #handOver(value: string, address: string): Promise<void> {
    const registration = this.#members.get(parseAddress(value).socket);
    const held = registration?.member;
    let handed: Handed = { frames: [], callPeer: null };
    if (registration && held instanceof HeldMember && registration.value === value) {
      clearTimeout(held.timer);
      this.#held.delete(held.token);
      this.#forget(registration);
      handed = { frames: held.frames, callPeer: held.callPeer ?? null };
      this.#log.info("handed over", { room: held.room, name: held.name, held: held.frames.length });
    }
    try {
      await this.#redis.commands.publish(
        instanceChannel(parseAddress(address).instance),
        encodeHanded(address, handed),
      );
    } catch (error) {
      this.#log.warn("could not hand over held frames", { error: String(error) });
    }
  }

  /**
   * Sends a service frame (an error) to the socket behind a PeerRef, on this
   * instance or another, if it is still in `room`. Never rejects.
   */
  async #tell(to: PeerRef, room: string, fromName: string, frame: string): Promise<void> {
    const { instance, socket } = parseAddress(to.id);
    // `from` is only recorded by the recipient for call messages, not errors.
    const header: RelayHeader = {
      room,
      name: null,
      type: "error",
      from: { id: "", name: fromName },
    };
    if (instance === this.instanceId) {
      this.#deliverTo(socket, header, frame);
      return;
    }
    try {
      await this.#redis.commands.publish(
        instanceChannel(instance),
        encodeRelay(to.id, header, frame),
      );
    } catch (error) {
      this.#log.debug("could not tell a sender", { error: String(error) });
    }
  }

  /** Removes a member from this instance's maps (not from Redis). */
  #forget(registration: LocalMember): void {
    for (const id of registration.ids) this.#members.delete(id);
    const room = this.#rooms.get(registration.room);
    if (!room) return;
    if (room.members.get(registration.name) === registration.member) {
      room.members.delete(registration.name);
    }
    this.#dropIfEmpty(room);
  }

  #dropIfEmpty(room: LocalRoom): void {
    if (room.members.size > 0 || room.pending > 0 || this.#rooms.get(room.name) !== room) return;
    clearTimeout(room.userlistTimer);
    this.#rooms.delete(room.name);
    this.#syncSubscription(room.name).catch((error) => {
      this.#log.debug("unsubscribe failed", { room: room.name, error: String(error) });
    });
  }

  /** Subscribes to a room's channel while the room has members here, and only then. */
  #syncSubscription(room: string): Promise<void> {
    return this.#call(() =>
      this.#subscriptions.sync(room, () => this.#rooms.has(room) && !this.#closed)
    );
  }

  // ---- delivery ------------------------------------------------------------------

  #peerRef(registration: LocalMember): PeerRef {
    return { id: socketAddress(this.instanceId, registration.member.id), name: registration.name };
  }

  #onRelayMessage = (message: string): void => {
    const control = decodeControl(message);
    if (control?.kind === "handover") return void this.#handOver(control.value, control.address);
    if (control?.kind === "handed") {
      this.#handovers.get(parseAddress(control.address).socket)?.settle(control.handed);
      return;
    }
    const envelope = decodeRelay(message);
    if (!envelope) return this.#log.warn("malformed relay message from redis");
    this.#deliverTo(envelope.socket, envelope.header, envelope.frame);
  };

  /**
   * Delivers a relayed frame if its recipient is still where the sender saw
   * it; false if it was dropped.
   */
  #deliverTo(socket: number, header: RelayHeader, frame: string): boolean {
    const recipient = this.#members.get(socket);
    if (!recipient) {
      // Sent to a name this socket took over a moment ago: kept until the
      // frames handed over by the old holder are out.
      const handover = this.#handovers.get(socket);
      if (handover?.room !== header.room || header.type === "error") return false;
      handover.early.push({ frame, type: header.type, from: header.from });
      return true;
    }
    if (recipient.room !== header.room) return false;
    if (header.name !== null && recipient.name !== header.name) return false;
    // Only the service relays errors (clients may not send the type): a held
    // member does not queue them.
    if (header.type === "error") recipient.member.send(frame);
    else recipient.member.deliver(frame, header.type, header.from);
    return true;
  }

  #onRoomMessage = (message: string, channel: string): void => {
    const room = this.#rooms.get(roomOfChannel(channel));
    if (!room) return;
    const event = decodeRoomEvent(message);
    if (event.kind === "membership") {
      this.#scheduleUserlist(room);
    } else if (event.kind === "chat" && event.origin !== this.instanceId) {
      for (const member of room.members.values()) member.send(event.frame);
    }
  };

  #scheduleUserlist(room: LocalRoom): void {
    if (this.#closed || room.userlistTimer !== undefined) return;
    room.userlistTimer = setTimeout(() => {
      room.userlistTimer = undefined;
      this.#sendUserlist(room).catch((error) => {
        this.#log.debug("userlist failed", { room: room.name, error: String(error) });
      });
    }, this.#options.userlistDelayMs);
  }

  /** The room's names in Redis, in join order. */
  async #readUsers(room: string): Promise<string[]> {
    const flat = await this.#redis.commands.sendCommand(["HGETALL", roomKey(room)]) as string[];
    const entries: [string, number][] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push([flat[i], sequenceOfValue(flat[i + 1])]);
    entries.sort((a, b) => a[1] - b[1]);
    return entries.map(([name]) => name);
  }

  /** Reads the room from Redis and sends the list to this instance's members in it. */
  async #sendUserlist(room: LocalRoom): Promise<void> {
    if (this.#rooms.get(room.name) !== room) return;
    const users = await this.#readUsers(room.name);
    // Serialized once per room, not once per member.
    const frame = JSON.stringify({ type: "userlist", users });
    const listed = new Set(users);
    for (const [name, member] of room.members) {
      // A member not listed yet joined after the read; its own change brings the next list.
      if (listed.has(name)) member.send(frame);
    }
  }

  // ---- outages -----------------------------------------------------------------

  /** Runs a Redis call, turning any failure into HubUnavailableError. */
  async #call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof HubUnavailableError || error instanceof RoomFullError) throw error;
      throw new HubUnavailableError(`redis: ${(error as Error)?.message ?? error}`);
    }
  }

  /** A claim or release; the write-back waits until none is in flight. */
  #membership<T>(operation: () => Promise<T>): Promise<T> {
    return this.#gate.shared(() => this.#call(operation));
  }

  #reconnected(connection: "commands" | "subscriber"): void {
    if (connection === "commands") {
      this.#resync();
    } else {
      // Room events published while the subscriber was away are lost: refresh.
      for (const room of this.#rooms.values()) this.#scheduleUserlist(room);
    }
  }

  /** Writes this instance's members back to Redis (see RESYNC); never rejects. */
  #resync(): void {
    if (this.#closed) return;
    if (this.#resyncing) {
      this.#resyncWanted = true;
      return;
    }
    this.#resyncing = (async () => {
      do {
        this.#resyncWanted = false;
        try {
          await this.#gate.exclusive(() => this.#writeBack());
        } catch (error) {
          // Still unreachable: the next heartbeat or reconnect tries again.
          this.#resyncWanted = true;
          this.#log.debug("resync failed", { error: String(error) });
          return;
        }
      } while (this.#resyncWanted && !this.#closed);
    })().finally(() => this.#resyncing = undefined);
  }

  async #writeBack(): Promise<void> {
    const held = [...new Set(this.#members.values())];
    const lost = await RESYNC.run(
      this.#redis.commands,
      [instanceMembersKey(this.instanceId), aliveKey(this.instanceId), INSTANCES_KEY],
      [
        PREFIX,
        this.instanceId,
        String(this.#options.instanceTtlMs),
        ...held.flatMap(({ value, name, room }) => [value, name, room, nameSkeleton(name)]),
      ],
    ) as string[];
    const lostValues = new Set(lost);
    for (const registration of held) {
      if (!lostValues.has(registration.value)) continue;
      // Someone took the name while Redis did not know about this member.
      this.#log.warn("name taken during redis outage; closing socket", {
        socket: registration.member.id,
        room: registration.room,
        name: registration.name,
      });
      this.#forget(registration);
      if (registration.member instanceof HeldMember) {
        clearTimeout(registration.member.timer);
        this.#held.delete(registration.member.token);
      }
      registration.member.close(CLOSE_TRY_AGAIN_LATER, "name taken during an outage");
    }
    this.#log.info("members written back to redis", { count: held.length - lostValues.size });
    for (const room of this.#rooms.values()) this.#scheduleUserlist(room);
  }
}
