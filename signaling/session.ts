/**
 * One connected socket: applies the limits, turns frames into actions via
 * `parseClientMessage`, answers mistakes with error frames and remembers the
 * socket's call peer. Nothing a client sends can make it throw or reach a
 * socket other than the one the protocol routes it to.
 */
import type { Config } from "./config.ts";
import { type Hub, HubUnavailableError, type Member, type PeerRef, RoomFullError } from "./hub.ts";
import type { Logger } from "./log.ts";
import { describeNameProblem, normalizeName } from "./names.ts";
import { type ClientIntent, type Frame, parseClientMessage, type ProtocolError } from "./parse.ts";
import {
  CLOSE_POLICY_VIOLATION,
  CLOSE_TOO_LARGE,
  CLOSE_TRY_AGAIN_LATER,
  type ErrorCode,
  type ErrorMessage,
  type IceServer,
  type IdMessage,
  PROTOCOL_VERSION,
  type ResumeMessage,
} from "./protocol.ts";
import { RateLimiter, TokenBucket } from "./rate_limit.ts";
import { type HeldFrame, MAX_RESUME_TOKEN_LENGTH, newResumeToken } from "./resume.ts";
import type { ServiceMetrics } from "./metrics.ts";

export interface SessionOptions {
  id: number;
  socket: WebSocket;
  hub: Hub;
  config: Config;
  logger: Logger;
  metrics: ServiceMetrics;
  /** `?room=` of the upgrade request, if any; used when `username` names no room. */
  queryRoom: string | undefined;
  /**
   * The open sessions of this instance by resume token, shared by all: a
   * socket that resumes with the token of one still open takes over from it.
   */
  byToken?: Map<string, Session>;
}

const encoder = new TextEncoder();

/** Renames a socket may make at once before `--renames-per-minute` applies. */
export const RENAME_BURST = 5;

/**
 * Close codes of a client that leaves on purpose (a normal close, or a close
 * frame without a code): its name is freed at once, not held for a resume.
 */
const LEAVING_CODES: ReadonlySet<number> = new Set([1000, 1005]);

/** Closes a socket whose client came back on a new one with its resume token. */
export const CLOSE_SUPERSEDED = 4000;

/** UTF-8 size of a frame, without encoding it when the answer is obvious. */
function exceedsBytes(data: string | ArrayBuffer | Blob, max: number): boolean {
  if (data instanceof ArrayBuffer) return data.byteLength > max;
  if (data instanceof Blob) return data.size > max;
  // A UTF-16 unit is 1-3 UTF-8 bytes (a surrogate pair is 4 bytes for 2 units).
  if (data.length > max) return true;
  if (data.length * 3 <= max) return false;
  return encoder.encode(data).length > max;
}

export class Session implements Member {
  readonly id: number;
  #socket: WebSocket;
  #hub: Hub;
  #config: Config;
  #log: Logger;
  #metrics: ServiceMetrics;
  #queryRoom: string | undefined;
  #limiter: RateLimiter;
  /** Renames and moves; null when they are not limited. */
  #renames: TokenBucket | null;
  #room: string | undefined;
  #name: string | undefined;
  /**
   * Who this socket is in a call with: whom it last sent an offer or answer,
   * or received one from while it had no other call peer. Target of a bare
   * `hang-up`.
   */
  #callPeer: PeerRef | undefined;
  /**
   * The last third party that offered this socket a call while it had a call
   * peer (the socket is busy, or its peer left without a hang-up). A bare
   * `hang-up` goes to it when the call peer is gone.
   */
  #caller: PeerRef | undefined;
  /** Pending look at the unread backlog (see `send`). */
  #backlogCheck: ReturnType<typeof setTimeout> | undefined;
  /** Set once the service decided to close; later frames are ignored. */
  #closing = false;
  /** The service closed the socket itself (flood, shutdown, outage): no resume. */
  #closedByService = false;
  /**
   * This socket's resume token (sent in `id`), or undefined when resuming is
   * off. If the socket drops, its name is held under it.
   */
  readonly #resumeToken: string | undefined;
  /** The client said it can resume (`resume` in `username`): hold its name if it drops. */
  #resumable = false;
  /** Relayed frames that arrived while a resume was being answered; delivered after it. */
  #deferred: HeldFrame[] | undefined;
  #byToken: Map<string, Session> | undefined;
  /** Leaving the room (or holding the name) once the socket is done; started once. */
  #left: Promise<void> | undefined;
  /**
   * The end of this socket's work queue. Hub operations may wait for another
   * machine, so each frame's work starts only when the previous frame's is
   * done: that is what keeps a socket's relays in order.
   */
  #tail: Promise<void> = Promise.resolve();

  constructor(options: SessionOptions) {
    this.id = options.id;
    this.#socket = options.socket;
    this.#hub = options.hub;
    this.#config = options.config;
    this.#log = options.logger;
    this.#metrics = options.metrics;
    this.#queryRoom = options.queryRoom;
    const { ratePerSecond, rateBurst, rateBytesPerSecond, rateBytesBurst, renamesPerMinute } =
      options.config.limits;
    this.#limiter = new RateLimiter({
      ratePerSecond,
      burst: rateBurst,
      bytesPerSecond: rateBytesPerSecond,
      bytesBurst: rateBytesBurst,
    });
    this.#renames = renamesPerMinute > 0
      ? new TokenBucket(renamesPerMinute / 60, RENAME_BURST)
      : null;
    if (options.config.resumeGraceSeconds > 0) {
      this.#resumeToken = newResumeToken();
      this.#byToken = options.byToken;
      this.#byToken?.set(this.#resumeToken, this);
    }
  }

  /** The first frame on every socket. */
  greet(iceServers: IceServer[]): void {
    const id: IdMessage = { type: "id", id: this.id, protocol: PROTOCOL_VERSION };
    if (iceServers.length > 0) id.iceServers = iceServers;
    if (this.#resumeToken) {
      id.resume = this.#resumeToken;
      id.resumeGrace = this.#config.resumeGraceSeconds;
    }
    this.send(JSON.stringify(id));
  }

  send(frame: string): void {
    if (this.#socket.readyState !== WebSocket.OPEN) return;
    try {
      this.#socket.send(frame);
    } catch (error) {
      // A socket can die between the readyState check and the send; its close
      // event cleans up, and the sender's other recipients must not notice.
      this.#log.debug("send failed", { socket: this.id, error: String(error) });
      return;
    }
    // What the client has not read yet waits in this process once the
    // kernel's socket buffers are full: a client that stops reading must not
    // make that grow without bound. bufferedAmount counts a frame from its
    // send until it is written, so frames sent in one go (a burst of relays)
    // all count, even for a client that reads them at once: judge once the
    // writes have had their turn.
    const max = this.#config.limits.maxBufferedBytes;
    if (max > 0 && this.#backlogCheck === undefined && this.#socket.bufferedAmount > max) {
      this.#backlogCheck = setTimeout(() => {
        this.#backlogCheck = undefined;
        const open = this.#socket.readyState === WebSocket.OPEN;
        if (open && this.#socket.bufferedAmount > max) this.#fallenBehind();
      }, 0);
    }
  }

  deliver(frame: string, type: string, from: PeerRef): void {
    if (this.#deferred) {
      this.#deferred.push({ frame, type, from });
      return;
    }
    if (type === "video-offer" || type === "video-answer") {
      // An offer from someone else while in a call does not end that call:
      // the socket may refuse it (`busy`), and its bare hang-ups still go to
      // its peer. Its own answer to the newcomer is what switches calls.
      if (!this.#callPeer || samePeer(this.#callPeer, from)) this.#setCallPeer(from);
      else if (type === "video-offer") this.#caller = from;
    } else if (type === "hang-up") {
      this.#forgetPeer(from);
    }
    this.send(frame);
  }

  /** Handles one incoming frame; never throws. */
  receive(data: string | ArrayBuffer | Blob): void {
    this.#metrics.frameReceived();
    if (this.#closing) return;
    try {
      // Limits apply on arrival, so a flood cannot pile up behind a slow hub.
      if (!this.#admit(data)) return;
    } catch (error) {
      this.#log.error("frame handling failed", { socket: this.id, error: String(error) });
      return;
    }
    void this.#enqueue(() => this.#handle(data as string));
  }

  /**
   * The socket closed (by either side, or by the heartbeat): leave the room
   * once the frames that arrived before the close are handled. Never rejects.
   */
  end(code: number): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#backlogCheck);
    return this.#leave(code);
  }

  /**
   * A new socket presented this socket's resume token: its client is back on
   * that one, and this one is stale (often a half-open connection after a
   * network change that the heartbeat has not caught yet). Holds the name for
   * the new socket as if this one had dropped, then closes it.
   */
  async supersede(): Promise<void> {
    this.#closing = true;
    const left = this.#leave(CLOSE_SUPERSEDED);
    try {
      this.#socket.close(CLOSE_SUPERSEDED, "resumed on a new connection");
    } catch {
      // Already closing.
    }
    await left;
  }

  #leave(code: number): Promise<void> {
    return this.#left ??= this.#enqueue(async () => {
      const token = this.#resumeToken;
      if (token && this.#byToken?.get(token) === this) this.#byToken.delete(token);
      // A client that closes normally leaves on purpose; a reload (1001), a
      // network blip (1006) or a lost heartbeat may come back.
      if (
        token && this.#resumable && this.#name !== undefined && !this.#closedByService &&
        !LEAVING_CODES.has(code)
      ) {
        const graceMs = this.#config.resumeGraceSeconds * 1000;
        const bytesPerSender = this.#config.limits.heldBytesPerSender;
        await this.#hub.hold(this, { token, graceMs, callPeer: this.#callPeer, bytesPerSender });
        this.#log.info("hold", { socket: this.id, room: this.#room, name: this.#name, code });
        return;
      }
      await this.#hub.unregister(this);
      if (this.#name === undefined) {
        this.#log.debug("disconnect", { socket: this.id, code });
      } else {
        this.#log.info("leave", { socket: this.id, room: this.#room, name: this.#name, code });
      }
    });
  }

  /**
   * The client is not reading what it is sent (stalled, or on a link too slow
   * for what its room sends it): close with 1013 and leave at once. Nothing
   * more is queued for it, and the close event may come only when the
   * connection dies, because the close frame waits behind the unread bytes.
   * Like a dropped socket, its name is held if its client can resume.
   */
  #fallenBehind(): void {
    const buffered = this.#socket.bufferedAmount;
    this.#log.warn("client too slow: closing socket", { socket: this.id, buffered });
    try {
      this.#socket.close(CLOSE_TRY_AGAIN_LATER, "too far behind");
    } catch {
      // Already closing.
    }
    void this.end(CLOSE_TRY_AGAIN_LATER);
  }

  /** Closes the socket; used by graceful shutdown. */
  close(code: number, reason: string): void {
    this.#closing = true;
    this.#closedByService = true;
    try {
      this.#socket.close(code, reason);
    } catch {
      // Already closing.
    }
  }

  /** Rate, size and frame kind; true when the frame is a text frame worth handling. */
  #admit(data: string | ArrayBuffer | Blob): boolean {
    // The text's length is known already: the byte limit costs no encoding.
    const length = typeof data === "string"
      ? data.length
      : data instanceof ArrayBuffer
      ? data.byteLength
      : data.size;
    switch (this.#limiter.admit(length)) {
      case "accept":
        break;
      case "drop":
        this.#metrics.rateLimited("drop");
        return false;
      case "drop-and-notify":
        this.#metrics.rateLimited("drop");
        this.#log.warn("rate limited", { socket: this.id });
        this.#enqueueError(
          "rate-limited",
          "Too many messages or too much data: some were dropped. Slow down or you will be " +
            "disconnected.",
        );
        return false;
      case "disconnect":
        this.#metrics.rateLimited("disconnect");
        this.#log.warn("disconnecting flooder", { socket: this.id });
        this.#enqueueError(
          "rate-limited",
          "Too many messages or too much data for too long: disconnecting.",
        );
        this.#closeAfterQueue(CLOSE_POLICY_VIOLATION, "rate limit exceeded");
        return false;
    }

    const max = this.#config.limits.maxFrameBytes;
    if (exceedsBytes(data, max)) {
      this.#log.warn("frame too large", { socket: this.id });
      this.#enqueueError("too-large", `Frames may be at most ${max} bytes: disconnecting.`);
      this.#closeAfterQueue(CLOSE_TOO_LARGE, "frame too large");
      return false;
    }
    if (typeof data !== "string") {
      this.#enqueueError("binary-unsupported", "Only text frames carrying JSON are supported.");
      return false;
    }
    return true;
  }

  /** Runs `task` after every task queued before it; never rejects. */
  #enqueue(task: () => void | Promise<void>): Promise<void> {
    const run = async () => {
      try {
        await task();
      } catch (error) {
        if (error instanceof HubUnavailableError) this.#onHubUnavailable(error);
        else this.#log.error("frame handling failed", { socket: this.id, error: String(error) });
      }
    };
    this.#tail = this.#tail.then(run);
    return this.#tail;
  }

  /** An error frame, in order with the answers to earlier frames. */
  #enqueueError(code: ErrorCode, message: string): void {
    void this.#enqueue(() => this.#sendError(code, message));
  }

  /**
   * Closes once earlier frames are handled (so their relays still go out),
   * ignoring every frame that arrives meanwhile.
   */
  #closeAfterQueue(code: number, reason: string): void {
    this.#closing = true;
    void this.#enqueue(() => this.close(code, reason));
  }

  /**
   * The presence store is unreachable, so the socket cannot be served
   * correctly: it is closed with 1013 "try again later", and the client
   * reconnects and registers again once the store is back.
   */
  #onHubUnavailable(error: HubUnavailableError): void {
    if (this.#socket.readyState !== WebSocket.OPEN) {
      this.#log.debug("hub failure after close", { socket: this.id, error: String(error) });
      return;
    }
    this.#log.error("hub unavailable: closing socket", { socket: this.id, error: String(error) });
    this.close(CLOSE_TRY_AGAIN_LATER, "signaling temporarily unavailable");
  }

  async #handle(data: string): Promise<void> {
    const intent = parseClientMessage(data, this.#config.limits);
    if (intent.kind === "error") return this.#reject(intent);
    await this.#act(intent);
  }

  async #act(intent: ClientIntent): Promise<void> {
    if (intent.kind === "register") {
      return await this.#register(intent.name, intent.room, intent.resume, intent.sentName);
    }

    const room = this.#room;
    const name = this.#name;
    if (room === undefined || name === undefined) {
      return this.#sendError("not-registered", 'Send a "username" message before anything else.');
    }

    switch (intent.kind) {
      case "chat":
        await this.#hub.broadcast(this, stamp(intent.frame, name));
        this.#metrics.relayed("message");
        return;
      case "hang-up-peer": {
        const frame = stamp(intent.frame, name);
        const peer = this.#callPeer;
        this.#callPeer = undefined;
        // No current call: nothing to end. A peer that left or moved away gets
        // nothing (the hub drops it); then the hang-up is for whoever called since.
        if (peer && await this.#hub.relayToPeer(this, peer, frame, "hang-up")) {
          return this.#metrics.relayed("hang-up");
        }
        const caller = this.#caller;
        this.#caller = undefined;
        if (caller && await this.#hub.relayToPeer(this, caller, frame, "hang-up")) {
          this.#metrics.relayed("hang-up");
        }
        return;
      }
      case "relay": {
        const recipient = await this.#hub.relay(
          this,
          intent.target,
          stamp(intent.frame, name),
          intent.type,
        );
        if (!recipient) {
          return this.#sendError(
            "unknown-target",
            `Nobody named "${intent.target}" is in room "${room}".`,
            intent.target,
          );
        }
        this.#metrics.relayed(intent.type);
        // What the socket sends is its own choice: calling or answering
        // someone makes them its call peer, a hang-up (`busy` to a newcomer
        // included) ends only the call with whom it goes to.
        if (intent.type === "video-offer" || intent.type === "video-answer") {
          this.#setCallPeer(recipient);
        } else if (intent.type === "hang-up") {
          this.#forgetPeer(recipient);
        }
        return;
      }
    }
  }

  /**
   * `wantedName` is the name as normalized (names.ts), `sentName` as the
   * client sent it: a client whose name changed hears the one it got.
   */
  async #register(
    wantedName: string,
    requestedRoom: string | undefined,
    resume: string | undefined,
    sentName: string,
  ): Promise<void> {
    const queryRoom = this.#queryRoom === undefined ? undefined : normalizeName(this.#queryRoom);
    const room = requestedRoom ?? queryRoom ?? this.#config.defaultRoom;
    if (requestedRoom === undefined && queryRoom !== undefined) {
      // `?room=` is validated here rather than at the upgrade, because a
      // browser cannot read why an upgrade failed but can read an error frame.
      const problem = describeNameProblem(queryRoom, this.#config.limits.maxRoomLength);
      if (problem) return this.#sendError("invalid-name", `The room name ${problem}.`);
    }
    if (this.#name !== undefined && (room !== this.#room || wantedName !== this.#name)) {
      // Every rename sends the whole room a list: limited, or one socket
      // flipping its name floods everyone.
      if (this.#renames && !this.#renames.take()) {
        const perMinute = this.#config.limits.renamesPerMinute;
        return this.#sendError(
          "rate-limited",
          `Too many renames (at most ${perMinute} a minute): your name stays "${this.#name}".`,
        );
      }
    }
    const resuming = resume !== undefined && this.#resumeToken !== undefined;
    if (resuming) this.#resumable = true;
    // Only a socket's first registration can resume; a later one is a rename.
    if (resuming && resume !== "" && this.#name === undefined) {
      const stale = this.#byToken?.get(resume);
      if (stale && stale !== this) await stale.supersede();
      if (await this.#resume(room, wantedName, resume, sentName)) return;
    }
    const previous = { room: this.#room, name: this.#name };
    let name: string;
    try {
      name = await this.#hub.register(this, room, wantedName);
    } catch (error) {
      if (!(error instanceof RoomFullError)) throw error;
      if (resuming && resume !== "" && previous.name === undefined) {
        this.#sendResume({ type: "resume", ok: false });
      }
      return this.#sendError(
        "room-full",
        `Room "${room}" is full (${error.cap} members); ` +
          (previous.name === undefined ? "try again later." : `you stay in "${previous.room}".`),
      );
    }
    if (previous.room !== undefined && previous.room !== room) {
      this.#callPeer = undefined;
      this.#caller = undefined;
    }
    this.#room = room;
    this.#name = name;
    if (name !== sentName) {
      this.send(JSON.stringify({ type: "rejectusername", id: this.id, name }));
    }
    if (resuming && resume !== "" && previous.name === undefined) {
      this.#sendResume({ type: "resume", ok: false });
    }
    if (previous.room === room && previous.name === name) return;
    this.#log.info(previous.room === undefined ? "join" : "rename", {
      socket: this.id,
      room,
      name,
      fromRoom: previous.room,
      fromName: previous.name,
    });
  }

  /**
   * Takes over the name held under `token`, if any: answers `resume`, then
   * delivers the frames held for the name, then the room's list. Frames
   * relayed to this socket meanwhile wait until then, so everything arrives
   * in the order it was sent. Resolves false, changing nothing, if the hub
   * holds nothing for this token, room and name.
   */
  async #resume(
    room: string,
    wantedName: string,
    token: string,
    sentName: string,
  ): Promise<boolean> {
    if (token.length > MAX_RESUME_TOKEN_LENGTH) return false;
    this.#deferred = [];
    try {
      const resumed = await this.#hub.resume(this, room, wantedName, token);
      if (!resumed) return false;
      const { name, frames, users, callPeer } = resumed;
      this.#room = room;
      this.#name = name;
      this.#callPeer = callPeer;
      if (name !== sentName) {
        this.send(JSON.stringify({ type: "rejectusername", id: this.id, name }));
      }
      this.#sendResume({ type: "resume", ok: true, name, held: frames.length });
      const deferred = this.#deferred;
      this.#deferred = undefined;
      for (const held of frames) this.deliver(held.frame, held.type, held.from);
      this.send(JSON.stringify({ type: "userlist", users }));
      for (const held of deferred) this.deliver(held.frame, held.type, held.from);
      this.#log.info("resume", { socket: this.id, room, name, held: frames.length });
      return true;
    } finally {
      const deferred = this.#deferred ?? [];
      this.#deferred = undefined;
      for (const held of deferred) this.deliver(held.frame, held.type, held.from);
    }
  }

  #setCallPeer(peer: PeerRef): void {
    // A call with someone new: whoever called during an earlier call is no
    // longer the one a bare hang-up is for.
    if (!samePeer(this.#callPeer, peer)) this.#caller = undefined;
    this.#callPeer = peer;
  }

  /** A hang-up went to or came from `peer`: the call with it is over. */
  #forgetPeer(peer: PeerRef): void {
    if (samePeer(this.#callPeer, peer)) this.#callPeer = undefined;
    if (samePeer(this.#caller, peer)) this.#caller = undefined;
  }

  #sendResume(message: ResumeMessage): void {
    this.send(JSON.stringify(message));
  }

  #reject(error: ProtocolError): void {
    this.#sendError(error.code, error.message, error.target);
  }

  #sendError(code: ErrorCode, message: string, target?: string): void {
    this.#log.debug("client error", { socket: this.id, code });
    this.#metrics.error(code);
    const frame: ErrorMessage = { type: "error", code, message };
    if (target !== undefined) frame.target = target;
    this.send(JSON.stringify(frame));
  }
}

/**
 * Whether `a` and `b` are the same call partner: the same socket, or the
 * same name in the room (a peer that resumed on a new socket keeps its name;
 * a name is only reused once its holder is gone, which ended its call).
 */
function samePeer(a: PeerRef | undefined, b: PeerRef): boolean {
  return a !== undefined && (a.id === b.id || a.name === b.name);
}

/** The frame as relayed: every field untouched except `name`, which is the sender's. */
function stamp(frame: Frame, name: string): string {
  frame.name = name;
  return JSON.stringify(frame);
}
