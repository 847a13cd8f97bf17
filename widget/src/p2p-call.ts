import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit";
import { CallState, type EndReason, isInCall } from "./call-state.ts";
import { type AcceptOptions, CallController } from "./controllers/call-controller.ts";
import { ClockController } from "./controllers/clock-controller.ts";
import { type DeviceKind, MediaController } from "./controllers/media-controller.ts";
import { PeerController } from "./controllers/peer-controller.ts";
import { SignalingController } from "./controllers/signaling-controller.ts";
import {
  P2pErrorEvent,
  type P2pErrorKind,
  P2pSignalingChangeEvent,
  P2pUserListEvent,
  type SignalingStatus,
} from "./events.ts";
import { styles } from "./p2p-call.styles.ts";
import { describeCall, formatDuration } from "./status-text.ts";
import { resolveSignalingUrl } from "./signaling-url.ts";

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
  toAttribute(value: RTCIceServer[] | null | undefined): string | null {
    return value ? JSON.stringify(value) : null;
  },
};

const DEFAULT_RING_TIMEOUT = 30_000;

/**
 * A drop-in 1:1 video call. Put it on a page, point it at a signaling service
 * (or serve it from one), and the people in the same room can call each
 * other: media flows peer to peer, the service only relays the handshake.
 *
 * ```html
 * <p2p-call signaling="wss://example.org/ws" name="alice" room="lobby"></p2p-call>
 * ```
 *
 * @summary 1:1 WebRTC video call with user list, incoming-call prompt and device pickers.
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
 *
 * @fires {P2pStateChangeEvent} p2p-state-change - The call state changed.
 * @fires {P2pIncomingCallEvent} p2p-incoming-call - Someone calls; `accept()` or `decline()`.
 * @fires {P2pUserListEvent} p2p-user-list - The room's members changed.
 * @fires {P2pCallEndedEvent} p2p-call-ended - A call ended, with reason, side and duration.
 * @fires {P2pErrorEvent} p2p-error - Something failed; `kind` is media, signaling, peer or protocol.
 * @fires {P2pSignalingChangeEvent} p2p-signaling-change - The signaling connection status changed.
 */
export class P2pCall extends LitElement {
  static override styles = styles;

  static override properties = {
    signaling: { type: String },
    iceServers: { attribute: "ice-servers", converter: iceServersConverter },
    iceTransportPolicy: { type: String, attribute: "ice-transport-policy" },
    name: { type: String },
    room: { type: String },
    autoAnswer: { type: Boolean, attribute: "auto-answer" },
    ringTimeout: { type: Number, attribute: "ring-timeout" },
    muted: { type: Boolean, reflect: true },
    cameraOff: { type: Boolean, attribute: "camera-off", reflect: true },
  };

  // ---- controllers -------------------------------------------------------------

  readonly #media = new MediaController(this);
  readonly #peer: PeerController = new PeerController(this, {
    signal: (message) => this.#call.signal(message),
    onMediaPath: (status) => this.#call.onMediaPath(status),
    onError: (message, cause) => this.#call.onPeerError(message, cause),
  });
  readonly #signaling: SignalingController = new SignalingController(this, {
    onRelay: (message) => this.#call.onRelay(message),
    onUsers: () => this.dispatchEvent(new P2pUserListEvent(this.users)),
    onServiceError: (error) => this.#call.onServiceError(error),
    onProtocolError: (problem) =>
      this.#reportError("protocol", `The call service sent an unusable message: ${problem}.`),
    onStatus: (status) => this.dispatchEvent(new P2pSignalingChangeEvent(status)),
  });
  readonly #call: CallController = new CallController(this, {
    signaling: this.#signaling,
    media: this.#media,
    peer: this.#peer,
  }, {
    ownName: () => this.#signaling.registeredName,
    rtcConfiguration: () => this.#rtcConfiguration(),
    ringTimeout: () =>
      Number.isFinite(this.ringTimeout) && this.ringTimeout > 0
        ? this.ringTimeout
        : DEFAULT_RING_TIMEOUT,
    autoAnswer: () => this.autoAnswer,
    dispatch: (event) => this.dispatchEvent(event),
  });
  readonly #clock = new ClockController(this);

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
  }

  // ---- read-only state -------------------------------------------------------------

  /** The call state (also the `state` attribute). */
  get state(): CallState {
    return this.#call.state;
  }

  /** The other members of the room (own name excluded), as the service last listed them. */
  get users(): readonly string[] {
    const own = this.#signaling.registeredName;
    return this.#signaling.users.filter((user) => user !== own);
  }

  /** The other side of the current or last call. */
  get peer(): string | null {
    return this.#call.peerName;
  }

  /** Why the last call ended, once it did. */
  get endReason(): EndReason | null {
    return this.#call.endReason;
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
    return this.#media.stream;
  }

  /** The other side's media. */
  get remoteStream(): MediaStream | null {
    return this.#peer.remoteStream;
  }

  /** The current call's RTCPeerConnection, for diagnostics (e.g. getStats()). */
  get peerConnection(): RTCPeerConnection | null {
    return this.#peer.connection;
  }

  // ---- lifecycle ----------------------------------------------------------------------

  override disconnectedCallback(): void {
    // Hang up while the socket is still open (controllers release it next),
    // so the peer does not wait for ICE to time out.
    this.#call.leave();
    super.disconnectedCallback();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("signaling") || changed.has("name") || changed.has("room")) {
      this.#signaling.configure({
        url: resolveSignalingUrl(this.signaling, location.href),
        name: this.name.trim() || null,
        room: this.room.trim() || null,
      });
    }
    if (changed.has("muted")) this.#media.setMuted(this.muted);
    if (changed.has("cameraOff")) this.#media.setCameraOff(this.cameraOff);
    if (changed.has("iceServers") && this.iceServers === null) {
      this.#reportError("peer", "The ice-servers attribute is not a JSON array; it is ignored.");
    }
    this.#clock.run(
      this.state === CallState.Connected || this.state === CallState.Reconnecting,
    );
  }

  protected override updated(): void {
    if (this.getAttribute("state") !== this.state) this.setAttribute("state", this.state);
  }

  // ---- private ---------------------------------------------------------------------------

  #rtcConfiguration(): RTCConfiguration {
    return {
      iceServers: this.iceServers ?? this.#signaling.serviceIceServers ?? [],
      iceTransportPolicy: this.iceTransportPolicy === "relay" ? "relay" : "all",
    };
  }

  readonly #onNameSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem("name");
    const value = input instanceof HTMLInputElement ? input.value.trim() : "";
    if (value) this.name = value;
  };

  readonly #onDevicePicked = (kind: DeviceKind) => (event: Event): void => {
    void this.#call.switchDevice(kind, (event.target as HTMLSelectElement).value);
  };

  /**
   * Runs a UI action. Expected failures are shown by the call itself; what
   * rejects here (e.g. calling while the service is unreachable) becomes a
   * `p2p-error` instead of an unhandled rejection.
   */
  #run(action: () => Promise<void>): void {
    action().catch((error: unknown) => {
      this.#reportError("signaling", error instanceof Error ? error.message : String(error), error);
    });
  }

  #reportError(kind: P2pErrorKind, message: string, cause?: unknown): void {
    const event = new P2pErrorEvent(kind, message, cause);
    this.dispatchEvent(event);
  }

  // ---- public API ----------------------------------------------------------------------------

  /**
   * Calls `name` (a member of the room). Resolves once the offer is on its
   * way; follow `p2p-state-change` for the outcome. Rejects with an
   * InvalidStateError if not registered yet, already in a call, or `name` is
   * our own. Media failures do not reject: the state becomes `failed` and a
   * `p2p-error` (kind `media`) explains.
   */
  call(name: string): Promise<void> {
    return this.#call.call(name);
  }

  /**
   * Accepts the ringing call. `{ video: false }` answers without camera
   * (microphone only, or receive-only if that fails too); `{ video: false,
   * audio: false }` answers receive-only. If the camera cannot be opened
   * the call keeps ringing and `p2p-error` explains, so the user can still
   * answer without camera or decline.
   */
  accept(options: AcceptOptions = {}): Promise<void> {
    return this.#call.accept(options);
  }

  /** Declines the ringing call (the caller sees "declined"). No-op otherwise. */
  decline(): void {
    this.#call.decline();
  }

  /** Ends the current call (or declines a ringing one). No-op outside a call. */
  hangUp(): void {
    this.#call.hangUp();
  }

  // ---- render --------------------------------------------------------------------------------

  protected override render(): TemplateResult {
    const local = this.#media.stream;
    const remote = this.#peer.remoteStream;
    const registered = this.#signaling.registeredName;
    const connectedAt = this.#call.connectedAt;
    return html`
      <div part="base" class="base">
        <div part="header" class="header">
          <slot name="header"><span class="title">Video call</span></slot>
          <span class="identity">
            ${registered ? html`<span>You: <strong>${registered}</strong></span>` : nothing}
            <span
              part="connection"
              class="dot"
              data-status=${this.#signaling.status}
              role="img"
              aria-label="Call service: ${this.#signaling.status}"
              title="Call service: ${this.#signaling.status}"
            ></span>
          </span>
        </div>
        ${this.name.trim() ? nothing : this.#renderNameForm()}
        <div part="stage" class="stage">
          <video
            part="remote-video"
            class="remote"
            aria-label=${this.peer ? `Video from ${this.peer}` : "Remote video"}
            autoplay
            playsinline
            .srcObject=${remote}
            ?hidden=${!remote}
          ></video>
          ${remote ? nothing : html`<div class="placeholder">${this.#placeholderText()}</div>`}
          <video
            part="local-video"
            class="local"
            aria-label="Your camera preview"
            autoplay
            playsinline
            muted
            .muted=${true}
            .srcObject=${local}
            ?hidden=${!local || local.getVideoTracks().length === 0}
          ></video>
        </div>
        <div class="status-bar">
          <p part="status" class="status" role="status" aria-live="polite">
            ${describeCall({
              state: this.state,
              peer: this.peer,
              direction: this.#call.direction,
              endReason: this.#call.endReason,
              endedBy: this.#call.endedBy,
              endedFrom: this.#call.endedFrom,
              signaling: this.#signaling.status,
              name: registered,
            })}
          </p>
          ${connectedAt !== null && isInCall(this.state)
            ? html`
              <span part="timer" class="timer" role="timer" aria-label="Call duration"
              >${formatDuration(Date.now() - connectedAt)}</span>
            `
            : nothing}
        </div>
        ${this.#call.problem
          ? html`<p part="error" class="error" role="alert">${this.#call.problem}</p>`
          : nothing}
        ${this.#renderActions()}
        ${this.#renderDevicePickers()}
        ${this.#renderUserList()}
      </div>
    `;
  }

  #placeholderText(): string {
    switch (this.state) {
      case CallState.Calling:
      case CallState.Ringing:
      case CallState.Connecting:
      case CallState.Reconnecting:
      case CallState.Connected:
        return this.peer ?? "";
      case CallState.Idle:
      case CallState.Ended:
      case CallState.Failed:
        return "No call";
    }
  }

  #renderNameForm(): TemplateResult {
    return html`
      <form part="name-form" class="name-form" @submit=${this.#onNameSubmit}>
        <label>Your name
          <input part="name-input" name="name" autocomplete="nickname" required maxlength="64">
        </label>
        <button part="join-button" class="primary" type="submit">Join</button>
      </form>
    `;
  }

  /** The controls that fit the state: the incoming prompt, the call controls, or none. */
  #renderActions(): TemplateResult {
    switch (this.state) {
      case CallState.Ringing:
        return html`
          <div part="incoming" class="incoming" role="group" aria-label="Incoming call">
            <p class="incoming-text">Incoming call from ${this.peer}</p>
            <button part="accept-button" class="accept" @click=${() =>
              this.#run(() => this.accept())}>
              Accept
            </button>
            <button
              part="accept-audio-button"
              @click=${() => this.#run(() => this.accept({ video: false }))}
            >Answer without camera</button>
            <button part="decline-button" class="danger" @click=${() => this.decline()}>
              Decline
            </button>
            <slot name="actions"></slot>
          </div>
        `;
      case CallState.Calling:
      case CallState.Connecting:
      case CallState.Connected:
      case CallState.Reconnecting:
        return html`
          <div part="controls" class="toolbar" role="group" aria-label="Call controls">
            <button
              part="mute-button"
              aria-pressed=${this.muted ? "true" : "false"}
              ?disabled=${!this.#media.stream?.getAudioTracks().length}
              @click=${() => (this.muted = !this.muted)}
            >Mute</button>
            <button
              part="camera-button"
              aria-pressed=${this.cameraOff ? "true" : "false"}
              ?disabled=${!this.#media.stream?.getVideoTracks().length}
              @click=${() => (this.cameraOff = !this.cameraOff)}
            >Camera off</button>
            <button part="hangup-button" class="danger" @click=${() => this.hangUp()}>
              Hang up
            </button>
            <slot name="actions"></slot>
          </div>
        `;
      case CallState.Idle:
      case CallState.Ended:
      case CallState.Failed:
        return html`<div class="toolbar"><slot name="actions"></slot></div>`;
    }
  }

  #renderDevicePickers(): TemplateResult | typeof nothing {
    if (!this.#media.stream) return nothing;
    const picker = (kind: DeviceKind, label: string, part: string) => {
      const devices = this.#media.devices.filter((device) => device.kind === kind);
      if (devices.length === 0) return nothing;
      const selected = this.#media.selectedDevice(kind);
      return html`
        <label>${label}
          <select part="device-picker ${part}" @change=${this.#onDevicePicked(kind)}>
            ${devices.map((device, index) =>
              html`<option value=${device.deviceId} ?selected=${device.deviceId === selected}>
                ${device.label || `${label} ${index + 1}`}
              </option>`
            )}
          </select>
        </label>
      `;
    };
    return html`
      <div class="pickers">
        ${picker("videoinput", "Camera", "camera-picker")}
        ${picker("audioinput", "Microphone", "microphone-picker")}
      </div>
    `;
  }

  #renderUserList(): TemplateResult | typeof nothing {
    // During a call the list would only offer disabled buttons: keep it compact.
    if (!this.#signaling.registeredName || isInCall(this.state)) return nothing;
    const users = this.users;
    return html`
      <div class="users" role="region" aria-labelledby="users-heading">
        <p id="users-heading" class="users-heading">In this room</p>
        ${users.length === 0
          ? html`<p class="empty"><slot name="empty-list">No one else is here yet.</slot></p>`
          : html`<ul part="user-list" class="user-list">
            ${
            users.map((user) =>
              html`
                <li part="user" class="user">
                  <span class="user-name">${user}</span>
                  <button
                    part="call-button"
                    class="primary"
                    aria-label="Call ${user}"
                    @click=${() => this.#run(() => this.call(user))}
                  >Call</button>
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
