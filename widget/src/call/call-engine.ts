/**
 * The call engine: media, peer connection, call state machine, playback and
 * chat, with what the element shows of them (videos, status sentences,
 * incoming prompt, call controls, device pickers, chat panel) and the tools
 * row (pre-call check, debug report). The element renders its lobby without
 * it, prefetches it after its first render and awaits it before handling a
 * call. It sees the element
 * through the port of element/engine.ts and is one of its reactive controllers.
 */
import { adoptStyles, type CSSResult, html, nothing, type TemplateResult } from "lit";
import { CallState, isInCall } from "../api/call-state.ts";
import { callStyles } from "./styles.ts";
import { CallController, NO_WEBRTC } from "./call-controller.ts";
import { MediaController } from "./media-controller.ts";
import { PeerController } from "./peer-controller.ts";
import { canChooseSpeaker, PlaybackController } from "./playback-controller.ts";
import { ChatController, MAX_CHAT_LENGTH } from "./chat-controller.ts";
import { ClockController } from "./clock-controller.ts";
import type { QualityController } from "../in-call/quality-controller.ts";
import type { ScreenShareController } from "../in-call/screen-share-controller.ts";
import type { PickerKind } from "./device-memory.ts";
import type { AcceptOptions } from "./call-controller.ts";
import type { Engine, EngineMessage, EnginePort, EngineSnapshot } from "../element/engine.ts";
import { P2pChatMessageEvent, P2pQualityEvent } from "../api/events.ts";
import { englishCallLabels } from "./call-labels.ts";
import { type CallRenderLabels, formatLabel } from "../element/words.ts";
import { LazyModule } from "../element/lazy.ts";
import { DEFAULT_RING_TIMEOUT } from "../element/p2p-call.ts";
import type { PrecheckOptions, PrecheckResult } from "../precheck/precheck-controller.ts";
import { checkRelay } from "./relay-messages.ts";
import { describeCall, formatDuration } from "./status-text.ts";
import { SupportTools } from "./tools.ts";
import { renderChatPanel, styles as chatStyles } from "./chat-panel.ts";
import { hasWebRTC } from "../element/webrtc-support.ts";

/**
 * Adds a lazily loaded module's styles to a shadow root. Constructed sheets,
 * as Lit uses for `static styles`, so a page whose CSP forbids inline styles
 * works; where they are missing (Safari < 16.4) Lit's own fallback appends a
 * `<style>`.
 */
function adoptOnce(root: ShadowRoot, styles: CSSResult): void {
  const sheet = styles.styleSheet;
  if (!sheet) adoptStyles(root, [styles]);
  else if (!root.adoptedStyleSheets.includes(sheet)) {
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  }
}

/** The engine for the element's port (the chunk's one export the element uses). */
export function createEngine(port: EnginePort): Engine {
  return new CallEngine(port);
}

/** The call's controllers and controls, added to the element once this chunk has loaded. */
export class CallEngine implements Engine {
  readonly media: MediaController;
  readonly peer: PeerController;
  readonly session: CallController;
  readonly playback: PlaybackController;
  readonly chat: ChatController;
  /** The pre-call check and the debug report. */
  readonly tools: SupportTools;
  quality: QualityController | null = null;
  screen: ScreenShareController | null = null;
  #qualityOpen = false;
  /** Whether a control in the shadow root had focus when the running update began. */
  #hadFocus = false;
  /** Ticks the call timer. */
  readonly #clock: ClockController;
  readonly #port: EnginePort;
  // Lazily loaded features (lazy.ts); a failed import is retried on next use.
  readonly #inCall: LazyModule<typeof import("../in-call/in-call.ts")>;

  constructor(port: EnginePort) {
    this.#port = port;
    const host = port.host;
    const attributes = port.attributes;
    const report = port.report;
    this.media = new MediaController(host, {
      onTrackReplaced: (lost, track) => void this.#replaceSentTrack(lost, track),
      onDeviceLost: (kind, cause) =>
        report(
          "media",
          `The ${kind === "videoinput" ? "camera" : "microphone"} was disconnected and no other ` +
            "could be opened; the call continues without it.",
          cause,
        ),
    });
    this.peer = new PeerController(host, {
      signal: (message) => this.session.signal(message),
      onMediaPath: (status) => this.session.onMediaPath(status),
      onError: (message, cause) => this.session.onPeerError(message, cause),
      onOpen: (pc) => this.chat.attach(pc),
      beforeTracks: (pc) => this.chat.offer(pc),
    });
    this.session = new CallController(host, {
      signaling: port.signaling,
      media: this.media,
      peer: this.peer,
    }, {
      ownName: () => port.signaling.registeredName,
      rtcConfiguration: () => this.rtcConfiguration(),
      ringTimeout: () =>
        Number.isFinite(attributes.ringTimeout) && attributes.ringTimeout > 0
          ? attributes.ringTimeout
          : DEFAULT_RING_TIMEOUT,
      autoAnswer: () => attributes.autoAnswer,
      dispatch: (event) => host.dispatchEvent(event),
      words: () => this.words(),
    });
    this.playback = new PlaybackController(host, {
      onSinkError: (cause) =>
        report("media", "The chosen speaker is not available; using the default.", cause),
    });
    this.chat = new ChatController(host, {
      onMessage: ({ text }) => {
        host.dispatchEvent(new P2pChatMessageEvent(this.session.peerName ?? "", text));
      },
    });
    this.#inCall = new LazyModule(host, () => import("../in-call/in-call.ts"), (module) => {
      module.styles.forEach((styles) => this.addStyles(styles));
      this.quality = new module.QualityController(host, {
        connection: () =>
          this.session.state === CallState.Connected ||
            this.session.state === CallState.Reconnecting
            ? this.peer.connection
            : null,
        onSample: (sample) => host.dispatchEvent(new P2pQualityEvent(sample)),
      });
      this.screen = new module.ScreenShareController(host, {
        connection: () => this.peer.connection,
        cameraTrack: () => this.media.stream?.getVideoTracks()[0] ?? null,
        onError: (message, cause) => report("media", message, cause),
      });
    });
    this.#clock = new ClockController(host);
    this.tools = new SupportTools(port, this);
    this.addStyles(callStyles);
    this.addStyles(chatStyles);
    this.media.setMuted(attributes.muted);
    this.media.setCameraOff(attributes.cameraOff);
    // Once per element, as soon as it knows; its lobby goes on without call buttons.
    if (!hasWebRTC) report("unsupported", NO_WEBRTC);
    port.host.addController(this);
  }

  get snapshot(): EngineSnapshot {
    const session = this.session;
    const state = session.state;
    return {
      state,
      peer: session.peerName,
      endReason: session.endReason,
      status: this.#describeCall(),
      localStream: this.media.stream,
      remoteStream: this.peer.remoteStream,
      peerConnection: this.peer.connection,
      quality: this.quality?.sample ?? null,
      sharingScreen: this.screen?.sharing ?? false,
      playbackBlocked: this.playback.blocked,
    };
  }

  // ---- commands (see the element's methods of the same names) ------------------------

  call(name: string): Promise<void> {
    return this.session.call(name);
  }

  accept(options: AcceptOptions): Promise<void> {
    return this.session.accept(options);
  }

  decline(): void {
    this.session.decline();
  }

  hangUp(): void {
    this.session.hangUp();
  }

  async stopScreenShare(): Promise<void> {
    await this.screen?.stop();
  }

  sendMessage(text: string): boolean {
    return this.chat.send(text);
  }

  resumePlayback(): Promise<void> {
    return this.playback.unblock();
  }

  precheck(options: PrecheckOptions): Promise<PrecheckResult> {
    return this.tools.precheck(options);
  }

  closePrecheck(): void {
    this.tools.closePrecheck();
  }

  debugReport(): Promise<string> {
    return this.tools.debugReport();
  }

  /** A message from the service: call messages are checked here, then handed to the call. */
  receive(message: EngineMessage): void {
    switch (message.type) {
      case "relay": {
        const checked = checkRelay(message.relay);
        if (checked.ok) this.session.onRelay(checked.message);
        else this.#port.reportProtocolError(checked.problem);
        break;
      }
      case "users":
        this.session.onUsers(message.users);
        break;
      case "service-error":
        this.session.onServiceError(message.error);
        break;
      case "resumed":
        this.session.onResumed(message.ok);
        break;
      default:
        message satisfies never;
    }
  }

  /** ICE servers (the element's, else the service's) and transport policy for a new connection. */
  rtcConfiguration(): RTCConfiguration {
    const attributes = this.#port.attributes;
    return {
      iceServers: attributes.iceServers ?? this.#port.signaling.serviceIceServers ?? [],
      iceTransportPolicy: attributes.iceTransportPolicy === "relay" ? "relay" : "all",
    };
  }

  /**
   * Adds a lazily loaded module's styles to the element (adoptOnce), once its
   * shadow root exists: the engine may load before the element's first render.
   */
  addStyles(styles: CSSResult): void {
    const host = this.#port.host;
    const adopt = () => host.renderRoot instanceof ShadowRoot && adoptOnce(host.renderRoot, styles);
    if (!adopt()) void host.updateComplete.then(adopt);
  }

  /**
   * What the status line says of the current or last call, in the element's
   * language; `null`: no call yet (idle), the element's lobby line applies.
   * Without WebRTC there is none to be had: instead of the lobby's "Ready.
   * Choose someone to call.", that the browser cannot call.
   */
  #describeCall(): string | null {
    const call = this.session;
    const state = call.state;
    if (state === CallState.Idle) {
      const signaling = this.#port.signaling;
      return hasWebRTC || !signaling.registeredName || signaling.status !== "online"
        ? null
        : this.words().noWebRTC;
    }
    return describeCall({
      state,
      peer: call.peerName,
      direction: call.direction,
      endReason: call.endReason,
      endedBy: call.endedBy,
      endedFrom: call.endedFrom,
    }, this.words());
  }

  /** The element leaves the page: hang up while the socket is still open, close the panels. */
  leave(): void {
    this.session.hangUp();
    this.tools.close();
  }

  /** Before each update of the element. */
  hostUpdate(): void {
    const { muted, cameraOff } = this.#port.attributes;
    if (muted !== this.media.muted) this.media.setMuted(muted);
    if (cameraOff !== this.media.cameraOff) this.media.setCameraOff(cameraOff);
    this.#reportInvalidIceServers();
    this.#hadFocus = this.#activeElement() != null;
    const state = this.session.state;
    this.#clock.run(state === CallState.Connected || state === CallState.Reconnecting);
    // A call needs the camera the check is previewing.
    if (isInCall(state)) this.tools.closePrecheck();
    // Quality, screen share and the video buttons (in-call/). Not
    // essential: a failed import leaves them out, a later update retries.
    if (state === CallState.Connected) void this.#inCall.load().catch(() => {});
  }

  #activeElement(): Element | null {
    const root = this.#port.host.renderRoot;
    return root instanceof ShadowRoot ? root.activeElement : null;
  }

  #reportedIceServers: RTCIceServer[] | null | undefined;

  /**
   * Once per bad value of the `ice-servers` attribute (parsed to `null`),
   * including one set before this engine loaded.
   */
  #reportInvalidIceServers(): void {
    const value = this.#port.attributes.iceServers;
    if (value === this.#reportedIceServers) return;
    this.#reportedIceServers = value;
    if (value === null) {
      this.#port.report("peer", "The ice-servers attribute is not a JSON array; it is ignored.");
    }
  }

  /** Sends the screen instead of the camera (see `P2pCall.shareScreen`). */
  async shareScreen(): Promise<boolean> {
    await this.#inCall.load();
    return this.screen?.start() ?? false;
  }

  /** A stand-in for a lost device's track: sent by whichever sender carried the lost one. */
  async #replaceSentTrack(lost: MediaStreamTrack, track: MediaStreamTrack): Promise<void> {
    const sender = this.peer.connection?.getSenders().find((s) => s.track === lost);
    this.#port.diagnostics.add("media", `${track.kind} device lost; now using "${track.label}"`);
    try {
      await sender?.replaceTrack(track);
    } catch (error) {
      this.#port.report("media", "The replacement device could not be sent.", error);
    }
  }

  readonly #onDevicePicked = (kind: PickerKind) => (event: Event): void => {
    const deviceId = (event.target as HTMLSelectElement).value;
    if (kind === "audiooutput") {
      this.media.chooseSpeaker(deviceId);
      return;
    }
    void this.session.switchDevice(kind, deviceId);
    // The check previews what the next call will use (the choice is stored synchronously).
    this.tools.restartPrecheck();
  };

  readonly #onShareClick = (): void => {
    const screen = this.screen;
    if (screen?.sharing) void screen.stop();
    else if (screen) void screen.start();
    else void this.#inCall.load().then(() => this.screen?.start(), () => {});
  };

  readonly #onChatClick = async (): Promise<void> => {
    this.chat.toggle();
    if (!this.chat.open) return;
    // Opening the chat is asking to write: the field gets the focus.
    await this.#port.host.updateComplete;
    this.#port.host.renderRoot.querySelector<HTMLInputElement>("#chat-input")?.focus();
  };

  /** After each update of the element: focus, and the videos show the current streams. */
  hostUpdated(): void {
    // The focused control went away with its state (Call once calling, Accept
    // once answered, Hang up once ended): a keyboard user goes on from the
    // control that matters now, not from the top of the page.
    if (this.#hadFocus && !this.#activeElement()) this.#focusMainControl();
    const remote = this.#video("remote");
    this.#setSource(remote, this.peer.remoteStream);
    this.#setSource(this.#video("local"), this.media.stream);
    this.playback.sync(remote, this.peer.remoteStream, this.media.selectedDevice("audiooutput"));
  }

  /** Hang up during a call, Accept while ringing, else the first call button or the name field. */
  #focusMainControl(): void {
    const state = this.session.state;
    const main = state === CallState.Ringing
      ? "accept-button"
      : isInCall(state)
      ? "hangup-button"
      : "call-button";
    this.#port.host.renderRoot.querySelector<HTMLElement>(`[part~="${main}"], [part~="name-input"]`)
      ?.focus();
  }

  #video(name: "remote" | "local"): HTMLVideoElement | null {
    return this.#port.host.renderRoot.querySelector<HTMLVideoElement>(`.${name}`);
  }

  /**
   * Shows `stream` in a video. Re-setting srcObject, even to the same stream,
   * reloads the media element (HTML spec; Chromium aborts a pending play()
   * and restarts): compare first, as Lit's `live` directive would.
   */
  #setSource(video: HTMLVideoElement | null, stream: MediaStream | null): void {
    if (video && video.srcObject !== stream) video.srcObject = stream;
  }

  // ---- render --------------------------------------------------------------------------------

  /** The element's words with the call's English filled in (element/words.ts). */
  words(): CallRenderLabels {
    return this.#port.words.of(englishCallLabels);
  }

  /** The stage, the status bar around the element's status line, and the call's controls. */
  renderCall(status: TemplateResult): TemplateResult {
    const text = this.words();
    return html`
      <div part="stage" class="stage">${this.#renderStage(text)}</div>
      <div class="status-bar">${status}${this.#renderStatusExtras(text)}</div>
      ${this.#renderProblem()}
      ${this.#renderActions(text)}
      ${this.#renderPanels(text)}
      ${this.#renderDevicePickers(text)}
    `;
  }

  /** The tools row (no pre-call check during a call: it holds the camera) and the open panels. */
  renderTools(): TemplateResult {
    return html`
      <div part="tools" class="tools">${this.tools.renderButtons(this.words())}</div>
      ${this.tools.render()}
    `;
  }

  /** Inside the stage: the two videos, what shows while there is no remote video, their buttons. */
  #renderStage(text: CallRenderLabels): TemplateResult {
    const port = this.#port;
    const local = this.media.stream;
    const remote = this.peer.remoteStream;
    const peer = this.session.peerName;
    return html`
      <video
        part="remote-video"
        class="remote"
        aria-label=${peer ? formatLabel(text.videoFrom, { name: peer }) : text.remoteVideo}
        autoplay
        playsinline
        ?hidden=${!remote}
        @enterpictureinpicture=${() => port.host.requestUpdate()}
        @leavepictureinpicture=${() => port.host.requestUpdate()}
      ></video>
      ${remote
        ? nothing
        : html`<div class="placeholder">${isInCall(this.session.state) ? peer : text.noCall}</div>`}
      <video
        part="local-video"
        class="local"
        aria-label=${text.localVideo}
        autoplay
        playsinline
        muted
        .muted=${true}
        ?hidden=${!local || local.getVideoTracks().length === 0}
      ></video>
      ${remote ? this.#renderViewControls(this.#video("remote")) : nothing}
      ${this.playback.blocked
        ? html`
          <button part="autoplay-button" class="autoplay primary"
            @click=${() => void this.resumePlayback()}>${text.hearCall}</button>
        `
        : nothing}
    `;
  }

  /** The buttons over the remote video, once their chunk has loaded. */
  #renderViewControls(video: HTMLVideoElement | null): TemplateResult | typeof nothing {
    return this.#inCall.module?.renderViewControls({
      video,
      labels: this.#port.words,
      onError: (message, cause) => this.#port.report("media", message, cause),
    }) ?? nothing;
  }

  /** Beside the status line: the call timer, and the quality indicator once its chunk has loaded. */
  #renderStatusExtras(text: CallRenderLabels): TemplateResult | typeof nothing {
    const connectedAt = this.session.connectedAt;
    if (!isInCall(this.session.state)) return nothing;
    return html`
      ${connectedAt === null ? nothing : html`
        <span part="timer" class="timer" role="timer" aria-label=${text.callDuration}
        >${formatDuration(Date.now() - connectedAt)}</span>
      `}
      ${this.#renderQualityButton()}
    `;
  }

  /** The last media or peer problem, for the user. */
  #renderProblem(): TemplateResult | typeof nothing {
    const problem = this.session.problem;
    return problem ? html`<p part="error" class="error" role="alert">${problem}</p>` : nothing;
  }

  #renderQualityButton(): TemplateResult | typeof nothing {
    const sample = this.quality?.sample;
    const module = this.#inCall.module;
    if (!sample || !module) return nothing;
    return module.renderQualityButton({
      sample,
      open: this.#qualityOpen,
      labels: this.#port.words,
      toggle: () => {
        this.#qualityOpen = !this.#qualityOpen;
        this.#port.host.requestUpdate();
      },
    });
  }

  /** The controls that fit the state: the incoming prompt, the call controls, or none. */
  #renderActions(text: CallRenderLabels): TemplateResult {
    const attributes = this.#port.attributes;
    const stream = this.media.stream;
    const run = this.#port.run;
    switch (this.session.state) {
      case CallState.Ringing:
        return html`
          <div part="incoming" class="incoming" role="group" aria-label=${text.incomingCall}>
            <p class="incoming-text">${formatLabel(text.incomingFrom, {
              name: this.session.peerName ?? "",
            })}</p>
            <button part="accept-button" class="accept" @click=${() => run(() => this.accept({}))}>
              ${text.accept}
            </button>
            <button
              part="accept-audio-button"
              @click=${() => run(() => this.accept({ video: false }))}
            >${text.acceptAudio}</button>
            <button part="decline-button" class="danger" @click=${() => this.decline()}>
              ${text.decline}
            </button>
            <slot name="actions"></slot>
          </div>
        `;
      case CallState.Calling:
      case CallState.Connecting:
      case CallState.Connected:
      case CallState.Reconnecting:
        return html`
          <div part="controls" class="toolbar" role="group" aria-label=${text.callControls}>
            <button
              part="mute-button"
              aria-pressed=${attributes.muted ? "true" : "false"}
              ?disabled=${!stream?.getAudioTracks().length}
              @click=${() => (attributes.muted = !attributes.muted)}
            >${text.mute}</button>
            <button
              part="camera-button"
              aria-pressed=${attributes.cameraOff ? "true" : "false"}
              ?disabled=${!stream?.getVideoTracks().length}
              @click=${() => (attributes.cameraOff = !attributes.cameraOff)}
            >${text.cameraOff}</button>
            ${this.#renderShareButton(text)}
            ${this.#renderChatButton(text)}
            <button part="hangup-button" class="danger" @click=${() => this.hangUp()}>
              ${text.hangUp}
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

  /** The camera, microphone and speaker selects, while a call or the pre-call check holds media. */
  #renderDevicePickers(labels: CallRenderLabels): TemplateResult | typeof nothing {
    const media = this.media;
    if (!media.stream && !this.tools.precheckOpen) return nothing;
    const picker = (kind: PickerKind, label: string, part: string) => {
      if (kind === "audiooutput" && !canChooseSpeaker()) return nothing;
      const devices = media.devices.filter((device) => device.kind === kind);
      if (devices.length === 0) return nothing;
      const selected = media.selectedDevice(kind);
      return html`
        <label>${label}
          <select
            part="device-picker ${part}"
            ?disabled=${kind === "videoinput" && (this.screen?.sharing ?? false)}
            @change=${this.#onDevicePicked(kind)}
          >
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
        ${picker("videoinput", labels.camera, "camera-picker")}
        ${picker("audioinput", labels.microphone, "microphone-picker")}
        ${picker("audiooutput", labels.speaker, "speaker-picker")}
      </div>
    `;
  }

  #renderShareButton(text: CallRenderLabels): TemplateResult | typeof nothing {
    // Mobile browsers have no screen capture.
    if (!navigator.mediaDevices?.getDisplayMedia) return nothing;
    return html`
      <button
        part="share-button"
        aria-pressed=${this.screen?.sharing ? "true" : "false"}
        ?disabled=${!this.media.stream?.getVideoTracks().length}
        @click=${this.#onShareClick}
      >${text.shareScreen}</button>
    `;
  }

  #renderChatButton(text: CallRenderLabels): TemplateResult | typeof nothing {
    // Until the peer's hello arrives; never for a peer without chat (MDN's client).
    if (!this.chat.available) return nothing;
    const { unread, open } = this.chat;
    return html`
      <button
        part="chat-button"
        aria-expanded=${open ? "true" : "false"}
        aria-controls=${open ? "chat-panel" : nothing}
        aria-label=${unread ? formatLabel(text.chatUnread, { count: unread }) : nothing}
        @click=${this.#onChatClick}
      >${text.chat}${unread
        ? html`<span part="chat-unread" class="badge" aria-hidden="true">${unread}</span>`
        : nothing}</button>
    `;
  }

  /** The open panels of the call (quality: once its chunk has loaded). */
  #renderPanels(text: CallRenderLabels): TemplateResult | typeof nothing {
    if (!isInCall(this.session.state)) return nothing;
    const sample = this.quality?.sample;
    const quality = this.#inCall.module;
    const state = this.chat;
    return html`
      ${this.#qualityOpen && quality && sample
        ? quality.renderQualityPanel(sample, this.#port.words)
        : nothing}
      ${state.open
        ? renderChatPanel({
          messages: state.messages,
          ready: state.ready,
          peer: this.session.peerName ?? "",
          maxLength: MAX_CHAT_LENGTH,
          labels: text,
          send: (message) => state.send(message),
        })
        : nothing}
    `;
  }
}
