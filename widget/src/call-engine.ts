/**
 * The call engine: media, peer connection, call state machine, playback and
 * chat, with the controls a call shows (incoming prompt, in-call controls,
 * device pickers). Only needed once a call exists, so it is a chunk of its
 * own (bundle budget, issue 7): the element prefetches it after its first
 * render and awaits it before handling a call.
 */
import { type CSSResult, html, nothing, type TemplateResult } from "lit";
import { CallState, isInCall } from "./call-state.ts";
import { callStyles } from "./call.styles.ts";
import { CallController } from "./controllers/call-controller.ts";
import { MediaController } from "./controllers/media-controller.ts";
import { PeerController } from "./controllers/peer-controller.ts";
import type { SignalingController } from "./controllers/signaling-controller.ts";
import { canChooseSpeaker, PlaybackController } from "./controllers/playback-controller.ts";
import { ChatController, MAX_CHAT_LENGTH } from "./controllers/chat-controller.ts";
import { ClockController } from "./controllers/clock-controller.ts";
import type { QualityController } from "./controllers/quality-controller.ts";
import type { ScreenShareController } from "./controllers/screen-share-controller.ts";
import type { PickerKind } from "./device-memory.ts";
import type { DiagnosticEntry } from "./diagnostics-log.ts";
import { P2pChatMessageEvent, type P2pErrorKind, P2pQualityEvent } from "./events.ts";
import { englishCallLabels } from "./call-labels.ts";
import type { CallRenderLabels, RenderLabels } from "./labels.ts";
import type { LazyModule } from "./lazy.ts";
import type { P2pCall } from "./p2p-call.ts";
import type { UncheckedRelay } from "./protocol.ts";
import { checkRelay } from "./relay-messages.ts";
import { type CallSummary, describeCall, formatDuration } from "./status-text.ts";
import { SupportTools } from "./support-tools.ts";

/**
 * `formatLabel` (labels.ts) for one placeholder. Not imported from the core:
 * see `EngineHooks.lazy`.
 */
const fill = (template: string, key: string, value: string | number): string =>
  template.replaceAll(`{${key}}`, () => String(value));

/** What the engine needs from the element, beyond its public API. */
export interface EngineHooks {
  signaling: SignalingController;
  report(kind: P2pErrorKind, message: string, cause?: unknown): void;
  /** A frame from the service that does not follow the protocol. */
  reportProtocolError(problem: string): void;
  /** Runs a UI action; a rejection becomes a `p2p-error`. */
  run(action: () => Promise<void>): void;
  addStyles(styles: CSSResult): void;
  /**
   * A lazily imported module of the host (lazy.ts). Passed in rather than
   * imported, like the other helpers of the core: a module both the core and
   * this chunk import would be split into a chunk of its own, one more
   * request before the element works.
   */
  lazy<T>(load: () => Promise<T>, onLoad: (module: T) => void): LazyModule<T>;
  log(kind: DiagnosticEntry["kind"], text: string): void;
  rtcConfiguration(): RTCConfiguration;
  ringTimeout(): number;
  /** The signaling service's URL, as the element resolved it. */
  signalingUrl(): string | null;
  /** The element's recent history (diagnostics-log.ts), for the debug report. */
  diagnostics(): readonly DiagnosticEntry[];
}

/** The call's controllers and controls, added to the element once this chunk has loaded. */
export class CallEngine {
  readonly media: MediaController;
  readonly peer: PeerController;
  readonly call: CallController;
  readonly playback: PlaybackController;
  readonly chat: ChatController;
  /** The pre-call check and the debug report. */
  readonly tools: SupportTools;
  quality: QualityController | null = null;
  screen: ScreenShareController | null = null;
  #qualityOpen = false;
  /** Ticks the call timer. */
  readonly #clock: ClockController;
  readonly #host: P2pCall;
  readonly #hooks: EngineHooks;
  // Lazily loaded features (lazy.ts); a failed import is retried on next use.
  readonly #chatPanel: LazyModule<typeof import("./panels/chat-panel.ts")>;
  readonly #inCall: LazyModule<typeof import("./panels/in-call.ts")>;

  constructor(host: P2pCall, hooks: EngineHooks) {
    this.#host = host;
    this.#hooks = hooks;
    const report = hooks.report;
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
      signal: (message) => this.call.signal(message),
      onMediaPath: (status) => this.call.onMediaPath(status),
      onError: (message, cause) => this.call.onPeerError(message, cause),
      onOpen: (pc) => this.chat.attach(pc),
      beforeTracks: (pc) => this.chat.offer(pc),
    });
    this.call = new CallController(host, {
      signaling: hooks.signaling,
      media: this.media,
      peer: this.peer,
    }, {
      ownName: () => hooks.signaling.registeredName,
      rtcConfiguration: hooks.rtcConfiguration,
      ringTimeout: hooks.ringTimeout,
      autoAnswer: () => host.autoAnswer,
      dispatch: (event) => host.dispatchEvent(event),
    });
    this.playback = new PlaybackController(host, {
      onSinkError: (cause) =>
        report("media", "The chosen speaker is not available; using the default.", cause),
    });
    this.chat = new ChatController(host, {
      onMessage: ({ text }) => {
        void this.#chatPanel.load().catch(() => {});
        host.dispatchEvent(new P2pChatMessageEvent(host.peer ?? "", text));
      },
    });
    this.#chatPanel = hooks.lazy(
      () => import("./panels/chat-panel.ts"),
      (module) => hooks.addStyles(module.styles),
    );
    this.#inCall = hooks.lazy(() => import("./panels/in-call.ts"), (module) => {
      module.styles.forEach(hooks.addStyles);
      this.quality = new module.QualityController(host, {
        connection: () =>
          host.state === CallState.Connected || host.state === CallState.Reconnecting
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
    this.tools = new SupportTools(host, hooks, this.media);
    hooks.addStyles(callStyles);
    this.media.setMuted(host.muted);
    this.media.setCameraOff(host.cameraOff);
  }

  /** A call message from another member: checked here, then handed to the call. */
  onRelay(relay: UncheckedRelay): void {
    const checked = checkRelay(relay);
    if (checked.ok) this.call.onRelay(checked.message);
    else this.#hooks.reportProtocolError(checked.problem);
  }

  /** The English call sentences of the status line (other languages bring their own). */
  readonly describeInEnglish = describeCall;

  /** What the status line says of the current or last call; `null`: no call yet (idle). */
  summary(): CallSummary | null {
    const call = this.call;
    const state = call.state;
    if (state === CallState.Idle) return null;
    return {
      state,
      peer: call.peerName,
      direction: call.direction,
      endReason: call.endReason,
      endedBy: call.endedBy,
      endedFrom: call.endedFrom,
    };
  }

  /** Before each update of the element. */
  willUpdate(): void {
    const state = this.#host.state;
    this.#clock.run(state === CallState.Connected || state === CallState.Reconnecting);
    // A call needs the camera the check is previewing.
    if (isInCall(state)) this.tools.closePrecheck();
    // Quality, screen share and the video buttons (panels/in-call.ts). Not
    // essential: a failed import leaves them out, a later update retries.
    if (this.#host.state === CallState.Connected) void this.#inCall.load().catch(() => {});
  }

  /** Sends the screen instead of the camera (see `P2pCall.shareScreen`). */
  async shareScreen(): Promise<boolean> {
    await this.#inCall.load();
    return this.screen?.start() ?? false;
  }

  /** A stand-in for a lost device's track: sent by whichever sender carried the lost one. */
  async #replaceSentTrack(lost: MediaStreamTrack, track: MediaStreamTrack): Promise<void> {
    const sender = this.peer.connection?.getSenders().find((s) => s.track === lost);
    this.#hooks.log("media", `${track.kind} device lost; now using "${track.label}"`);
    try {
      await sender?.replaceTrack(track);
    } catch (error) {
      this.#hooks.report("media", "The replacement device could not be sent.", error);
    }
  }

  readonly #onDevicePicked = (kind: PickerKind) => (event: Event): void => {
    const deviceId = (event.target as HTMLSelectElement).value;
    if (kind === "audiooutput") {
      this.media.chooseSpeaker(deviceId);
      return;
    }
    void this.call.switchDevice(kind, deviceId);
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
    await this.#chatPanel.load().catch(() => {});
    if (!this.chat.open) return;
    // Opening the chat is asking to write: the field gets the focus.
    await this.#host.updateComplete;
    this.#host.renderRoot.querySelector<HTMLInputElement>("#chat-input")?.focus();
  };

  /** After each update of the element: the videos show the current streams. */
  updated(): void {
    const remote = this.#video("remote");
    this.#setSource(remote, this.peer.remoteStream);
    this.#setSource(this.#video("local"), this.media.stream);
    this.playback.sync(remote, this.peer.remoteStream, this.media.selectedDevice("audiooutput"));
  }

  #video(name: "remote" | "local"): HTMLVideoElement | null {
    return this.#host.renderRoot.querySelector<HTMLVideoElement>(`.${name}`);
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

  #wordsFor: RenderLabels | null = null;
  #mergedWords: CallRenderLabels | null = null;

  /** The element's labels with the call's English words filled in (the last merge is kept). */
  #words(page: RenderLabels): CallRenderLabels {
    if (page !== this.#wordsFor || !this.#mergedWords) {
      this.#wordsFor = page;
      this.#mergedWords = { ...englishCallLabels, ...page };
    }
    return this.#mergedWords;
  }

  /** Inside the stage: the two videos, what shows while there is no remote video, their buttons. */
  renderStage(page: RenderLabels): TemplateResult {
    const text = this.#words(page);
    const host = this.#host;
    const local = this.media.stream;
    const remote = this.peer.remoteStream;
    const peer = host.peer;
    return html`
      <video
        part="remote-video"
        class="remote"
        aria-label=${peer ? fill(text.videoFrom, "name", peer) : text.remoteVideo}
        autoplay
        playsinline
        ?hidden=${!remote}
        @enterpictureinpicture=${() => host.requestUpdate()}
        @leavepictureinpicture=${() => host.requestUpdate()}
      ></video>
      ${remote
        ? nothing
        : html`<div class="placeholder">${isInCall(host.state) ? peer : text.noCall}</div>`}
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
      ${remote ? this.#renderViewControls(this.#video("remote"), text) : nothing}
      ${this.playback.blocked
        ? html`
          <button part="autoplay-button" class="autoplay primary"
            @click=${() => void host.resumePlayback()}>Click to hear the call</button>
        `
        : nothing}
    `;
  }

  /** The buttons over the remote video, once their chunk has loaded. */
  #renderViewControls(
    video: HTMLVideoElement | null,
    labels: CallRenderLabels,
  ): TemplateResult | typeof nothing {
    return this.#inCall.module?.renderViewControls({
      video,
      labels,
      onError: (message, cause) => this.#hooks.report("media", message, cause),
    }) ?? nothing;
  }

  /** Beside the status line: the call timer, and the quality indicator once its chunk has loaded. */
  renderStatusExtras(page: RenderLabels): TemplateResult | typeof nothing {
    const text = this.#words(page);
    const connectedAt = this.call.connectedAt;
    if (!isInCall(this.#host.state)) return nothing;
    return html`
      ${connectedAt === null ? nothing : html`
        <span part="timer" class="timer" role="timer" aria-label=${text.callDuration}
        >${formatDuration(Date.now() - connectedAt)}</span>
      `}
      ${this.#renderQualityButton(text)}
    `;
  }

  /** The last media or peer problem, for the user. */
  renderProblem(): TemplateResult | typeof nothing {
    const problem = this.call.problem;
    return problem ? html`<p part="error" class="error" role="alert">${problem}</p>` : nothing;
  }

  #renderQualityButton(text: CallRenderLabels): TemplateResult | typeof nothing {
    const sample = this.quality?.sample;
    const module = this.#inCall.module;
    if (!sample || !module) return nothing;
    return module.renderQualityButton({
      sample,
      open: this.#qualityOpen,
      labels: text,
      toggle: () => {
        this.#qualityOpen = !this.#qualityOpen;
        this.#host.requestUpdate();
      },
    });
  }

  /** The controls that fit the state: the incoming prompt, the call controls, or none. */
  renderActions(page: RenderLabels): TemplateResult {
    const text = this.#words(page);
    const host = this.#host;
    const stream = this.media.stream;
    const run = this.#hooks.run;
    switch (host.state) {
      case CallState.Ringing:
        return html`
          <div part="incoming" class="incoming" role="group" aria-label=${text.incomingCall}>
            <p class="incoming-text">${fill(text.incomingFrom, "name", host.peer ?? "")}</p>
            <button part="accept-button" class="accept" @click=${() => run(() => host.accept())}>
              ${text.accept}
            </button>
            <button
              part="accept-audio-button"
              @click=${() => run(() => host.accept({ video: false }))}
            >${text.acceptAudio}</button>
            <button part="decline-button" class="danger" @click=${() => host.decline()}>
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
              aria-pressed=${host.muted ? "true" : "false"}
              ?disabled=${!stream?.getAudioTracks().length}
              @click=${() => (host.muted = !host.muted)}
            >${text.mute}</button>
            <button
              part="camera-button"
              aria-pressed=${host.cameraOff ? "true" : "false"}
              ?disabled=${!stream?.getVideoTracks().length}
              @click=${() => (host.cameraOff = !host.cameraOff)}
            >${text.cameraOff}</button>
            ${this.#renderShareButton(text)}
            ${this.#renderChatButton(text)}
            <button part="hangup-button" class="danger" @click=${() => host.hangUp()}>
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
  renderDevicePickers(page: RenderLabels): TemplateResult | typeof nothing {
    const labels = this.#words(page);
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
            ?disabled=${kind === "videoinput" && this.#host.sharingScreen}
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
        ${picker("audiooutput", "Speaker", "speaker-picker")}
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
        aria-label=${unread ? fill(text.chatUnread, "count", unread) : nothing}
        @click=${this.#onChatClick}
      >${text.chat}${unread
        ? html`<span part="chat-unread" class="badge" aria-hidden="true">${unread}</span>`
        : nothing}</button>
    `;
  }

  /** The open panels of the call, once their chunks have loaded. */
  renderPanels(page: RenderLabels): TemplateResult {
    const text = this.#words(page);
    const sample = this.quality?.sample;
    const quality = this.#inCall.module;
    const chat = this.#chatPanel.module;
    const state = this.chat;
    return html`
      ${this.#qualityOpen && quality && sample ? quality.renderQualityPanel(sample, text) : nothing}
      ${state.open && chat
        ? chat.renderChatPanel({
          messages: state.messages,
          ready: state.ready,
          peer: this.#host.peer ?? "",
          maxLength: MAX_CHAT_LENGTH,
          labels: text,
          send: (message) => state.send(message),
        })
        : nothing}
    `;
  }
}
