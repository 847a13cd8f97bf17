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

/** The call state changed; `state` is also reflected in the `state` attribute. */
export class P2pStateChangeEvent extends Event {
  static readonly eventName = "p2p-state-change";
  constructor(
    readonly state: CallState,
    readonly previous: CallState,
    /** The other side of the call, if there is one. */
    readonly peer: string | null,
  ) {
    super(P2pStateChangeEvent.eventName, init);
  }
}

/** Someone is calling; call `accept()` or `decline()` (unless `auto-answer` is set). */
export class P2pIncomingCallEvent extends Event {
  static readonly eventName = "p2p-incoming-call";
  constructor(readonly from: string) {
    super(P2pIncomingCallEvent.eventName, init);
  }
}

/** The room's members changed. `users` excludes this element's own name. */
export class P2pUserListEvent extends Event {
  static readonly eventName = "p2p-user-list";
  constructor(readonly users: readonly string[]) {
    super(P2pUserListEvent.eventName, init);
  }
}

/** A call ended (state `ended` or `failed`), with why and who ended it. */
export class P2pCallEndedEvent extends Event {
  static readonly eventName = "p2p-call-ended";
  constructor(
    readonly peer: string,
    readonly reason: EndReason,
    /** `local` if this side ended it (hang up, decline, timeout), else `remote`. */
    readonly by: "local" | "remote",
    /** Milliseconds the call was connected; 0 if it never connected. */
    readonly duration: number,
  ) {
    super(P2pCallEndedEvent.eventName, init);
  }
}

/**
 * What kind of thing failed:
 * - `media`: getUserMedia or a device switch (camera missing, denied, busy);
 * - `signaling`: the service refused something or the socket dropped;
 * - `peer`: RTCPeerConnection negotiation or ICE;
 * - `protocol`: the service sent a frame the element cannot understand.
 */
export type P2pErrorKind = "media" | "signaling" | "peer" | "protocol";

/** Something went wrong. `message` is a sentence fit to show a user. */
export class P2pErrorEvent extends Event {
  static readonly eventName = "p2p-error";
  constructor(
    readonly kind: P2pErrorKind,
    readonly message: string,
    /** The underlying error, e.g. the DOMException from getUserMedia. */
    readonly cause?: unknown,
  ) {
    super(P2pErrorEvent.eventName, init);
  }
}

/** Whether the element is connected to and registered with the signaling service. */
export type SignalingStatus = "offline" | "connecting" | "online" | "reconnecting";

/** The signaling connection status changed (a call in progress is not affected). */
export class P2pSignalingChangeEvent extends Event {
  static readonly eventName = "p2p-signaling-change";
  constructor(readonly status: SignalingStatus) {
    super(P2pSignalingChangeEvent.eventName, init);
  }
}

/**
 * Call quality, measured every second while a call is connected: the level
 * (`good`, `fair`, `poor`) and the numbers behind it (quality-stats.ts).
 */
export class P2pQualityEvent extends Event {
  static readonly eventName = "p2p-quality";
  readonly level: QualityLevel;
  constructor(readonly sample: QualitySample) {
    super(P2pQualityEvent.eventName, init);
    this.level = sample.level;
  }
}

/** A chat message from the other side of the call arrived (over the data channel). */
export class P2pChatMessageEvent extends Event {
  static readonly eventName = "p2p-chat-message";
  constructor(readonly from: string, readonly text: string) {
    super(P2pChatMessageEvent.eventName, init);
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
