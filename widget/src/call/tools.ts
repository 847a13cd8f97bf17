/**
 * The pre-call check and the debug report as the element offers them: the
 * panels its tools row and its API open. Part of the call engine's chunk,
 * since the check previews through the call's media; the code of each panel
 * loads on first use.
 */
import { html, nothing, type TemplateResult } from "lit";
import type { CallEngine } from "./call-engine.ts";
import { isInCall } from "../api/call-state.ts";
import type { DebugPanel, DebugSnapshot } from "../debug/debug-report.ts";
import type { CallRenderLabels } from "../element/words.ts";
import { LazyModule } from "../element/lazy.ts";
import type { EngineHost, EnginePort } from "../element/engine.ts";
import { resolveSignalingUrl } from "../element/signaling-url.ts";
import type {
  PrecheckController,
  PrecheckOptions,
  PrecheckResult,
} from "../precheck/precheck-controller.ts";

export class SupportTools {
  readonly #port: EnginePort;
  readonly #host: EngineHost;
  readonly #engine: CallEngine;
  readonly #precheckModule: LazyModule<typeof import("../precheck/precheck-controller.ts")>;
  readonly #debugModule: LazyModule<typeof import("../debug/debug-report.ts")>;
  #precheck: PrecheckController | null = null;
  #debugPanel: DebugPanel | null = null;

  constructor(port: EnginePort, engine: CallEngine) {
    const host = port.host;
    this.#port = port;
    this.#host = host;
    this.#engine = engine;
    this.#precheckModule = new LazyModule(
      host,
      () => import("../precheck/precheck-controller.ts"),
      (module) => engine.addStyles(module.styles),
    );
    this.#debugModule = new LazyModule(
      host,
      () => import("../debug/debug-report.ts"),
      (module) => engine.addStyles(module.styles),
    );
  }

  get precheckOpen(): boolean {
    return this.#precheck !== null;
  }

  get debugReportOpen(): boolean {
    return this.#debugPanel !== null;
  }

  /** See `P2pCall.precheck`. */
  async precheck(options: PrecheckOptions): Promise<PrecheckResult> {
    const host = this.#host;
    const inCall = () => {
      if (isInCall(this.#engine.session.state)) {
        throw new DOMException("A call is in progress.", "InvalidStateError");
      }
    };
    inCall();
    const module = await this.#precheckModule.load();
    inCall();
    const media = this.#engine.media;
    this.#precheck ??= new module.PrecheckController(host, {
      open: (request) => media.open(request),
      signalingStatus: () => this.#port.signaling.status,
      iceServers: () => this.#engine.rtcConfiguration().iceServers ?? [],
      onDevicesChanged: () => void media.refreshDevices(),
      onClose: () => this.closePrecheck(),
      labels: () => this.#port.words,
    });
    return this.#precheck.start(options);
  }

  /** Runs an open check again, e.g. with the camera or microphone just picked. */
  restartPrecheck(): void {
    if (this.#precheck) void this.#precheck.start();
  }

  /** See `P2pCall.closePrecheck`. */
  closePrecheck(): void {
    const precheck = this.#precheck;
    if (!precheck) return;
    this.#precheck = null;
    precheck.stop();
    this.#host.removeController(precheck);
    this.#host.requestUpdate();
  }

  /** The check's button: opens it, or closes it if open. */
  togglePrecheck(): void {
    if (this.#precheck) this.closePrecheck();
    else {
      void this.precheck({}).catch((error: unknown) =>
        this.#port.report("signaling", "The check could not be loaded.", error)
      );
    }
  }

  /** The debug report's button: shows the report and copies it, or closes it if shown. */
  async toggleDebugReport(): Promise<void> {
    const host = this.#host;
    if (this.#debugPanel) {
      this.#debugPanel = null;
      host.requestUpdate();
      return;
    }
    try {
      const module = await this.#debugModule.load();
      const text = await module.buildDebugReport(this.#debugSnapshot());
      const panel = new module.DebugPanel(host, text, () => {
        this.#debugPanel = null;
        host.requestUpdate();
      });
      this.#debugPanel = panel;
      host.requestUpdate();
      await panel.copy();
    } catch (error) {
      this.#port.report("signaling", "The debug report could not be loaded.", error);
    }
  }

  /** See `P2pCall.debugReport`. */
  async debugReport(): Promise<string> {
    const module = await this.#debugModule.load();
    return module.buildDebugReport(this.#debugSnapshot());
  }

  /** Closes both panels (the element left the page). */
  close(): void {
    this.closePrecheck();
    this.#debugPanel = null;
  }

  /** The buttons of the element's tools row (no pre-call check during a call: it holds the camera). */
  renderButtons(text: CallRenderLabels): TemplateResult {
    return html`
      ${isInCall(this.#engine.session.state) ? nothing : html`
        <button
          part="precheck-button"
          aria-expanded=${this.precheckOpen ? "true" : "false"}
          @click=${() => this.togglePrecheck()}
        >${text.precheck}</button>
      `}
      <button
        part="debug-button"
        aria-expanded=${this.debugReportOpen ? "true" : "false"}
        @click=${() => void this.toggleDebugReport()}
      >${text.debugReport}</button>
    `;
  }

  /** The open panels. */
  render(): TemplateResult {
    return html`${this.#precheck?.render()}${this.#debugPanel?.render(this.#port.words)}`;
  }

  #debugSnapshot(): DebugSnapshot {
    const port = this.#port;
    const call = this.#engine.snapshot;
    const configuration = this.#engine.rtcConfiguration();
    return {
      state: call.state,
      endReason: call.endReason,
      signalingStatus: port.signaling.status,
      signalingUrl: resolveSignalingUrl(port.attributes.signaling, location.href),
      registered: port.signaling.registeredName !== null,
      peerConnection: call.peerConnection,
      localStream: call.localStream,
      remoteStream: call.remoteStream,
      iceServers: configuration.iceServers ?? [],
      iceTransportPolicy: configuration.iceTransportPolicy ?? "all",
      playbackBlocked: call.playbackBlocked,
      devices: this.#engine.media.devices,
      log: port.diagnostics.entries,
    };
  }
}
