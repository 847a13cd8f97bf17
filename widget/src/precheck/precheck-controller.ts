import {
  css,
  html,
  type ReactiveController,
  type ReactiveControllerHost,
  type TemplateResult,
} from "lit";
import type { SignalingStatus } from "../api/events.ts";
import { englishCallLabels } from "../call/call-labels.ts";
import { describeMediaError } from "../call/media-errors.ts";
import type { Words } from "../element/words.ts";
import { formatLabel } from "../element/words.ts";
import { iceProbeTargets, type IceServerKind, probeIceServer } from "./ice-probe.ts";
import { englishPrecheckLabels, type PrecheckWords } from "./precheck-labels.ts";
import { MicMeter } from "./mic-meter.ts";

export type CheckStatus = "running" | "ok" | "warn" | "fail";

export interface Check {
  status: CheckStatus;
  /** A short phrase for the user: "reachable", "no sound detected", … */
  detail: string;
}

export interface ServerCheck extends Check {
  url: string;
  kind: IceServerKind | null;
}

/** What the pre-call check found. */
export interface PrecheckResult {
  /** No check failed (warnings allowed). */
  ready: boolean;
  /** One readable sentence summing up the checks, in the element's language. */
  verdict: string;
  camera: Check;
  microphone: Check;
  /** The loudest microphone level heard, 0 … 1. */
  micPeak: number;
  signaling: Check;
  /** One entry per configured STUN/TURN URL; empty if none is configured. */
  servers: ServerCheck[];
}

export interface PrecheckOptions {
  /** Milliseconds each STUN/TURN server may take to answer (default 5000). */
  iceTimeout?: number;
  /** Milliseconds to listen for sound before warning (default 5000). */
  micWindow?: number;
  /** Milliseconds the signaling service may take to come online (default 5000). */
  signalingTimeout?: number;
}

/** What the check needs from the element. */
export interface PrecheckParts {
  /** getUserMedia with the remembered devices, as a call would use them. */
  open(request: { video: boolean; audio: boolean }): Promise<MediaStream>;
  signalingStatus(): SignalingStatus;
  /** The STUN/TURN servers a call would use. */
  iceServers(): RTCIceServer[];
  /** Permission was just granted: device labels are readable now. */
  onDevicesChanged(): void;
  /** The user closed the panel. */
  onClose(): void;
  /** The element's words (its language's and the page's), over the check's English ones. */
  /** The element's words (element/words.ts): the check's English goes under them. */
  labels(): Pick<Words, "of">;
}

const DEFAULTS: Required<PrecheckOptions> = {
  iceTimeout: 5_000,
  micWindow: 5_000,
  signalingTimeout: 5_000,
};
/** A level above this (about −30 dBFS) counts as sound from the microphone. */
const SOUND_LEVEL = 0.1;
const METER_INTERVAL = 100;

const check = (status: CheckStatus, detail: string): Check => ({ status, detail });

export const styles = css`
  .precheck {
    display: grid;
    gap: var(--_gap);
    padding: 10px;
    border: 1px solid var(--_border);
    border-radius: 10px;
    background: var(--_surface);
  }

  .precheck-media {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_gap);
  }

  .precheck-video {
    width: 45%;
    min-width: 140px;
    aspect-ratio: 4 / 3;
    object-fit: cover;
    border-radius: 8px;
    background: var(--_video-background);
    transform: scaleX(-1);
  }

  .precheck-level {
    display: grid;
    gap: 4px;
    flex: 1 1 8em;
    color: var(--_text-muted);
    font-size: 0.9em;
  }

  .precheck-level meter {
    width: 100%;
    height: 14px;
  }

  .checks {
    display: grid;
    gap: 4px;
    margin: 0;
  }

  .check {
    display: flex;
    justify-content: space-between;
    gap: 8px;
  }

  .check dt {
    font-weight: 600;
    overflow-wrap: anywhere;
  }

  .check dd {
    margin: 0;
    text-align: end;
    color: var(--_text-muted);
  }

  .check[data-status="ok"] dd {
    color: var(--_success);
  }

  .check[data-status="warn"] dd {
    color: #92400e;
  }

  .check[data-status="fail"] dd {
    color: var(--_danger);
  }

  /* Not by color alone. */
  .check[data-status="ok"] dd::before {
    content: "✓ ";
  }

  .check[data-status="warn"] dd::before {
    content: "! ";
  }

  .check[data-status="fail"] dd::before {
    content: "✗ ";
  }

  .verdict {
    margin: 0;
    font-weight: 600;
  }

  .precheck-actions {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
  }
`;

/** The element the check renders in: its controls are in `renderRoot`. */
export type PrecheckHost = ReactiveControllerHost & { readonly renderRoot: ParentNode };

/**
 * The pre-call check: camera preview, microphone level meter, whether the
 * signaling service is reachable and whether each configured STUN/TURN server
 * answers, summed up in a readable verdict.
 *
 * Owns everything it opens — a camera/microphone stream, an AudioContext,
 * throwaway RTCPeerConnections — and releases it on `stop()` and when the
 * host leaves the document. A loaded-on-demand chunk: pages that never open
 * the check never download it.
 */
export class PrecheckController implements ReactiveController {
  /** The preview stream while the check runs. */
  stream: MediaStream | null = null;
  camera: Check = check("running", "opening…");
  microphone: Check = check("running", "opening…");
  signaling: Check = check("running", "connecting…");
  servers: ServerCheck[] = [];
  /** Set once every check has finished. */
  result: PrecheckResult | null = null;

  readonly #host: PrecheckHost;
  readonly #parts: PrecheckParts;
  #options: Required<PrecheckOptions> = DEFAULTS;
  /** Bumped by every start/stop: results of an older run are dropped. */
  #run = 0;
  #abort: AbortController | null = null;
  #meter: MicMeter | null = null;
  #meterTimer: ReturnType<typeof setInterval> | undefined;
  #micTimer: ReturnType<typeof setTimeout> | undefined;
  #signalingTimer: ReturnType<typeof setTimeout> | undefined;
  #resolve: ((result: PrecheckResult) => void) | null = null;

  constructor(host: PrecheckHost, parts: PrecheckParts) {
    this.#host = host;
    this.#parts = parts;
    host.addController(this);
  }

  hostUpdate(): void {
    // The signaling controller updates the host on every status change; seen
    // before render, the news is shown in this same update.
    this.#checkSignaling();
  }

  hostUpdated(): void {
    // Set by hand, only when the stream changed: Lit would set an object
    // property on every render (10 a second while the meter runs), and each
    // srcObject assignment reloads the preview.
    const video = this.#host.renderRoot.querySelector<HTMLVideoElement>(".precheck-video");
    if (video && video.srcObject !== this.stream) video.srcObject = this.stream;
  }

  hostDisconnected(): void {
    this.stop();
  }

  /** The microphone level now, 0 … 1. */
  get level(): number {
    return this.#meter?.level ?? 0;
  }

  /**
   * (Re)starts every check; resolves when all have finished (or the check is
   * stopped). Without `options`, the last run's apply.
   */
  start(options?: PrecheckOptions): Promise<PrecheckResult> {
    this.stop();
    const run = ++this.#run;
    if (options) this.#options = { ...DEFAULTS, ...options };
    this.#abort = new AbortController();
    const words = this.#words();
    this.camera = check("running", words.precheckOpening);
    this.microphone = check("running", words.precheckOpening);
    this.signaling = check("running", words.precheckConnecting);
    this.servers = iceProbeTargets(this.#parts.iceServers()).map(({ url }) => ({
      url,
      kind: null,
      ...check("running", words.precheckProbing),
    }));
    this.result = null;
    const finished = new Promise<PrecheckResult>((resolve) => (this.#resolve = resolve));
    void this.#openDevices(run);
    this.#signalingTimer = setTimeout(() => {
      if (this.signaling.status !== "running") return;
      const status = this.#parts.signalingStatus();
      this.signaling = check("fail", formatLabel(words.precheckNotReachable, { status }));
      this.#settle();
    }, this.#options.signalingTimeout);
    this.#checkSignaling();
    void this.#probeServers(run, this.#abort.signal);
    this.#host.requestUpdate();
    return finished;
  }

  /** Releases camera, microphone, audio context and probes; a pending start() resolves. */
  stop(): void {
    this.#run++;
    this.#abort?.abort();
    this.#abort = null;
    clearInterval(this.#meterTimer);
    clearTimeout(this.#micTimer);
    clearTimeout(this.#signalingTimer);
    this.#meter?.close();
    this.#meter = null;
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = null;
    if (this.#resolve) {
      const words = this.#words();
      const stopped = (item: Check): Check =>
        item.status === "running" ? check("fail", words.precheckStopped) : item;
      this.camera = stopped(this.camera);
      this.microphone = stopped(this.microphone);
      this.signaling = stopped(this.signaling);
      this.servers = this.servers.map((server) => ({ ...server, ...stopped(server) }));
      this.#finish(words.precheckStoppedEarly);
    }
    this.#host.requestUpdate();
  }

  async #openDevices(run: number): Promise<void> {
    let stream: MediaStream;
    try {
      stream = await this.#parts.open({ video: true, audio: true });
    } catch {
      // One of the two may still work on its own (e.g. no camera at all).
      const [camera, microphone] = await Promise.allSettled([
        this.#parts.open({ video: true, audio: false }),
        this.#parts.open({ video: false, audio: true }),
      ]);
      stream = new MediaStream();
      for (const outcome of [camera, microphone]) {
        if (outcome.status === "fulfilled") {
          outcome.value.getTracks().forEach((t) => stream.addTrack(t));
        }
      }
      // The call's sentences for media failures (call-labels.ts), in the element's language.
      const words = this.#parts.labels().of(englishCallLabels);
      if (camera.status === "rejected") {
        this.camera = check("fail", describeMediaError(camera.reason, words));
      }
      if (microphone.status === "rejected") {
        this.microphone = check("fail", describeMediaError(microphone.reason, words));
      }
    }
    if (run !== this.#run) {
      stream.getTracks().forEach((track) => track.stop());
      return;
    }
    this.stream = stream;
    const [videoTrack] = stream.getVideoTracks();
    if (videoTrack) {
      const { width, height } = videoTrack.getSettings();
      const size = width && height ? `, ${width}×${height}` : "";
      this.camera = check("ok", `${videoTrack.label || this.#words().precheckWorks}${size}`);
    }
    const [audioTrack] = stream.getAudioTracks();
    if (audioTrack) this.#listen(run, stream);
    this.#parts.onDevicesChanged();
    this.#settle();
  }

  #listen(run: number, stream: MediaStream): void {
    const words = this.#words();
    try {
      this.#meter = new MicMeter(stream);
    } catch {
      this.microphone = check("ok", words.precheckNoMeter);
      return;
    }
    this.microphone = check("running", words.precheckSpeak);
    this.#meterTimer = setInterval(() => {
      const level = this.#meter?.sample() ?? 0;
      if (level >= SOUND_LEVEL && this.microphone.status === "running") {
        this.microphone = check("ok", words.precheckSound);
        this.#settle();
      }
      this.#host.requestUpdate();
    }, METER_INTERVAL);
    this.#micTimer = setTimeout(() => {
      if (run !== this.#run || this.microphone.status !== "running") return;
      this.microphone = check("warn", words.precheckNoSound);
      this.#settle();
    }, this.#options.micWindow);
  }

  #checkSignaling(): void {
    if (this.signaling.status !== "running" || !this.#abort) return;
    if (this.#parts.signalingStatus() !== "online") return;
    clearTimeout(this.#signalingTimer);
    this.signaling = check("ok", this.#words().precheckReachable);
    this.#settle();
  }

  async #probeServers(run: number, signal: AbortSignal): Promise<void> {
    const targets = iceProbeTargets(this.#parts.iceServers());
    await Promise.all(targets.map(async ({ url, server }, index) => {
      const timeout = this.#options.iceTimeout;
      const result = await probeIceServer(url, server, timeout, signal, this.#words());
      if (run !== this.#run) return;
      this.servers = this.servers.map((server, at) => at === index ? result : server);
      this.#settle();
    }));
    if (run === this.#run) this.#settle();
  }

  /** Finishes the run once no check is running any more. */
  #settle(): void {
    this.#host.requestUpdate();
    const checks = [this.camera, this.microphone, this.signaling, ...this.servers];
    if (!this.#resolve || checks.some((item) => item.status === "running")) return;
    this.#finish(verdict(this, this.#words()));
  }

  #finish(sentence: string): void {
    const checks = [this.camera, this.microphone, this.signaling, ...this.servers];
    this.result = {
      ready: !checks.some((item) => item.status === "fail"),
      verdict: sentence,
      camera: this.camera,
      microphone: this.microphone,
      micPeak: this.#meter?.peak ?? 0,
      signaling: this.signaling,
      servers: this.servers,
    };
    const resolve = this.#resolve;
    this.#resolve = null;
    resolve?.(this.result);
  }

  /** The check's words in the element's language. */
  #words(): PrecheckWords {
    return this.#parts.labels().of(englishPrecheckLabels);
  }

  render(): TemplateResult {
    const words = this.#words();
    const rows: [string, Check][] = [
      [words.precheckCamera, this.camera],
      [words.precheckMicrophone, this.microphone],
      [words.precheckSignaling, this.signaling],
      ...this.servers.map((server): [string, Check] => [serverName(server, words), server]),
    ];
    if (this.servers.length === 0) {
      rows.push([words.precheckServers, check("warn", words.precheckNoneConfigured)]);
    }
    const video = this.stream?.getVideoTracks().length ?? 0;
    return html`
      <section part="precheck" class="precheck" aria-label=${words.precheckTitle}>
        <div class="precheck-media">
          <video
            part="precheck-video"
            class="precheck-video"
            aria-label=${words.precheckPreview}
            autoplay
            playsinline
            muted
            .muted=${true}
            ?hidden=${video === 0}
          ></video>
          <label class="precheck-level">${words.precheckLevel}
            <meter part="precheck-level" min="0" max="1" low="0.1" high="0.9" optimum="0.5"
              .value=${this.level}></meter>
          </label>
        </div>
        <dl class="checks">
          ${rows.map(([label, item]) =>
            html`
              <div class="check" data-status=${item.status}>
                <dt>${label}</dt>
                <dd>${item.detail}</dd>
              </div>
            `
          )}
        </dl>
        <p part="precheck-verdict" class="verdict" role="status">
          ${this.result?.verdict ?? words.precheckChecking}
        </p>
        <div class="precheck-actions">
          <button part="precheck-again-button" @click=${() => void this.start()}>
            ${words.precheckAgain}
          </button>
          <button part="precheck-close-button" @click=${() => this.#parts.onClose()}>
            ${words.precheckClose}
          </button>
        </div>
      </section>
    `;
  }
}

const serverName = (server: ServerCheck, words: PrecheckWords): string =>
  `${
    server.kind === "turn" ? "TURN" : server.kind === "stun" ? "STUN" : words.precheckServer
  } ${server.url}`;

const describe = ([name, item]: [string, Check]): string =>
  `${name}: ${item.detail.replace(/\.$/, "")}`;

/** One sentence: ready, ready with warnings, or not ready and why. */
export function verdict(
  checks: Omit<PrecheckResult, "ready" | "verdict" | "micPeak">,
  words: PrecheckWords = englishPrecheckLabels,
): string {
  const named: [string, Check][] = [
    [words.precheckTheCamera, checks.camera],
    [words.precheckTheMicrophone, checks.microphone],
    [words.precheckTheSignaling, checks.signaling],
    ...checks.servers.map((server): [string, Check] => [serverName(server, words), server]),
  ];
  const failed = named.filter(([, item]) => item.status === "fail");
  if (failed.length > 0) {
    return formatLabel(words.precheckNotReady, { problems: failed.map(describe).join("; ") });
  }
  const warnings = named.filter(([, item]) => item.status === "warn").map(describe);
  if (checks.servers.length === 0) warnings.push(words.precheckNoServers);
  return warnings.length > 0
    ? formatLabel(words.precheckReadyWarnings, { warnings: warnings.join("; ") })
    : words.precheckReady;
}
