/**
 * The call engine: media, peer connection, call state machine, playback and
 * chat, with what the element shows of them (videos, status sentences,
 * incoming prompt, call controls, device pickers), the language controller
 * and the tools row (pre-call check, debug report). A chunk of its own
 * (bundle budget, issue 7): the element renders its lobby without it,
 * prefetches it after its first render and awaits it before handling a call.
 */
import {
  adoptStyles,
  type CSSResult,
  html,
  nothing,
  type PropertyValues,
  type TemplateResult,
} from "lit";
import { CallState, isInCall } from "../api/call-state.ts";
import { callStyles } from "./styles.ts";
import { CallController } from "./call-controller.ts";
import { MediaController } from "./media-controller.ts";
import { PeerController } from "./peer-controller.ts";
import type { SignalingController } from "../element/signaling-controller.ts";
import { canChooseSpeaker, PlaybackController } from "./playback-controller.ts";
import { ChatController, MAX_CHAT_LENGTH } from "./chat-controller.ts";
import { ClockController } from "./clock-controller.ts";
import { LanguageController } from "./language-controller.ts";
import type { QualityController } from "../in-call/quality-controller.ts";
import type { ScreenShareController } from "../in-call/screen-share-controller.ts";
import type { PickerKind } from "./device-memory.ts";
import type { DiagnosticEntry } from "../element/diagnostics-log.ts";
import type { ElementLabels } from "../element/element-labels.ts";
import { P2pChatMessageEvent, type P2pErrorKind, P2pQualityEvent } from "../api/events.ts";
import { englishCallLabels } from "./call-labels.ts";
import { type CallRenderLabels, formatLabel, type RenderLabels } from "../element/labels.ts";
import { LazyModule } from "../element/lazy.ts";
import { DEFAULT_RING_TIMEOUT, type P2pCall } from "../element/p2p-call.ts";
import type { UncheckedRelay } from "../element/protocol.ts";
import { checkRelay } from "./relay-messages.ts";
import { describeCall, formatDuration } from "./status-text.ts";
import { SupportTools } from "./tools.ts";

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

/** What the engine needs from the element, beyond its public API. */
export interface EngineHooks {
  signaling: SignalingController;
  /** The words the element renders with; the engine follows the page's language for it. */
  labels: ElementLabels;
  report(kind: P2pErrorKind, message: string, cause?: unknown): void;
  /** A frame from the service that does not follow the protocol. */
  reportProtocolError(problem: string): void;
  /** Runs a UI action; a rejection becomes a `p2p-error`. */
  run(action: () => Promise<void>): void;
  log(kind: DiagnosticEntry["kind"], text: string): void;
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
  /** Whether a control in the shadow root had focus when the running update began. */
  #hadFocus = false;
  /** Ticks the call timer. */
  readonly #clock: ClockController;
  readonly #host: P2pCall;
  readonly #hooks: EngineHooks;
  // Lazily loaded features (lazy.ts); a failed import is retried on next use.
  readonly #chatPanel: LazyModule<typeof import("./chat-panel.ts")>;
  readonly #inCall: LazyModule<typeof import("../in-call/in-call.ts")>;

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
      rtcConfiguration: () => this.rtcConfiguration(),
      ringTimeout: () =>
        Number.isFinite(host.ringTimeout) && host.ringTimeout > 0
          ? host.ringTimeout
          : DEFAULT_RING_TIMEOUT,
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
    this.#chatPanel = new LazyModule(
      host,
      () => import("./chat-panel.ts"),
      (module) => this.addStyles(module.styles),
    );
    this.#inCall = new LazyModule(host, () => import("../in-call/in-call.ts"), (module) => {
      module.styles.forEach((styles) => this.addStyles(styles));
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
    new LanguageController(host, hooks.labels);
    this.tools = new SupportTools(host, hooks, this);
    this.addStyles(callStyles);
    this.media.setMuted(host.muted);
    this.media.setCameraOff(host.cameraOff);
  }

  /** ICE servers (the element's, else the service's) and transport policy for a new connection. */
  rtcConfiguration(): RTCConfiguration {
    const host = this.#host;
    return {
      iceServers: host.iceServers ?? this.#hooks.signaling.serviceIceServers ?? [],
      iceTransportPolicy: host.iceTransportPolicy === "relay" ? "relay" : "all",
    };
  }

  /**
   * Adds a lazily loaded module's styles to the element (adoptOnce), once its
   * shadow root exists: the engine may load before the element's first render.
   */
  addStyles(styles: CSSResult): void {
    const host = this.#host;
    if (host.shadowRoot) adoptOnce(host.shadowRoot, styles);
    else void host.updateComplete.then(() => host.shadowRoot && adoptOnce(host.shadowRoot, styles));
  }

  /** A call message from another member: checked here, then handed to the call. */
  onRelay(relay: UncheckedRelay): void {
    const checked = checkRelay(relay);
    if (checked.ok) this.call.onRelay(checked.message);
    else this.#hooks.reportProtocolError(checked.problem);
  }

  /**
   * What the status line says of the current or last call, in the element's
   * language; `null`: no call yet (idle), the element's lobby line applies.
   */
  describeCall(): string | null {
    const call = this.call;
    const state = call.state;
    if (state === CallState.Idle) return null;
    return this.#hooks.labels.describeCall({
      state,
      peer: call.peerName,
      direction: call.direction,
      endReason: call.endReason,
      endedBy: call.endedBy,
      endedFrom: call.endedFrom,
    }, describeCall);
  }

  /** The element leaves the page: hang up while the socket is still open, close the panels. */
  leave(): void {
    this.call.hangUp();
    this.tools.close();
  }

  /** Before each update of the element. */
  willUpdate(changed: PropertyValues<P2pCall>): void {
    const host = this.#host;
    if (changed.has("muted")) this.media.setMuted(host.muted);
    if (changed.has("cameraOff")) this.media.setCameraOff(host.cameraOff);
    this.#reportInvalidIceServers();
    this.#hadFocus = host.shadowRoot?.activeElement != null;
    const state = host.state;
    this.#clock.run(state === CallState.Connected || state === CallState.Reconnecting);
    // A call needs the camera the check is previewing.
    if (isInCall(state)) this.tools.closePrecheck();
    // Quality, screen share and the video buttons (panels/in-call.ts). Not
    // essential: a failed import leaves them out, a later update retries.
    if (this.#host.state === CallState.Connected) void this.#inCall.load().catch(() => {});
  }

  #reportedIceServers: RTCIceServer[] | null | undefined;

  /**
   * Once per bad value of the `ice-servers` attribute (parsed to `null`),
   * including one set before this engine loaded.
   */
  #reportInvalidIceServers(): void {
    const value = this.#host.iceServers;
    if (value === this.#reportedIceServers) return;
    this.#reportedIceServers = value;
    if (value === null) {
      this.#hooks.report("peer", "The ice-servers attribute is not a JSON array; it is ignored.");
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

  /** After each update of the element: focus, and the videos show the current streams. */
  updated(): void {
    // The focused control went away with its state (Call once calling, Accept
    // once answered, Hang up once ended): a keyboard user goes on from the
    // control that matters now, not from the top of the page.
    if (this.#hadFocus && !this.#host.shadowRoot?.activeElement) this.#focusMainControl();
    const remote = this.#video("remote");
    this.#setSource(remote, this.peer.remoteStream);
    this.#setSource(this.#video("local"), this.media.stream);
    this.playback.sync(remote, this.peer.remoteStream, this.media.selectedDevice("audiooutput"));
  }

  /** Hang up during a call, Accept while ringing, else the first call button or the name field. */
  #focusMainControl(): void {
    const state = this.#host.state;
    const main = state === CallState.Ringing
      ? "accept-button"
      : isInCall(state)
      ? "hangup-button"
      : "call-button";
    this.#host.renderRoot.querySelector<HTMLElement>(`[part~="${main}"], [part~="name-input"]`)
      ?.focus();
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

  /** The element's labels with the call's English words filled in. */
  words(): CallRenderLabels {
    return this.#words(this.#hooks.labels.labels);
  }

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
        aria-label=${peer ? formatLabel(text.videoFrom, { name: peer }) : text.remoteVideo}
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
            @click=${() => void host.resumePlayback()}>${text.hearCall}</button>
        `
        : nothing}
    `;
  }

  /** The buttons of the tools row: the pre-call check and the debug report. */
  renderToolButtons(page: RenderLabels): TemplateResult {
    return this.tools.renderButtons(this.#words(page));
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

  /**
   * Under the status line: the last problem, the controls that fit the state,
   * the open panels of a call, the device pickers.
   */
  renderBelowStatus(page: RenderLabels): TemplateResult {
    const text = this.#words(page);
    return html`
      ${this.#renderProblem()}
      ${this.#renderActions(text)}
      ${this.#renderPanels(text)}
      ${this.#renderDevicePickers(text)}
    `;
  }

  /** The last media or peer problem, for the user. */
  #renderProblem(): TemplateResult | typeof nothing {
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
  #renderActions(text: CallRenderLabels): TemplateResult {
    const host = this.#host;
    const stream = this.media.stream;
    const run = this.#hooks.run;
    switch (host.state) {
      case CallState.Ringing:
        return html`
          <div part="incoming" class="incoming" role="group" aria-label=${text.incomingCall}>
            <p class="incoming-text">${formatLabel(text.incomingFrom, {
              name: host.peer ?? "",
            })}</p>
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
        aria-label=${unread ? formatLabel(text.chatUnread, { count: unread }) : nothing}
        @click=${this.#onChatClick}
      >${text.chat}${unread
        ? html`<span part="chat-unread" class="badge" aria-hidden="true">${unread}</span>`
        : nothing}</button>
    `;
  }

  /** The open panels of the call, once their chunks have loaded. */
  #renderPanels(text: CallRenderLabels): TemplateResult | typeof nothing {
    if (!isInCall(this.#host.state)) return nothing;
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
