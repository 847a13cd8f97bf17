import type { ReactiveController, ReactiveControllerHost } from "lit";
import type { IceCandidate, SessionDescription } from "../element/protocol.ts";

/** What the peer controller needs to send; the call controller adds the target. */
export type PeerSignal =
  | { type: "video-offer"; sdp: SessionDescription }
  | { type: "video-answer"; sdp: SessionDescription }
  | { type: "new-ice-candidate"; candidate: IceCandidate };

/** Media path health, as the call state machine needs it. */
export type MediaPathStatus = "connected" | "interrupted" | "failed";

export interface PeerCallbacks {
  signal(message: PeerSignal): void;
  onMediaPath(status: MediaPathStatus): void;
  /** `problem`: the words key (call-labels.ts) of the sentence to show. */
  onError(problem: "problemOffer", cause: unknown): void;
  /** A new connection exists (nothing negotiated yet, in either direction). */
  onOpen?(pc: RTCPeerConnection): void;
  /**
   * Our tracks are about to be added. Whatever else the first offer must
   * carry (the chat data channel) is added now, in the same task, so a
   * single `negotiationneeded` covers both.
   */
  beforeTracks?(pc: RTCPeerConnection): void;
}

export interface PeerTimings {
  /** How long `disconnected` may last before we restart ICE ourselves. */
  disconnectedGrace: number;
  /** How long an interrupted path may take to recover before the call fails. */
  recoveryTimeout: number;
}

export const DEFAULT_PEER_TIMINGS: PeerTimings = {
  disconnectedGrace: 3_000,
  recoveryTimeout: 20_000,
};

/**
 * Owns the RTCPeerConnection of the current call and negotiates it with the
 * "perfect negotiation" pattern (W3C WebRTC §10.7, webrtc/samples
 * perfect-negotiation): either side may (re)offer at any time, the polite side
 * rolls back its own offer on a collision, the impolite side ignores the
 * other's. Remote ICE candidates wait in a queue until a remote description
 * exists. ICE is restarted when the path fails or stays disconnected.
 */
export class PeerController implements ReactiveController {
  /** The remote side's media, once a track arrived. */
  remoteStream: MediaStream | null = null;

  readonly #host: ReactiveControllerHost;
  readonly #callbacks: PeerCallbacks;
  readonly #timings: PeerTimings;
  #pc: RTCPeerConnection | null = null;
  #polite = false;
  #makingOffer = false;
  #ignoreOffer = false;
  #isSettingRemoteAnswerPending = false;
  #pendingCandidates: IceCandidate[] = [];
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #recoveryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    host: ReactiveControllerHost,
    callbacks: PeerCallbacks,
    timings: PeerTimings = DEFAULT_PEER_TIMINGS,
  ) {
    this.#host = host;
    this.#callbacks = callbacks;
    this.#timings = timings;
    host.addController(this);
  }

  hostDisconnected(): void {
    this.close();
  }

  /** The connection, for diagnostics and tests; `null` outside a call. */
  get connection(): RTCPeerConnection | null {
    return this.#pc;
  }

  /** Starts a fresh connection for a new call (closing any previous one). */
  open(configuration: RTCConfiguration, polite: boolean): void {
    this.close();
    const pc = new RTCPeerConnection(configuration);
    this.#pc = pc;
    this.#polite = polite;
    // Handlers check `pc === this.#pc` so events of a closed call are ignored.
    pc.addEventListener("negotiationneeded", () => void this.#offer(pc));
    pc.addEventListener("icecandidate", ({ candidate }) => {
      // A null candidate (end of gathering) is not sent: MDN's client would
      // throw on `new RTCIceCandidate(null)`.
      if (pc === this.#pc && candidate) {
        this.#callbacks.signal({ type: "new-ice-candidate", candidate: candidate.toJSON() });
      }
    });
    pc.addEventListener("track", ({ track, streams }) => {
      if (pc !== this.#pc) return;
      this.remoteStream ??= streams[0] ?? new MediaStream();
      if (!this.remoteStream.getTracks().includes(track)) this.remoteStream.addTrack(track);
      this.#host.requestUpdate();
    });
    pc.addEventListener("connectionstatechange", () => {
      if (pc === this.#pc) this.#connectionChanged(pc);
    });
    this.#callbacks.onOpen?.(pc);
  }

  /** Closes the connection; the remote stream goes away with it. */
  close(): void {
    this.#clearTimers();
    const pc = this.#pc;
    this.#pc = null;
    this.remoteStream = null;
    this.#pendingCandidates = [];
    this.#makingOffer = false;
    this.#ignoreOffer = false;
    this.#isSettingRemoteAnswerPending = false;
    pc?.close();
    this.#host.requestUpdate();
  }

  /** Sends our tracks; the resulting `negotiationneeded` makes the (re)offer. */
  addStream(stream: MediaStream): void {
    if (this.#pc) this.#callbacks.beforeTracks?.(this.#pc);
    for (const track of stream.getTracks()) this.#pc?.addTrack(track, stream);
  }

  /** Swaps the track sent for its kind without renegotiation (device switch). */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    const sender = this.#pc?.getSenders().find((s) => s.track?.kind === track.kind);
    await sender?.replaceTrack(track);
  }

  /**
   * A description from the peer, handled by the perfect-negotiation rules.
   * Answers offers right away. Resolves `false` if the offer was ignored
   * (we are impolite and our own offer won the collision).
   */
  async receiveDescription(description: SessionDescription): Promise<boolean> {
    const pc = this.#pc;
    if (!pc) return false;
    const readyForOffer = !this.#makingOffer &&
      (pc.signalingState === "stable" || this.#isSettingRemoteAnswerPending);
    const offerCollision = description.type === "offer" && !readyForOffer;
    this.#ignoreOffer = !this.#polite && offerCollision;
    if (this.#ignoreOffer) return false;
    this.#isSettingRemoteAnswerPending = description.type === "answer";
    try {
      // Implicit rollback: a polite side in have-local-offer rolls back here.
      await pc.setRemoteDescription(description);
    } finally {
      // A connection replaced meanwhile must not reset the new one's flags.
      if (pc === this.#pc) this.#isSettingRemoteAnswerPending = false;
    }
    if (pc !== this.#pc) return false;
    await this.#flushCandidates(pc);
    if (description.type === "offer") await this.answer();
    return true;
  }

  /**
   * Callee side of a new call: applies the offer the user was asked about.
   * Idempotent, so a second `accept()` after a failed getUserMedia works.
   */
  async applyRemoteOffer(offer: SessionDescription): Promise<void> {
    const pc = this.#pc;
    if (!pc || pc.remoteDescription) return;
    await pc.setRemoteDescription(offer);
    if (pc === this.#pc) await this.#flushCandidates(pc);
  }

  /** Answers the applied remote offer (argument-less setLocalDescription). */
  async answer(): Promise<void> {
    const pc = this.#pc;
    if (!pc || pc.signalingState !== "have-remote-offer") return;
    await pc.setLocalDescription();
    if (pc === this.#pc && pc.localDescription) {
      this.#callbacks.signal({ type: "video-answer", sdp: pc.localDescription.toJSON() });
    }
  }

  /** A trickled candidate from the peer; queued until a remote description exists. */
  async addCandidate(candidate: IceCandidate | null): Promise<void> {
    const pc = this.#pc;
    if (!pc || !candidate) return;
    // These belong to the offer we ignored in a collision.
    if (this.#ignoreOffer) return;
    if (!pc.remoteDescription) {
      this.#pendingCandidates.push(candidate);
      return;
    }
    await this.#addCandidate(pc, candidate);
  }

  async #addCandidate(pc: RTCPeerConnection, candidate: IceCandidate): Promise<void> {
    try {
      await pc.addIceCandidate(candidate);
    } catch {
      // Candidates of a rolled-back offer fail with "unknown ufrag"; a single
      // bad candidate is never fatal (ICE uses the others, and a dead path
      // surfaces as connectionState "failed").
    }
  }

  async #flushCandidates(pc: RTCPeerConnection): Promise<void> {
    const pending = this.#pendingCandidates;
    this.#pendingCandidates = [];
    for (const candidate of pending) await this.#addCandidate(pc, candidate);
  }

  async #offer(pc: RTCPeerConnection): Promise<void> {
    if (pc !== this.#pc) return;
    try {
      this.#makingOffer = true;
      await pc.setLocalDescription();
      const description = pc.localDescription;
      if (pc !== this.#pc || !description) return;
      // If a remote offer slipped in first, the argument-less call made an answer.
      this.#callbacks.signal({
        type: description.type === "answer" ? "video-answer" : "video-offer",
        sdp: description.toJSON(),
      });
    } catch (error) {
      if (pc === this.#pc) this.#callbacks.onError("problemOffer", error);
    } finally {
      if (pc === this.#pc) this.#makingOffer = false;
    }
  }

  #connectionChanged(pc: RTCPeerConnection): void {
    switch (pc.connectionState) {
      case "connected":
        this.#clearTimers();
        this.#callbacks.onMediaPath("connected");
        break;
      case "disconnected":
        // Often transient (a Wi-Fi hiccup); ICE may recover on its own.
        this.#callbacks.onMediaPath("interrupted");
        this.#graceTimer ??= setTimeout(() => {
          this.#graceTimer = undefined;
          if (pc === this.#pc && pc.connectionState !== "connected") pc.restartIce();
        }, this.#timings.disconnectedGrace);
        this.#armRecovery(pc);
        break;
      case "failed":
        this.#callbacks.onMediaPath("interrupted");
        pc.restartIce();
        this.#armRecovery(pc);
        break;
      case "new":
      case "connecting":
      case "closed":
        break;
    }
  }

  #armRecovery(pc: RTCPeerConnection): void {
    this.#recoveryTimer ??= setTimeout(() => {
      this.#recoveryTimer = undefined;
      if (pc === this.#pc && pc.connectionState !== "connected") {
        this.#callbacks.onMediaPath("failed");
      }
    }, this.#timings.recoveryTimeout);
  }

  #clearTimers(): void {
    clearTimeout(this.#graceTimer);
    clearTimeout(this.#recoveryTimer);
    this.#graceTimer = undefined;
    this.#recoveryTimer = undefined;
  }
}
