/**
 * Resuming a registration after the socket dropped (a page reload, a network
 * blip): the parts both hubs share.
 *
 * Every socket gets a resume token in its `id` message. When a registered
 * socket that opted in (its `username` carried a `resume` field) drops, its
 * hub keeps the name for the grace period under that token: a `HeldMember`
 * takes the socket's place, so the room sees no change, and it queues the
 * targeted frames sent to the name meanwhile. A new socket that registers
 * with the token takes the name back and gets the queue, in order. When the
 * grace ends, the name is freed and everyone whose frame was held hears
 * `unknown-target`.
 */
import type { Member, PeerRef } from "./hub.ts";
import type { ErrorMessage } from "./protocol.ts";

/**
 * Frames a held name keeps at most from one sender; a longer gap is a lost
 * call anyway. Each sender has its own share (this, and `bytesPerSender`), so
 * one room member cannot fill the queue and lock out the real call peer.
 */
export const HELD_MAX_FRAMES = 100;
/** The default share of UTF-8 bytes per sender (`--held-sender-bytes`). */
export const HELD_BYTES_PER_SENDER = 128 * 1024;

/** Longest `resume` value worth looking up; tokens are 22 characters. */
export const MAX_RESUME_TOKEN_LENGTH = 64;

/** A targeted frame that waited for its recipient to come back. */
export interface HeldFrame {
  frame: string;
  type: string;
  from: PeerRef;
}

/** What a session hands its hub when its socket drops and its name is to be kept. */
export interface HoldRequest {
  /** The dropped socket's token; a new socket registering with it takes the name back. */
  token: string;
  /** How long the name is kept. */
  graceMs: number;
  /** The dropped socket's call peer, handed on to the socket that resumes. */
  callPeer: PeerRef | undefined;
  /**
   * UTF-8 bytes of frames one sender may have queued (HELD_BYTES_PER_SENDER
   * if absent). A sender's first frame is always queued, whatever its size
   * once stamped: it passed the frame limit on arrival.
   */
  bytesPerSender?: number;
}

/** What a resuming socket takes over. */
export interface ResumeResult {
  /** The held name (it may differ from the name asked for: `alice2` asking for `alice`). */
  name: string;
  /** Frames sent to the name during the gap, in order. */
  frames: HeldFrame[];
  /** The room's members in join order, for the resumed socket's first `userlist`. */
  users: string[];
  callPeer: PeerRef | undefined;
}

const encoder = new TextEncoder();

/** 128 random bits, base64url without padding (22 characters). */
export function newResumeToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** A frame the service sends a sender whose frame could not (or will not) be delivered. */
export function unknownTargetFrame(room: string, name: string, why: string): string {
  const error: ErrorMessage = {
    type: "error",
    code: "unknown-target",
    message: `Nobody named "${name}" is in room "${room}" ${why}.`,
    target: name,
  };
  return JSON.stringify(error);
}

export interface HeldMemberOptions {
  /** The dropped socket's id: its PeerRefs stay valid for the resumed socket. */
  id: number;
  room: string;
  name: string;
  /** The name the dropped socket asked for (alice for alice2). */
  wanted: string;
  request: HoldRequest;
  /** Tells a sender its frame was refused (the queue is full). */
  refuse(sender: PeerRef, frame: string): void;
}

/**
 * Stands in for a dropped socket while its name is held: the hub keeps it
 * where the socket was, so lookups, userlists and relays treat it like any
 * member. Targeted frames are queued (bounded); what every member gets
 * (userlists, chat lines) is not: the resumed socket gets a fresh list.
 */
export class HeldMember implements Member {
  readonly id: number;
  readonly room: string;
  readonly name: string;
  readonly wanted: string;
  readonly token: string;
  readonly callPeer: PeerRef | undefined;
  readonly frames: HeldFrame[] = [];
  /** Everyone with a frame in the queue, by PeerRef id: told if the hold lapses. */
  readonly senders = new Map<string, PeerRef>();
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Each sender's share in use, by PeerRef id. */
  #shares = new Map<string, { frames: number; bytes: number }>();
  #bytesPerSender: number;
  #refuse: (sender: PeerRef, frame: string) => void;

  constructor(options: HeldMemberOptions) {
    this.id = options.id;
    this.room = options.room;
    this.name = options.name;
    this.wanted = options.wanted;
    this.token = options.request.token;
    this.callPeer = options.request.callPeer;
    this.#bytesPerSender = options.request.bytesPerSender ?? HELD_BYTES_PER_SENDER;
    this.#refuse = options.refuse;
  }

  /** Whether a socket registering in `room` as `wanted` with this token may take the name. */
  fits(room: string, wanted: string): boolean {
    return room === this.room && (wanted === this.name || wanted === this.wanted);
  }

  send(_frame: string): void {
    // Userlists and chat lines: the resumed socket starts from a fresh list.
  }

  deliver(frame: string, type: string, from: PeerRef): void {
    const bytes = encoder.encode(frame).length;
    const share = this.#shares.get(from.id) ?? { frames: 0, bytes: 0 };
    const full = share.frames >= HELD_MAX_FRAMES ||
      (share.frames > 0 && share.bytes + bytes > this.#bytesPerSender);
    if (full) {
      this.#refuse(
        from,
        unknownTargetFrame(
          this.room,
          this.name,
          "right now: they are reconnecting and too many messages are waiting for them " +
            "from you, so this one was not delivered",
        ),
      );
      return;
    }
    share.frames++;
    share.bytes += bytes;
    this.#shares.set(from.id, share);
    this.frames.push({ frame, type, from });
    this.senders.set(from.id, from);
  }

  close(): void {
    // Nothing to close: the socket is already gone.
  }

  /** The error every sender of a held frame gets when the hold lapses. */
  lapsedFrame(): string {
    return unknownTargetFrame(
      this.room,
      this.name,
      "any more: their connection did not come back in time, and messages sent to them " +
        "meanwhile were not delivered",
    );
  }
}
