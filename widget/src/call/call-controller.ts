import type { ReactiveController, ReactiveControllerHost } from "lit";
import { CallState, type EndReason, isInCall } from "../api/call-state.ts";
import { type CallEvent, isAnswered, nextState } from "./call-transitions.ts";
import {
  P2pCallEndedEvent,
  P2pErrorEvent,
  type P2pErrorKind,
  P2pIncomingCallEvent,
  P2pStateChangeEvent,
} from "../api/events.ts";
import type { ErrorMessage, HangUpReason, SessionDescription } from "../element/protocol.ts";
import type { DeviceKind, MediaController } from "./media-controller.ts";
import type { MediaPathStatus, PeerController, PeerSignal } from "./peer-controller.ts";
import type { ReceivedRelay } from "./relay-messages.ts";
import type { SignalingController } from "../element/signaling-controller.ts";
import { saveResumeCall, takeResumeCall } from "./resume-call.ts";
import { describeMediaError } from "./media-errors.ts";
import type { CallSentences } from "./status-text.ts";
import { formatLabel } from "../element/words.ts";
import { hasWebRTC } from "../element/webrtc-support.ts";

/** Options of `accept()`. */
export interface AcceptOptions {
  /** Send the camera (default `true`). `false` answers without camera. */
  video?: boolean;
  /** Send the microphone (default `true`). With `video: false` too: receive-only. */
  audio?: boolean;
}

/** What the call needs from the element's attributes, read when needed. */
export interface CallSettings {
  /** The name this side is registered under, `null` before registration. */
  ownName(): string | null;
  rtcConfiguration(): RTCConfiguration;
  /** Ms a call may ring (either side) before it ends with `timeout`. */
  ringTimeout(): number;
  autoAnswer(): boolean;
  /** Dispatches an event on the element. */
  dispatch(event: Event): void;
  /** The words of the element's language, for the problems it shows. */
  words(): CallSentences;
}

export interface CallParts {
  signaling: SignalingController;
  media: MediaController;
  peer: PeerController;
}

/** How long offer/answer → connected may take before the call fails. */
const CONNECT_TIMEOUT = 30_000;

/** The service's usual resume grace, when it did not say (issue 6). */
const DEFAULT_RESUME_GRACE = 20_000;
/** Beyond the grace: the reloaded page needs a moment to load and call back. */
const RESUME_MARGIN = 10_000;
/** A call left by a reload is taken up again only this soon after. */
const RESUME_CALL_MAX_AGE = 10 * 60_000;

const invalidState = (message: string) => new DOMException(message, "InvalidStateError");

/** Why `call()` rejects, and the `p2p-error` of kind `unsupported`, where there is no WebRTC. */
export const NO_WEBRTC =
  "This browser can't make video calls: it has no WebRTC (RTCPeerConnection).";

/**
 * The call itself: drives the call state machine (call-state.ts) from user
 * actions, relayed messages and media-path news, and coordinates the
 * signaling, media and peer controllers. Owns the ring and connect timers.
 *
 * Every call gets a new call id; each async step re-checks it, so a late
 * getUserMedia, description or timer of an earlier call changes nothing.
 */
export class CallController implements ReactiveController {
  state: CallState = CallState.Idle;
  /** The other side of the current or last call. */
  peerName: string | null = null;
  /** Who started the current or last call. */
  direction: "outgoing" | "incoming" = "outgoing";
  endReason: EndReason | null = null;
  endedBy: "local" | "remote" | null = null;
  /** The state the last call was in when it ended (a missed call ends from `ringing`). */
  endedFrom: CallState | null = null;
  /** A sentence for the user about the last media or peer problem. */
  problem: string | null = null;
  /** When media first flowed in the current call (for the call timer). */
  connectedAt: number | null = null;

  readonly #host: ReactiveControllerHost;
  readonly #parts: CallParts;
  readonly #settings: CallSettings;
  #callId = 0;
  #accepting: { callId: number; done: Promise<void> } | null = null;
  /** The caller's offer while ringing; applied on accept (MDN's order). */
  #heldOffer: SessionDescription | null = null;
  /** Whether the peer has heard from us in this call (then it must hear the end too). */
  #contacted = false;
  #ringTimer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Issue 6, the side that reloaded: this call takes up the one the page had
   * before, so its first offer says `resume` and the peer answers at once.
   */
  #resumingCall = false;
  /** Issue 6, the side that waits: the peer's page is reloading; it will call back. */
  #peerAway = false;
  #awayTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: ReactiveControllerHost, parts: CallParts, settings: CallSettings) {
    this.#host = host;
    this.#parts = parts;
    this.#settings = settings;
    host.addController(this);
  }

  hostConnected(): void {
    // Closing the tab never disconnects the element; without this the peer
    // would only notice when ICE times out.
    globalThis.addEventListener?.("pagehide", this.#onPageHide);
  }

  hostDisconnected(): void {
    globalThis.removeEventListener?.("pagehide", this.#onPageHide);
    this.hangUp();
  }

  // ---- user actions ----------------------------------------------------------

  call(name: string): Promise<void> {
    return this.#dial(name, false);
  }

  async #dial(name: string, resume: boolean): Promise<void> {
    if (!hasWebRTC) throw new DOMException(NO_WEBRTC, "NotSupportedError");
    const own = this.#settings.ownName();
    if (!own || this.#parts.signaling.status !== "online") {
      throw invalidState("Not connected to the signaling service yet.");
    }
    if (name === own) throw invalidState("You cannot call yourself.");
    // Calling back whoever is ringing us is answering them.
    if (this.state === CallState.Ringing && this.peerName === name) return this.accept();
    if (isInCall(this.state)) throw invalidState("Already in a call.");

    const callId = this.#begin(name, "outgoing");
    this.#resumingCall = resume;
    this.#openPeer(own, name);
    this.#move({ type: "dial" });
    this.#startRingTimer();
    let stream: MediaStream;
    try {
      stream = await this.#parts.media.acquire({ video: true, audio: true });
    } catch (error) {
      const message = describeMediaError(error, this.#settings.words());
      if (callId !== this.#callId) return;
      this.#report("media", message, error);
      this.#finish("fail", "media", "local", "failed");
      return;
    }
    if (callId !== this.#callId) return;
    // negotiationneeded follows and sends the offer.
    this.#parts.peer.addStream(stream);
  }

  /**
   * Joins an accept() already in progress for the same call: a second click
   * while the permission prompt is open (or a click racing auto-answer) would
   * otherwise reopen the camera and abort the first attempt.
   */
  accept(options: AcceptOptions = {}): Promise<void> {
    if (this.#accepting?.callId === this.#callId) return this.#accepting.done;
    const done = this.#accept(options).finally(() => {
      if (this.#accepting?.done === done) this.#accepting = null;
    });
    this.#accepting = { callId: this.#callId, done };
    return done;
  }

  async #accept({ video = true, audio = true }: AcceptOptions = {}): Promise<void> {
    const offer = this.#heldOffer;
    if (this.state !== CallState.Ringing || !offer) throw invalidState("No incoming call.");
    const callId = this.#callId;
    this.problem = null;
    try {
      await this.#parts.peer.applyRemoteOffer(offer);
    } catch (error) {
      if (callId === this.#callId) {
        this.#peerFailure("problemIncoming", error);
      }
      return;
    }
    if (callId !== this.#callId) return;

    let stream: MediaStream | null = null;
    if (video || audio) {
      try {
        stream = await this.#parts.media.acquire({ video, audio });
      } catch (error) {
        const words = this.#settings.words();
        const message = describeMediaError(error, words);
        if (callId !== this.#callId) return;
        if (video) {
          // Keep ringing: the user may still answer without camera, or decline.
          this.#report("media", message, error);
          return;
        }
        this.#report("media", formatLabel(words.mediaReceiveOnly, { problem: message }), error);
      }
    }
    if (callId !== this.#callId) return;
    if (stream) this.#parts.peer.addStream(stream);
    this.#move({ type: "accept" });
    this.#startConnectTimer();
    try {
      await this.#parts.peer.answer();
    } catch (error) {
      if (callId === this.#callId) this.#peerFailure("problemAnswer", error);
    }
  }

  decline(): void {
    if (this.state !== CallState.Ringing) return;
    this.#finish("end", "declined", "local", "declined");
  }

  /** Ends any call: declines a ringing one, hangs up an ongoing one, else does nothing. */
  hangUp(): void {
    if (this.state === CallState.Ringing) this.decline();
    else if (isInCall(this.state)) this.#finish("end", "hangup", "local", "hangup");
  }

  /** Switches camera or microphone; during a call via replaceTrack (no renegotiation). */
  async switchDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    const callId = this.#callId;
    try {
      const track = await this.#parts.media.switchDevice(kind, deviceId);
      if (track && callId === this.#callId) await this.#parts.peer.replaceTrack(track);
    } catch (error) {
      this.#report("media", describeMediaError(error, this.#settings.words()), error);
    }
  }

  // ---- news from the other controllers ---------------------------------------

  /** Sends a peer-controller message to the call peer. */
  signal(message: PeerSignal): void {
    if (!this.peerName || !isInCall(this.state)) return;
    this.#contacted = true;
    if (message.type === "video-offer" && this.#resumingCall && this.state === CallState.Calling) {
      this.#parts.signaling.send({ ...message, target: this.peerName, resume: true });
      return;
    }
    this.#parts.signaling.send({ ...message, target: this.peerName });
  }

  /**
   * The service answered our resume (issue 6). If this page was reloaded
   * during a call and took its name back, call that peer again: its old
   * connection died with the old page.
   */
  onResumed(ok: boolean): void {
    const key = this.#parts.signaling.resumeKey;
    const peer = key ? takeResumeCall(key, RESUME_CALL_MAX_AGE) : null;
    if (!ok || !peer || isInCall(this.state)) return;
    this.#dial(peer, true).catch((error) => {
      this.#report("peer", this.#settings.words().problemResume, error);
    });
  }

  /** The room's list: a peer we wait for that is no longer in it did not come back in time. */
  onUsers(users: readonly string[]): void {
    const own = this.#settings.ownName();
    if (!this.#peerAway || !this.peerName || !own || !users.includes(own)) return;
    if (!users.includes(this.peerName)) this.#peerLost();
  }

  onRelay(message: ReceivedRelay): void {
    switch (message.type) {
      case "video-offer":
        void this.#onOffer(message.name, message.sdp, message.resume === true);
        break;
      case "video-answer":
        void this.#onAnswer(message.name, message.sdp);
        break;
      case "new-ice-candidate":
        if (this.#isPeer(message.name)) void this.#parts.peer.addCandidate(message.candidate);
        break;
      case "hang-up":
        if (!this.#isPeer(message.name)) return;
        if (message.resume && this.#awaitPeer()) return;
        // MDN's client sends no reason: a plain hang-up.
        if (message.reason === "failed") this.#finish("fail", "failed", "remote", null);
        else this.#finish("end", message.reason ?? "hangup", "remote", null);
        break;
      default: {
        const unhandled: never = message;
        throw new Error(`unhandled relay ${JSON.stringify(unhandled)}`);
      }
    }
  }

  onMediaPath(status: MediaPathStatus): void {
    switch (status) {
      case "connected":
        if (this.#move({ type: "media-connected" })) {
          clearTimeout(this.#connectTimer);
          clearTimeout(this.#ringTimer);
          this.connectedAt ??= Date.now();
        }
        break;
      case "interrupted":
        this.#move({ type: "media-interrupted" });
        break;
      case "failed":
        // A path that never came up was not lost (Firefox fails ICE without
        // candidate pairs long before the connect timer runs out).
        this.#report(
          "peer",
          this.#settings.words()[
            this.connectedAt === null ? "problemNoConnection" : "problemConnectionLost"
          ],
          null,
        );
        this.#finish("fail", "failed", "local", "failed");
        break;
    }
  }

  onPeerError(problem: "problemOffer", cause: unknown): void {
    this.#report("peer", this.#settings.words()[problem], cause);
  }

  onServiceError(error: ErrorMessage): void {
    if (error.code === "unknown-target" && error.target === this.peerName) {
      if (this.#peerAway) return this.#peerLost();
      if (this.state === CallState.Calling) {
        return this.#finish("end", "unreachable", "remote", null);
      }
    }
    this.#settings.dispatch(new P2pErrorEvent("signaling", error.message, error));
  }

  // ---- private ---------------------------------------------------------------

  /**
   * The page goes away. A reload during a call (issue 6) keeps the call: the
   * peer hears a `hang-up` marked `resume` and waits, and the reloaded page
   * calls it again once the service gave its name back. Otherwise (closing
   * the tab is indistinguishable from a reload, so only: no resume possible,
   * or the back/forward cache, from which the page may return but its call
   * cannot) the call ends.
   *
   * Firefox closes the page's sockets (1001) as soon as a reload starts,
   * before `pagehide`: then the hang-up cannot leave (it is only queued, and
   * dies with the page) and the peer learns of the reload from our call back
   * itself (see `#onOffer`). So the call is stored whether or not the socket
   * is still open.
   */
  readonly #onPageHide = (event: Event): void => {
    const peer = this.peerName;
    const key = this.#parts.signaling.resumeKey;
    if (
      (event as PageTransitionEvent).persisted || !peer || !key || !isAnswered(this.state) ||
      this.#peerAway ||
      !this.#parts.signaling.canResume
    ) {
      this.hangUp();
      return;
    }
    // Storage first: it must not depend on the socket (Firefox, above).
    saveResumeCall(key, peer);
    this.#parts.signaling.send({ type: "hang-up", target: peer, reason: "hangup", resume: true });
    // This page's part of the call ends here, without a second hang-up.
    this.#finish("end", "hangup", "local", null);
  };

  /**
   * The peer's page is reloading: its connection is gone for good (a new
   * page cannot take over its DTLS session), so close ours, keep the camera,
   * show `reconnecting` and wait for its call back, at most about the
   * service's grace. Returns false when there is no call to keep.
   */
  #awaitPeer(): boolean {
    if (!isAnswered(this.state)) return false;
    this.#peerAway = true;
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#awayTimer);
    this.#parts.peer.close();
    if (this.state !== CallState.Reconnecting) this.#move({ type: "peer-away" });
    else this.#host.requestUpdate();
    const callId = this.#callId;
    const grace = this.#parts.signaling.resumeGraceMs || DEFAULT_RESUME_GRACE;
    this.#awayTimer = setTimeout(() => {
      if (callId === this.#callId && this.#peerAway) this.#peerLost();
    }, grace + RESUME_MARGIN);
    return true;
  }

  /** The peer we waited for called back: answer it in a fresh connection. */
  async #peerBack(from: string, offer: SessionDescription): Promise<void> {
    const own = this.#settings.ownName();
    if (!own) return;
    this.#peerAway = false;
    clearTimeout(this.#awayTimer);
    const callId = this.#callId;
    this.#openPeer(own, from);
    this.#move({ type: "peer-back" });
    this.#startConnectTimer();
    try {
      await this.#parts.peer.applyRemoteOffer(offer);
      const stream = this.#parts.media.stream;
      if (callId !== this.#callId) return;
      if (stream) this.#parts.peer.addStream(stream);
      await this.#parts.peer.answer();
    } catch (error) {
      if (callId === this.#callId) {
        this.#peerFailure("problemRetake", error);
      }
    }
  }

  /** The peer did not come back within the grace. */
  #peerLost(): void {
    const words = this.#settings.words();
    this.#report("peer", formatLabel(words.problemPeerGone, { name: this.peerName ?? "" }), null);
    this.#finish("fail", "failed", "remote", null);
  }

  async #onOffer(from: string, offer: SessionDescription, resume: boolean): Promise<void> {
    if (this.#isPeer(from) && this.#peerAway) return await this.#peerBack(from, offer);
    // Calling back after our reload, an offer from the peer is one for the
    // old page's connection, held by the service while we were away.
    if (this.#isPeer(from) && this.#resumingCall && this.state === CallState.Calling) return;
    // The peer calls back after a reload we were not told about: Firefox
    // closes a page's sockets (1001) as soon as a reload starts, before
    // `pagehide`, so its `hang-up` marked `resume` never left (nor does a
    // crashed tab's). Our connection is to its old page: give it up as after
    // that hang-up (reconnecting, camera kept) and answer in a fresh one.
    // Without the marker an offer from the peer is renegotiation (below).
    if (resume && this.#isPeer(from) && this.#awaitPeer()) {
      return await this.#peerBack(from, offer);
    }
    if (this.#isPeer(from)) {
      if (this.state === CallState.Ringing) {
        this.#heldOffer = offer;
        return;
      }
      // Renegotiation, ICE restart, MDN's second offer, or glare: all the
      // same to perfect negotiation.
      const callId = this.#callId;
      this.#contacted = true;
      try {
        const answered = await this.#parts.peer.receiveDescription(offer);
        // Glare, polite side: we answered their offer instead of ours.
        if (answered && callId === this.#callId && this.state === CallState.Calling) {
          this.#move({ type: "answered" });
          this.#startConnectTimer();
        }
      } catch (error) {
        if (callId === this.#callId) this.#peerFailure("problemNegotiation", error);
      }
      return;
    }
    if (isInCall(this.state)) {
      this.#parts.signaling.send({ type: "hang-up", target: from, reason: "busy" });
      return;
    }
    // No ringing for a call this browser cannot take: the caller's call fails
    // on our side ("failed"), as it would once the answer could not be made.
    if (!hasWebRTC) {
      this.#parts.signaling.send({ type: "hang-up", target: from, reason: "failed" });
      return;
    }
    const own = this.#settings.ownName();
    if (!own) return;
    this.#begin(from, "incoming");
    this.#contacted = true;
    this.#heldOffer = offer;
    this.#openPeer(own, from);
    this.#move({ type: "incoming" });
    this.#startRingTimer();
    this.#settings.dispatch(new P2pIncomingCallEvent(from));
    if (this.#settings.autoAnswer()) await this.accept();
  }

  async #onAnswer(from: string, answer: SessionDescription): Promise<void> {
    if (!this.#isPeer(from) || this.state === CallState.Ringing) return;
    // An answer with no offer of ours outstanding is stale (e.g. held by the
    // service across a reload, or for a call hung up before a redial): applying
    // it would throw InvalidStateError and fail a healthy call.
    if (this.#parts.peer.connection?.signalingState !== "have-local-offer") return;
    const callId = this.#callId;
    // Move before applying it: ICE may connect while the answer's candidates
    // are still being added, and "connected" must not precede "connecting".
    if (this.state === CallState.Calling) {
      this.#move({ type: "answered" });
      this.#startConnectTimer();
    }
    try {
      await this.#parts.peer.receiveDescription(answer);
    } catch (error) {
      if (callId === this.#callId) this.#peerFailure("problemAnswerApply", error);
    }
  }

  /** A fresh connection for a call with `peer`; the lexically larger name is the polite side. */
  #openPeer(own: string, peer: string): void {
    this.#parts.peer.open(this.#settings.rtcConfiguration(), own > peer);
  }

  #isPeer(name: string): boolean {
    return isInCall(this.state) && name === this.peerName;
  }

  /** Resets per-call bookkeeping for a new call; returns its call id. */
  #begin(peer: string, direction: "outgoing" | "incoming"): number {
    this.#clearTimers();
    this.peerName = peer;
    this.direction = direction;
    this.endReason = null;
    this.endedBy = null;
    this.endedFrom = null;
    this.problem = null;
    this.connectedAt = null;
    this.#heldOffer = null;
    this.#contacted = false;
    this.#resumingCall = false;
    this.#peerAway = false;
    return ++this.#callId;
  }

  /**
   * Ends the call: tells the peer (`notify`, if it knows about the call),
   * releases media and connection, then enters `ended` or `failed`, so
   * listeners of the state change already see everything released.
   */
  #finish(
    kind: "end" | "fail",
    reason: EndReason,
    by: "local" | "remote",
    notify: HangUpReason | null,
  ): void {
    const event: CallEvent = { type: kind, reason };
    if (!nextState(this.state, event) || !this.peerName) return;
    this.#parts.signaling.discardQueued(this.peerName);
    if (notify && this.#contacted) {
      this.#parts.signaling.send({ type: "hang-up", target: this.peerName, reason: notify });
    }
    const duration = this.connectedAt === null ? 0 : Date.now() - this.connectedAt;
    this.#callId++;
    this.#clearTimers();
    this.#heldOffer = null;
    this.#peerAway = false;
    this.#parts.peer.close();
    this.#parts.media.release();
    this.endReason = reason;
    this.endedBy = by;
    this.endedFrom = this.state;
    this.connectedAt = null;
    this.#move(event);
    this.#settings.dispatch(new P2pCallEndedEvent(this.peerName, reason, by, duration));
  }

  #peerFailure(problem: keyof CallSentences, cause: unknown): void {
    this.#report("peer", this.#settings.words()[problem], cause);
    this.#finish("fail", "failed", "local", "failed");
  }

  /** Applies a state machine event; returns whether the state changed. */
  #move(event: CallEvent): boolean {
    const next = nextState(this.state, event);
    if (next === null) return false;
    const previous = this.state;
    this.state = next;
    this.#host.requestUpdate();
    this.#settings.dispatch(new P2pStateChangeEvent(next, previous, this.peerName));
    return true;
  }

  #report(kind: P2pErrorKind, message: string, cause: unknown): void {
    this.problem = message;
    this.#host.requestUpdate();
    this.#settings.dispatch(new P2pErrorEvent(kind, message, cause));
  }

  #startRingTimer(): void {
    clearTimeout(this.#ringTimer);
    const callId = this.#callId;
    this.#ringTimer = setTimeout(() => {
      if (callId !== this.#callId) return;
      if (this.state === CallState.Calling || this.state === CallState.Ringing) {
        this.#finish("end", "timeout", "local", "timeout");
      }
    }, this.#settings.ringTimeout());
  }

  /** Entering `connecting`: ringing is over, connecting has its own limit. */
  #startConnectTimer(): void {
    clearTimeout(this.#ringTimer);
    clearTimeout(this.#connectTimer);
    const callId = this.#callId;
    this.#connectTimer = setTimeout(() => {
      if (callId === this.#callId && this.state === CallState.Connecting) {
        this.#report("peer", this.#settings.words().problemNoConnection, null);
        this.#finish("fail", "failed", "local", "failed");
      }
    }, CONNECT_TIMEOUT);
  }

  #clearTimers(): void {
    clearTimeout(this.#ringTimer);
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#awayTimer);
    this.#ringTimer = undefined;
    this.#connectTimer = undefined;
    this.#awayTimer = undefined;
  }
}
