/**
 * Every event `<p2p-call>` dispatches: one class each, prefixed `p2p-`,
 * bubbling and composed so a page can listen on any ancestor, and declared in
 * `HTMLElementEventMap` so `addEventListener` is typed.
 *
 * Only `Event` is needed at load time, which Deno and Node also have, so this
 * module is safe to import outside a browser.
 */
import type { CallState, EndReason } from "./call-state.ts";
import type { QualityLevel, QualitySample } from "../in-call/quality-stats.ts";

const init: EventInit = { bubbles: true, composed: true };

// Fields are `declare`d and assigned in the constructor: as parameter
// properties they would also be emitted as class fields, bytes of the first
// load for nothing.

/** The call state changed; `state` is also reflected in the `state` attribute. */
export class P2pStateChangeEvent extends Event {
  static readonly eventName = "p2p-state-change";
  declare readonly state: CallState;
  declare readonly previous: CallState;
  /** The other side of the call, if there is one. */
  declare readonly peer: string | null;
  constructor(
    state: CallState,
    previous: CallState,
    peer: string | null,
  ) {
    super(P2pStateChangeEvent.eventName, init);
    this.state = state;
    this.previous = previous;
    this.peer = peer;
  }
}

/** Someone is calling; call `accept()` or `decline()` (unless `auto-answer` is set). */
export class P2pIncomingCallEvent extends Event {
  static readonly eventName = "p2p-incoming-call";
  declare readonly from: string;
  constructor(from: string) {
    super(P2pIncomingCallEvent.eventName, init);
    this.from = from;
  }
}

/** The room's members changed. `users` excludes this element's own name. */
export class P2pUserListEvent extends Event {
  static readonly eventName = "p2p-user-list";
  declare readonly users: readonly string[];
  constructor(users: readonly string[]) {
    super(P2pUserListEvent.eventName, init);
    this.users = users;
  }
}

/** A call ended (state `ended` or `failed`), with why and who ended it. */
export class P2pCallEndedEvent extends Event {
  static readonly eventName = "p2p-call-ended";
  declare readonly peer: string;
  declare readonly reason: EndReason;
  /** `local` if this side ended it (hang up, decline, timeout), else `remote`. */
  declare readonly by: "local" | "remote";
  /** Milliseconds the call was connected; 0 if it never connected. */
  declare readonly duration: number;
  constructor(
    peer: string,
    reason: EndReason,
    by: "local" | "remote",
    duration: number,
  ) {
    super(P2pCallEndedEvent.eventName, init);
    this.peer = peer;
    this.reason = reason;
    this.by = by;
    this.duration = duration;
  }
}

/**
 * What kind of thing failed:
 * - `media`: getUserMedia or a device switch (camera missing, denied, busy);
 * - `signaling`: the service refused something or the socket dropped;
 * - `peer`: RTCPeerConnection negotiation or ICE;
 * - `protocol`: the service sent a frame the element cannot understand;
 * - `unsupported`: this browser cannot make calls (no WebRTC: `RTCPeerConnection` is missing,
 *   as in some in-app browsers and old WebViews). Sent once, as the element starts; its lobby
 *   still works, it shows "This browser can't make video calls" instead of call buttons, and
 *   `call()` rejects with a NotSupportedError.
 */
export type P2pErrorKind = "media" | "signaling" | "peer" | "protocol" | "unsupported";

/** Something went wrong. `message` is a sentence fit to show a user. */
export class P2pErrorEvent extends Event {
  static readonly eventName = "p2p-error";
  declare readonly kind: P2pErrorKind;
  declare readonly message: string;
  /** The underlying error, e.g. the DOMException from getUserMedia. */
  declare readonly cause?: unknown;
  constructor(
    kind: P2pErrorKind,
    message: string,
    cause?: unknown,
  ) {
    super(P2pErrorEvent.eventName, init);
    this.kind = kind;
    this.message = message;
    this.cause = cause;
  }
}

/** Whether the element is connected to and registered with the signaling service. */
export type SignalingStatus = "offline" | "connecting" | "online" | "reconnecting";

/** The signaling connection status changed (a call in progress is not affected). */
export class P2pSignalingChangeEvent extends Event {
  static readonly eventName = "p2p-signaling-change";
  declare readonly status: SignalingStatus;
  constructor(status: SignalingStatus) {
    super(P2pSignalingChangeEvent.eventName, init);
    this.status = status;
  }
}

/**
 * Call quality, measured every second while a call is connected: the level
 * (`good`, `fair`, `poor`) and the numbers behind it (quality-stats.ts).
 */
export class P2pQualityEvent extends Event {
  static readonly eventName = "p2p-quality";
  declare readonly level: QualityLevel;
  declare readonly sample: QualitySample;
  constructor(sample: QualitySample) {
    super(P2pQualityEvent.eventName, init);
    this.level = sample.level;
    this.sample = sample;
  }
}

/** A chat message from the other side of the call arrived (over the data channel). */
export class P2pChatMessageEvent extends Event {
  static readonly eventName = "p2p-chat-message";
  declare readonly from: string;
  declare readonly text: string;
  constructor(from: string, text: string) {
    super(P2pChatMessageEvent.eventName, init);
    this.from = from;
    this.text = text;
  }
}

/** Every event of `<p2p-call>` by name. */
export interface P2pCallEventMap {
  "p2p-state-change": P2pStateChangeEvent;
  "p2p-incoming-call": P2pIncomingCallEvent;
  "p2p-user-list": P2pUserListEvent;
  "p2p-call-ended": P2pCallEndedEvent;
  "p2p-error": P2pErrorEvent;
  "p2p-signaling-change": P2pSignalingChangeEvent;
  "p2p-quality": P2pQualityEvent;
  "p2p-chat-message": P2pChatMessageEvent;
}

declare global {
  // Merged into the DOM's maps, so addEventListener("p2p-…") is typed.
  interface HTMLElementEventMap extends P2pCallEventMap {}
  /** The events are composed and bubble, so a page may listen on the document. */
  interface DocumentEventMap extends P2pCallEventMap {}
}
