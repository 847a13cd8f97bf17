import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit";
import { CallState, type EndReason, isInCall } from "../api/call-state.ts";
import type { AcceptOptions } from "../call/call-controller.ts";
import { SignalingController } from "./signaling-controller.ts";
import { DiagnosticsLog } from "./diagnostics-log.ts";
import type { PrecheckOptions, PrecheckResult } from "../precheck/precheck-controller.ts";
import type { Engine, EngineMessage, EnginePort, EngineSnapshot } from "./engine.ts";
import { LazyModule } from "./lazy.ts";
import { describeLobby, formatLabel, type P2pCallLabels, Words } from "./words.ts";
import type { QualitySample } from "../in-call/quality-stats.ts";
import {
  P2pErrorEvent,
  P2pSignalingChangeEvent,
  P2pUserListEvent,
  type SignalingStatus,
} from "../api/events.ts";
import { styles } from "./styles.ts";
import { resolveSignalingUrl } from "./signaling-url.ts";
import { hasWebRTC } from "./webrtc-support.ts";

/** How long a call may ring, in milliseconds, unless `ring-timeout` says otherwise. */
export const DEFAULT_RING_TIMEOUT = 30_000;

/** Parses the `ice-servers` attribute; `null` marks invalid JSON (reported, then ignored). */
const iceServersConverter = {
  fromAttribute(value: string | null): RTCIceServer[] | null | undefined {
    if (value === null || value.trim() === "") return undefined;
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) ? parsed as RTCIceServer[] : null;
    } catch {
      return null;
    }
  },
};

/**
 * A drop-in 1:1 video call. Put it on a page, point it at a signaling service
 * (or serve it from one), and the people in the same room can call each
 * other: media flows peer to peer, the service only relays the handshake.
 *
 * ```html
 * <p2p-call signaling="wss://example.org/ws" name="alice" room="lobby"></p2p-call>
 * ```
 *
 * @summary 1:1 WebRTC video call with user list, incoming-call prompt and device pickers;
 *   in a call: screen share, text chat, call quality, picture-in-picture and fullscreen.
 * @tagname p2p-call
 *
 * @attr {string} signaling - WebSocket URL of the signaling service. Relative and http(s)
 *   URLs are accepted. Default: `/ws` on the page's origin (ws: or wss: to match the page).
 * @attr {string} ice-servers - JSON array of RTCIceServer objects (STUN/TURN). Default: the
 *   servers the service offers in its `id` message, else none.
 * @attr {"all" | "relay"} ice-transport-policy - `relay` allows only TURN paths. Default `all`.
 * @attr {string} name - The name to register in the room. Without it the element asks the
 *   user. The service may make it unique (see `registeredName`).
 * @attr {string} room - The room to join. Default: the service's default room.
 * @attr {boolean} auto-answer - Accept incoming calls without asking.
 * @attr {number} ring-timeout - Milliseconds a call may ring before it ends (default 30000).
 * @attr {boolean} muted - Microphone muted (reflected).
 * @attr {boolean} camera-off - Camera turned off (reflected).
 * @attr {CallState} state - Read-only: the call state, reflected for styling, e.g.
 *   `p2p-call[state="ringing"]`.
 * @attr {string} lang - The language of the built-in labels and status line, from the element
 *   or its nearest ancestor with `lang`: `ko` is Korean, anything else English. Use the
 *   `labels` property for other languages or other words.
 *
 * @slot header - Replaces the title ("Video call") in the header row.
 * @slot empty-list - Shown instead of the user list while no one else is in the room.
 * @slot actions - Extra controls of the host page, shown after the built-in call controls.
 *
 * @csspart base - The wrapper of everything inside.
 * @csspart header - The header row (title, own name, connection dot).
 * @csspart connection - The signaling connection indicator.
 * @csspart name-form - The "Your name" form shown when no `name` is set.
 * @csspart name-input - Its text field.
 * @csspart join-button - Its submit button.
 * @csspart stage - The video area.
 * @csspart remote-video - The other side's video.
 * @csspart local-video - The own camera preview (muted, mirrored).
 * @csspart status - The status line (an aria-live region).
 * @csspart timer - The call duration.
 * @csspart error - A media or connection problem, as a sentence.
 * @csspart incoming - The incoming-call prompt.
 * @csspart accept-button - Accept an incoming call.
 * @csspart accept-audio-button - Answer without camera.
 * @csspart decline-button - Decline an incoming call.
 * @csspart controls - The in-call control row.
 * @csspart mute-button - Toggles the microphone.
 * @csspart camera-button - Toggles the camera.
 * @csspart hangup-button - Ends the call.
 * @csspart device-picker - Both device selects.
 * @csspart camera-picker - The camera select.
 * @csspart microphone-picker - The microphone select.
 * @csspart user-list - The list of people in the room.
 * @csspart user - One person in that list (name and call button).
 * @csspart call-button - The button that calls that person.
 * @csspart share-button - Toggles screen sharing (shown where getDisplayMedia exists).
 * @csspart chat-button - Opens and closes the chat panel; shows the unread count.
 * @csspart chat-unread - The unread count on the chat button.
 * @csspart chat - The chat panel.
 * @csspart chat-log - Its message log (an aria-live log).
 * @csspart chat-form - Its form.
 * @csspart chat-input - Its message field.
 * @csspart chat-send-button - Its Send button.
 * @csspart quality-button - The quality indicator (good / fair / poor); opens the details.
 * @csspart quality-panel - Round trip, bitrates, packet loss, resolution and frame rate.
 * @csspart view-controls - The buttons over the remote video.
 * @csspart pip-button - Picture-in-picture for the remote video (where supported).
 * @csspart fullscreen-button - Fullscreen for the remote video (where supported).
 * @csspart speaker-picker - The speaker select (where the browser has setSinkId).
 * @csspart autoplay-button - "Click to hear the call", shown when the browser refused to play
 *   the call's sound (autoplay policy).
 * @csspart tools - The row with the pre-call check and debug report buttons.
 * @csspart precheck-button - Opens and closes the pre-call check.
 * @csspart precheck - The pre-call check panel.
 * @csspart precheck-video - Its camera preview.
 * @csspart precheck-level - Its microphone level meter.
 * @csspart precheck-verdict - Its verdict sentence.
 * @csspart precheck-again-button - Runs the check again.
 * @csspart precheck-close-button - Closes the check.
 * @csspart debug-button - Shows the debug report and copies it to the clipboard.
 * @csspart debug-panel - The debug report panel.
 * @csspart debug-report - Its read-only text area.
 * @csspart debug-copy-button - Copies the report.
 * @csspart debug-close-button - Closes the report.
 *
 * @cssproperty [--p2p-call-accent=#2563eb] - Accent color (links, focus rings).
 * @cssproperty [--p2p-call-accent-text=#ffffff] - Text on accent backgrounds.
 * @cssproperty [--p2p-call-danger=#c81e1e] - Hang up / decline color.
 * @cssproperty [--p2p-call-success=#15803d] - Accept color and "online" dot.
 * @cssproperty [--p2p-call-background=#ffffff] - Background of the element.
 * @cssproperty [--p2p-call-surface=#f3f4f6] - Background of buttons and the prompt.
 * @cssproperty [--p2p-call-text=#111827] - Text color.
 * @cssproperty [--p2p-call-text-muted=#4b5563] - Secondary text color.
 * @cssproperty [--p2p-call-border-color=#d1d5db] - Border color.
 * @cssproperty [--p2p-call-radius=12px] - Corner radius of the element.
 * @cssproperty [--p2p-call-font=14px/1.4 system-ui, sans-serif] - Font shorthand.
 * @cssproperty [--p2p-call-gap=10px] - Spacing between rows.
 * @cssproperty [--p2p-call-video-background=#0f172a] - Behind the videos.
 * @cssproperty [--p2p-call-max-width=560px] - Maximum width of the element.
 * @cssproperty [--p2p-call-quality-good=var(--p2p-call-success)] - Dot of a good connection.
 * @cssproperty [--p2p-call-quality-fair=#b45309] - Dot of a fair connection.
 * @cssproperty [--p2p-call-quality-poor=var(--p2p-call-danger)] - Dot of a poor connection.
 * @cssproperty [--p2p-call-chat-height=10em] - Height of the chat log before it scrolls.
 *
 * @fires {P2pStateChangeEvent} p2p-state-change - The call state changed.
 * @fires {P2pIncomingCallEvent} p2p-incoming-call - Someone calls; `accept()` or `decline()`.
 * @fires {P2pUserListEvent} p2p-user-list - The room's members changed.
 * @fires {P2pCallEndedEvent} p2p-call-ended - A call ended, with reason, side and duration.
 * @fires {P2pErrorEvent} p2p-error - Something failed; `kind` is media, signaling, peer or protocol,
 *   or `unsupported`: the browser has no WebRTC and cannot call (once, as the element starts).
 * @fires {P2pSignalingChangeEvent} p2p-signaling-change - The signaling connection status changed.
 * @fires {P2pQualityEvent} p2p-quality - Every second of a connected call: `level` (good, fair,
 *   poor) and `sample` (round trip, bitrates, packet loss, resolution, frame rate).
 * @fires {P2pChatMessageEvent} p2p-chat-message - The other side sent a chat message.
 */
export class P2pCall extends LitElement {
  static override styles = styles;

  static override properties = {
    signaling: {},
    iceServers: { attribute: "ice-servers", converter: iceServersConverter },
    iceTransportPolicy: { attribute: "ice-transport-policy" },
    name: {},
    room: {},
    autoAnswer: { type: Boolean, attribute: "auto-answer" },
    ringTimeout: { type: Number, attribute: "ring-timeout" },
    muted: { type: Boolean, reflect: true },
    cameraOff: { type: Boolean, attribute: "camera-off", reflect: true },
    labels: { attribute: false },
  };

  // ---- controllers -------------------------------------------------------------

  readonly #signaling: SignalingController = new SignalingController(this, {
    onRelay: (relay) => this.#deliver({ type: "relay", relay }),
    onUsers: (users) => {
      this.#deliver({ type: "users", users });
      this.dispatchEvent(new P2pUserListEvent(this.users));
    },
    onServiceError: (error) => this.#deliver({ type: "service-error", error }),
    onProtocolError: (problem) => this.#port.reportProtocolError(problem),
    onStatus: (status) => this.dispatchEvent(new P2pSignalingChangeEvent(status)),
    onResumed: (ok) => this.#deliver({ type: "resumed", ok }),
  });
  /** The words, in the language of `lang`; the first render waits for it (see scheduleUpdate). */
  readonly #words = new Words(this, () => this.labels);
  readonly #diagnostics = new DiagnosticsLog(this);
  /** What the engine sees of the element (engine.ts). */
  readonly #port: EnginePort = {
    host: this,
    attributes: this,
    signaling: this.#signaling,
    words: this.#words,
    diagnostics: this.#diagnostics,
    report: (kind, message, cause) =>
      void this.dispatchEvent(new P2pErrorEvent(kind, message, cause)),
    reportProtocolError: (problem) =>
      this.#port.report("protocol", `The call service sent an unusable message: ${problem}.`),
    /**
     * Runs a UI action. Expected failures are shown by the call itself; what
     * rejects here (e.g. calling while the service is unreachable) becomes a
     * `p2p-error` instead of an unhandled rejection.
     */
    run: (action) =>
      void action().catch((error: unknown) => {
        this.#port.report(
          "signaling",
          error instanceof Error ? error.message : String(error),
          error,
        );
      }),
  };
  /**
   * The call engine (call/: media, peer connection, call state, playback,
   * chat, the call controls, the pre-call check and the debug report), a
   * chunk of its own: prefetched after the first render, awaited by the
   * methods that start a call. A reactive controller of this element.
   */
  #engine: Engine | null = null;
  readonly #engineModule = new LazyModule(
    this,
    () => import("../call/call-engine.ts"),
    (module) => {
      const engine = module.createEngine(this.#port);
      this.#engine = engine;
      // What the service sent meanwhile, in order.
      for (const message of this.#pending.splice(0)) engine.receive(message);
    },
  );
  /** Service messages for the engine that arrived before it loaded. */
  readonly #pending: EngineMessage[] = [];
  /** Whether the controllers hold their resources (see #settle). */
  #attached = false;
  #settling = false;

  // ---- properties ----------------------------------------------------------------

  /** WebSocket URL of the signaling service; `null`: `/ws` on the page's origin. */
  declare signaling: string | null;
  /** STUN/TURN servers; `undefined`: the service's, else none. `null`: invalid attribute. */
  declare iceServers: RTCIceServer[] | null | undefined;
  /** `relay` restricts ICE to TURN relays. */
  declare iceTransportPolicy: RTCIceTransportPolicy;
  /** The name to register; empty: the element asks the user. */
  declare name: string;
  /** The room to join; empty: the service's default room. */
  declare room: string;
  /** Accept incoming calls without asking. */
  declare autoAnswer: boolean;
  /** Milliseconds a call may ring (either side) before it ends with reason `timeout`. */
  declare ringTimeout: number;
  /** Microphone muted (the track is disabled; the call continues). */
  declare muted: boolean;
  /** Camera off (the track is disabled, the peer sees black; the call continues). */
  declare cameraOff: boolean;
  /**
   * Replacement words for the controls, merged over the table of the current
   * language (`lang`), e.g. `{ hangUp: "End", chat: "Messages" }`. See
   * `P2pCallLabels` for the keys; `{name}`, `{count}` and `{level}` are filled in.
   */
  declare labels: Partial<P2pCallLabels>;

  constructor() {
    super();
    this.signaling = null;
    this.iceServers = undefined;
    this.iceTransportPolicy = "all";
    this.name = "";
    this.room = "";
    this.autoAnswer = false;
    this.ringTimeout = DEFAULT_RING_TIMEOUT;
    this.muted = false;
    this.cameraOff = false;
    this.labels = {};
  }

  // ---- read-only state -------------------------------------------------------------

  /** The call state (also the `state` attribute). */
  get state(): CallState {
    return this.#now("state", CallState.Idle);
  }

  /** The other members of the room (own name excluded), as the service last listed them. */
  get users(): readonly string[] {
    const own = this.#signaling.registeredName;
    return this.#signaling.users.filter((user) => user !== own);
  }

  /** The other side of the current or last call. */
  get peer(): string | null {
    return this.#now("peer", null);
  }

  /** Why the last call ended, once it did. */
  get endReason(): EndReason | null {
    return this.#now("endReason", null);
  }

  /** The name the service registered, which may differ from `name` if that was taken. */
  get registeredName(): string | null {
    return this.#signaling.registeredName;
  }

  /** The signaling connection; a call in progress continues while it is down. */
  get signalingStatus(): SignalingStatus {
    return this.#signaling.status;
  }

  /** The own camera/microphone stream while a call holds it. */
  get localStream(): MediaStream | null {
    return this.#now("localStream", null);
  }

  /** The other side's media. */
  get remoteStream(): MediaStream | null {
    return this.#now("remoteStream", null);
  }

  /** The current call's RTCPeerConnection, for diagnostics (e.g. getStats()). */
  get peerConnection(): RTCPeerConnection | null {
    return this.#now("peerConnection", null);
  }

  /** The latest call quality measurement (also sent as `p2p-quality`); `null` outside a call. */
  get quality(): QualitySample | null {
    return this.#now("quality", null);
  }

  /** Whether the screen is being sent instead of the camera. */
  get sharingScreen(): boolean {
    return this.#now("sharingScreen", false);
  }

  /** A value of the engine's snapshot; `fallback` until the engine has loaded. */
  #now<K extends keyof EngineSnapshot>(key: K, fallback: EngineSnapshot[K]): EngineSnapshot[K] {
    return this.#engine ? this.#engine.snapshot[key] : fallback;
  }

  // ---- lifecycle ----------------------------------------------------------------------

  override connectedCallback(): void {
    this.#settle();
  }

  override disconnectedCallback(): void {
    this.#settle();
  }

  /**
   * Applies connects and disconnects a microtask late, once the DOM has
   * settled: a move (disconnect + connect in one task) or a framework's
   * double mount keeps the one socket and the call, and an element removed in
   * the task that added it never opens a socket. Leaving hangs up while the
   * socket is still open (controllers release it next), so the peer does not
   * wait for ICE to time out.
   */
  #settle(): void {
    if (this.#settling) return;
    this.#settling = true;
    queueMicrotask(() => {
      this.#settling = false;
      if (this.isConnected === this.#attached) return;
      this.#attached = this.isConnected;
      if (this.#attached) {
        super.connectedCallback();
        return;
      }
      // Before the controllers release the socket, so the peer hears the
      // hang-up instead of waiting for ICE to time out.
      this.#engine?.leave();
      super.disconnectedCallback();
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("signaling") || changed.has("name") || changed.has("room")) {
      this.#signaling.configure({
        url: resolveSignalingUrl(this.signaling, location.href),
        name: this.name.trim() || null,
        room: this.room.trim() || null,
      });
    }
  }

  /** The first render waits for the page's language (a Korean page never shows English first). */
  protected override async scheduleUpdate(): Promise<void> {
    if (!this.hasUpdated) await this.#words.ready;
    super.scheduleUpdate();
  }

  protected override updated(): void {
    if (this.getAttribute("state") !== this.state) this.setAttribute("state", this.state);
  }

  protected override firstUpdated(): void {
    setTimeout(() => this.#prefetchEngine(), 0);
  }

  /**
   * Loads the call engine once the element shows, so a click on Call does not
   * wait for it. If it cannot be loaded (offline, or a deploy replaced the
   * chunks), the page hears of it, and it is tried again when the browser is
   * back online or a call starts.
   */
  #prefetchEngine(): void {
    this.#loadEngine().catch((error: unknown) => {
      this.#engineFailed(error);
      globalThis.addEventListener("online", () => this.#prefetchEngine(), { once: true });
    });
  }

  #engineFailed(error: unknown): void {
    this.#port.report("signaling", "The call could not be loaded.", error);
  }

  /** Loads the call engine (once; a failed import is retried on the next call). */
  #loadEngine(): Promise<Engine> {
    return this.#engineModule.load().then(() => this.#engine!);
  }

  /** Hands a service message to the engine now, or once it has loaded (in arrival order). */
  #deliver(message: EngineMessage): void {
    if (this.#engine) this.#engine.receive(message);
    else {
      this.#pending.push(message);
      void this.#loadEngine().catch((error: unknown) => this.#engineFailed(error));
    }
  }

  // ---- private ---------------------------------------------------------------------------

  readonly #onNameSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem("name");
    const value = input instanceof HTMLInputElement ? input.value.trim() : "";
    if (value) this.name = value;
  };

  // ---- public API ----------------------------------------------------------------------------

  /**
   * Calls `name` (a member of the room). Resolves once the offer is on its
   * way; follow `p2p-state-change` for the outcome. Rejects with an
   * InvalidStateError if not registered yet, already in a call, or `name` is
   * our own; with a NotSupportedError where the browser has no WebRTC. Media
   * failures do not reject: the state becomes `failed` and a `p2p-error`
   * (kind `media`) explains.
   */
  async call(name: string): Promise<void> {
    return (this.#engine ?? await this.#loadEngine()).call(name);
  }

  /**
   * Accepts the ringing call. `{ video: false }` answers without camera
   * (microphone only, or receive-only if that fails too); `{ video: false,
   * audio: false }` answers receive-only. If the camera cannot be opened
   * the call keeps ringing and `p2p-error` explains, so the user can still
   * answer without camera or decline.
   */
  async accept(options: AcceptOptions = {}): Promise<void> {
    return (this.#engine ?? await this.#loadEngine()).accept(options);
  }

  /** Declines the ringing call (the caller sees "declined"). No-op otherwise. */
  decline(): void {
    this.#engine?.decline();
  }

  /** Ends the current call (or declines a ringing one). No-op outside a call. */
  hangUp(): void {
    this.#engine?.hangUp();
  }

  /**
   * Sends the screen (a window or tab, as the user picks) instead of the
   * camera, without renegotiation. Call it from a user gesture (browsers
   * require one for getDisplayMedia). Resolves `false` if there is no camera
   * to replace, the user cancelled, or the call ended meanwhile.
   */
  async shareScreen(): Promise<boolean> {
    return (this.#engine ?? await this.#loadEngine()).shareScreen();
  }

  /** Stops screen sharing and sends the camera again. No-op when not sharing. */
  async stopScreenShare(): Promise<void> {
    await this.#engine?.stopScreenShare();
  }

  /**
   * Sends a chat message to the other side of the call over the data channel.
   * Returns `false` if no chat channel is open (no call yet, or the peer has no chat).
   */
  sendMessage(text: string): boolean {
    return this.#engine?.sendMessage(text) ?? false;
  }

  /** The browser refused to play the call's sound (autoplay policy); `resumePlayback()` fixes it. */
  get playbackBlocked(): boolean {
    return this.#now("playbackBlocked", false);
  }

  /**
   * Plays the call's sound after the browser refused to (`playbackBlocked`).
   * Call it from a user gesture, e.g. a click on the page's own button; the
   * element's "Click to hear the call" button does the same.
   */
  resumePlayback(): Promise<void> {
    return this.#engine?.resumePlayback() ?? Promise.resolve();
  }

  /**
   * Opens the pre-call check (camera preview, microphone level, signaling
   * service and STUN/TURN servers) and resolves with its result once every
   * check has finished. Loads the check's code on first use. Rejects with an
   * InvalidStateError during a call (the call holds the camera).
   */
  async precheck(options: PrecheckOptions = {}): Promise<PrecheckResult> {
    // Without the engine there is no call yet; the engine checks for one.
    return (this.#engine ?? await this.#loadEngine()).precheck(options);
  }

  /** Closes the pre-call check and releases its camera and microphone. No-op if it is closed. */
  closePrecheck(): void {
    this.#engine?.closePrecheck();
  }

  /**
   * A plain-text report for support requests: browser, call and signaling
   * state, the selected ICE candidate pair type, media, recent errors. It
   * holds no SDP, no ICE candidates and no credentials.
   */
  async debugReport(): Promise<string> {
    return (this.#engine ?? await this.#loadEngine()).debugReport();
  }

  // ---- render --------------------------------------------------------------------------------

  protected override render(): TemplateResult {
    const engine = this.#engine;
    const registered = this.#signaling.registeredName;
    const text = this.#words.labels;
    const service = {
      offline: text.serviceOffline,
      connecting: text.serviceConnecting,
      online: text.serviceOnline,
      reconnecting: text.serviceReconnecting,
    }[this.#signaling.status];
    const status = html`<p part="status" class="status" role="status" aria-live="polite">${
      engine?.snapshot.status ?? describeLobby(this.#signaling.status, registered, text)
    }</p>`;
    // Until the engine has loaded, the stage and the tools row keep their place.
    return html`
      <div part="base" class="base">
        <div part="header" class="header">
          <slot name="header"><span class="title">${text.title}</span></slot>
          <span class="identity">
            ${registered ? html`<span>${text.you} <strong>${registered}</strong></span>` : nothing}
            <span
              part="connection"
              class="dot"
              data-status=${this.#signaling.status}
              role="img"
              aria-label=${service}
              title=${service}
            ></span>
          </span>
        </div>
        ${this.name.trim() ? nothing : this.#renderNameForm()}
        ${engine?.renderCall(status) ?? html`
          <div part="stage" class="stage"></div>
          <div class="status-bar">${status}</div>
          <div class="toolbar"><slot name="actions"></slot></div>
        `}
        ${this.#renderUserList()}
        ${engine?.renderTools() ?? html`<div part="tools" class="tools"></div>`}
      </div>
    `;
  }

  #renderNameForm(): TemplateResult {
    const text = this.#words.labels;
    return html`
      <form part="name-form" class="name-form" @submit=${this.#onNameSubmit}>
        <label>${text.nameLabel}
          <input part="name-input" name="name" autocomplete="nickname" required maxlength="64">
        </label>
        <button part="join-button" class="primary" type="submit">${text.join}</button>
      </form>
    `;
  }

  #renderUserList(): TemplateResult | typeof nothing {
    // During a call the list would only offer disabled buttons: keep it compact.
    if (!this.#signaling.registeredName || isInCall(this.state)) return nothing;
    const users = this.users;
    const text = this.#words.labels;
    return html`
      <div class="users" role="region" aria-labelledby="users-heading">
        <p id="users-heading" class="users-heading">${text.roomHeading}</p>
        ${users.length === 0
          ? html`<p class="empty"><slot name="empty-list">${text.emptyRoom}</slot></p>`
          : html`<ul part="user-list" class="user-list">
            ${
            users.map((user) =>
              html`
                <li part="user" class="user">
                  <span class="user-name">${user}</span>
                  ${hasWebRTC
                    ? html`
                      <button
                        part="call-button"
                        class="primary"
                        aria-label=${formatLabel(text.callUser, { name: user })}
                        @click=${() => this.#port.run(() => this.call(user))}
                      >${text.call}</button>
                    `
                    : nothing}
                </li>
              `
            )
          }
          </ul>`}
      </div>
    `;
  }
}

// Guarded so that loading the bundle twice (or importing it outside a
// browser, where index.ts skips this module) does not throw.
if (typeof customElements !== "undefined" && !customElements.get("p2p-call")) {
  customElements.define("p2p-call", P2pCall);
}

declare global {
  interface HTMLElementTagNameMap {
    "p2p-call": P2pCall;
  }
}
