/**
 * The seam between the element (this chunk) and the call engine (call/, a
 * chunk of its own, loaded right after the first render): what each side
 * sees of the other. Types only, so it costs the first chunk nothing.
 */
import type { ReactiveController, ReactiveControllerHost, TemplateResult } from "lit";
import type { CallState, EndReason } from "../api/call-state.ts";
import type { P2pErrorKind } from "../api/events.ts";
import type { AcceptOptions } from "../call/call-controller.ts";
import type { QualitySample } from "../in-call/quality-stats.ts";
import type { PrecheckOptions, PrecheckResult } from "../precheck/precheck-controller.ts";
import type { DiagnosticsLog } from "./diagnostics-log.ts";
import type { Words } from "./words.ts";
import type { ErrorMessage, UncheckedRelay } from "./protocol.ts";
import type { SignalingController } from "./signaling-controller.ts";

/** The element's attributes the engine follows (read at each use). */
export interface EngineAttributes {
  readonly signaling: string | null;
  readonly iceServers: RTCIceServer[] | null | undefined;
  readonly iceTransportPolicy: RTCIceTransportPolicy;
  readonly autoAnswer: boolean;
  readonly ringTimeout: number;
  muted: boolean;
  cameraOff: boolean;
}

/** The element as Lit's controller host: the engine and its controllers register with it. */
export interface EngineHost extends ReactiveControllerHost {
  readonly renderRoot: HTMLElement | DocumentFragment;
  dispatchEvent(event: Event): boolean;
}

/**
 * What the engine sees of the element: the controller host (so Lit drives
 * the engine's lifecycle), the attributes, and the element's services.
 */
export interface EnginePort {
  readonly host: EngineHost;
  readonly attributes: EngineAttributes;
  readonly signaling: SignalingController;
  /** The words to render with, in the element's language (one merge for every chunk). */
  readonly words: Words;
  report(kind: P2pErrorKind, message: string, cause?: unknown): void;
  /** A frame from the service that does not follow the protocol. */
  reportProtocolError(problem: string): void;
  /** Runs a UI action; a rejection becomes a `p2p-error`. */
  run(action: () => Promise<void>): void;
  /** The element's recent history, for the debug report. */
  readonly diagnostics: Pick<DiagnosticsLog, "add" | "entries">;
}

/** The engine's read-only state, for rendering and the element's getters. */
export interface EngineSnapshot {
  readonly state: CallState;
  readonly peer: string | null;
  readonly endReason: EndReason | null;
  /** The status line of the current or last call; `null`: no call yet (the lobby's line). */
  readonly status: string | null;
  readonly localStream: MediaStream | null;
  readonly remoteStream: MediaStream | null;
  readonly peerConnection: RTCPeerConnection | null;
  readonly quality: QualitySample | null;
  readonly sharingScreen: boolean;
  readonly playbackBlocked: boolean;
}

/** A message from the service for the call (the element keeps the room list). */
export type EngineMessage =
  | { type: "relay"; relay: UncheckedRelay }
  | { type: "users"; users: readonly string[] }
  | { type: "service-error"; error: ErrorMessage }
  | { type: "resumed"; ok: boolean };

/** What the element sees of the engine: a snapshot, commands, one inbound entry, two regions. */
export interface Engine extends ReactiveController {
  readonly snapshot: EngineSnapshot;
  receive(message: EngineMessage): void;

  call(name: string): Promise<void>;
  accept(options: AcceptOptions): Promise<void>;
  decline(): void;
  hangUp(): void;
  /** Hangs up while the socket is still open and closes the panels: the element leaves the page. */
  leave(): void;
  shareScreen(): Promise<boolean>;
  stopScreenShare(): Promise<void>;
  sendMessage(text: string): boolean;
  resumePlayback(): Promise<void>;
  precheck(options: PrecheckOptions): Promise<PrecheckResult>;
  closePrecheck(): void;
  debugReport(): Promise<string>;

  /** The stage, the status bar (with `status`, the element's status line) and the call's controls. */
  renderCall(status: TemplateResult): TemplateResult;
  /** The tools row (pre-call check, debug report) and their open panels. */
  renderTools(): TemplateResult;
}

/** The engine chunk's export. */
export type EngineFactory = (port: EnginePort) => Engine;
