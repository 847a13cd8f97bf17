/**
 * The debug report a user can copy into a support request: browser, call and
 * signaling state, the selected ICE candidate pair type, media and recent
 * errors. Never SDP, ICE candidates (they hold IP addresses) or credentials
 * (TURN passwords, tokens in URLs): everything that comes from outside the
 * element's own sentences goes through `redact()`.
 *
 * A loaded-on-demand chunk, like the pre-call check.
 */
import { css, html, type ReactiveControllerHost, type TemplateResult } from "lit";
import type { CallState, EndReason } from "../api/call-state.ts";
import type { DiagnosticEntry } from "../element/diagnostics-log.ts";
import type { Words } from "../element/words.ts";
import type { SignalingStatus } from "../api/events.ts";
import { hasWebRTC } from "../element/webrtc-support.ts";

/** What the report is made of, as the element sees it now. */
export interface DebugSnapshot {
  state: CallState;
  endReason: EndReason | null;
  signalingStatus: SignalingStatus;
  signalingUrl: string | null;
  registered: boolean;
  peerConnection: RTCPeerConnection | null;
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
  iceServers: readonly RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  playbackBlocked: boolean;
  devices: readonly MediaDeviceInfo[];
  log: readonly DiagnosticEntry[];
}

const MAX_ENTRY_LENGTH = 300;

const QUOTED = String.raw`"(?:[^"\\]|\\.)*"`;
const SECRET_KEYS = "credential|password|passwd|username|token|secret|ice-pwd|ice-ufrag";

/**
 * Removes what must not leave the browser from a line of text: SDP (JSON
 * `sdp` values and raw `x=` lines), ICE candidates, and credentials as JSON
 * fields or URL parameters; long text is cut.
 */
export function redact(text: string): string {
  const cleaned = text
    .replace(new RegExp(String.raw`"(sdp|candidate)"\s*:\s*${QUOTED}`, "g"), '"$1":"[removed]"')
    .replace(new RegExp(String.raw`"(${SECRET_KEYS})"\s*:\s*${QUOTED}`, "gi"), '"$1":"[removed]"')
    .replace(new RegExp(String.raw`\b(${SECRET_KEYS})=[^&\s"]*`, "gi"), "$1=[removed]")
    // SDP as plain text: a description starts with "v=0"; its lines are "x=…",
    // with real or escaped line breaks.
    .replace(/\bv=0\b[\s\S]*/, "[sdp removed]")
    .replace(/(?:\\r)?\\n[a-z]=[^\\]*/g, "")
    .split(/\r?\n/)
    .map((line) => /^\s*[a-z]=/.test(line) ? "[sdp removed]" : line)
    .join(" ")
    .replace(/(?:\[sdp removed\] ?){2,}/g, "[sdp removed] ")
    .replace(/\bcandidate:\S+(?: \S+)*/g, "[candidate removed]");
  return cleaned.length > MAX_ENTRY_LENGTH ? `${cleaned.slice(0, MAX_ENTRY_LENGTH)}…` : cleaned;
}

/** A URL without user info, query or fragment (tokens live there). */
export function safeUrl(url: string | null): string {
  if (!url) return "none";
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${
      parsed.search ? " (query hidden)" : ""
    }`;
  } catch {
    return "(not a valid URL)";
  }
}

/** The type of the selected ICE candidate pair, e.g. "host ↔ srflx over udp", from getStats(). */
export async function selectedCandidatePair(pc: RTCPeerConnection): Promise<string | null> {
  const stats = await pc.getStats();
  let pair: RTCIceCandidatePairStats | undefined;
  stats.forEach((report: { type: string; selectedCandidatePairId?: string }) => {
    if (report.type === "transport" && report.selectedCandidatePairId) {
      pair ??= stats.get(report.selectedCandidatePairId);
    }
  });
  // Firefox has no transport stats: the nominated, succeeded pair is the selected one.
  stats.forEach((report: RTCIceCandidatePairStats) => {
    if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") {
      pair ??= report;
    }
  });
  if (!pair) return null;
  type Candidate = { candidateType?: string; protocol?: string; relayProtocol?: string };
  const local: Candidate | undefined = stats.get(pair.localCandidateId);
  const remote: Candidate | undefined = stats.get(pair.remoteCandidateId);
  const relay = local?.relayProtocol ? `, relayed over ${local.relayProtocol}` : "";
  const rtt = pair.currentRoundTripTime === undefined
    ? ""
    : `, round trip ${Math.round(pair.currentRoundTripTime * 1000)} ms`;
  return `${local?.candidateType ?? "?"} ↔ ${remote?.candidateType ?? "?"} over ${
    local?.protocol ?? "?"
  }${relay}${rtt}`;
}

const describeTracks = (stream: MediaStream | null): string =>
  stream?.getTracks().map((track) =>
    `${track.kind} ${track.readyState}${track.enabled ? "" : " disabled"}${
      track.muted ? " (no data)" : ""
    }${track.label ? ` "${redact(track.label)}"` : ""}`
  ).join("; ") || "none";

function describeServers(servers: readonly RTCIceServer[], policy: string): string {
  const urls = servers.flatMap((server) =>
    Array.isArray(server.urls) ? server.urls : [server.urls]
  );
  if (urls.length === 0) return `none (transport policy ${policy})`;
  const withCredentials = servers.some((server) => server.username || server.credential);
  return `${urls.map((url) => redact(url.split("?")[0] ?? "")).join(", ")}${
    withCredentials ? " (credentials not shown)" : ""
  }; transport policy ${policy}`;
}

function countDevices(devices: readonly MediaDeviceInfo[]): string {
  const count = (kind: MediaDeviceKind) => devices.filter((device) => device.kind === kind).length;
  return devices.length === 0
    ? "not listed yet"
    : `${count("videoinput")} camera(s), ${count("audioinput")} microphone(s), ${
      count("audiooutput")
    } speaker(s)`;
}

/** The report as plain text. */
export async function buildDebugReport(snapshot: DebugSnapshot): Promise<string> {
  const pc = snapshot.peerConnection;
  let pair: string | null = null;
  if (pc) {
    try {
      pair = await selectedCandidatePair(pc);
    } catch {
      pair = "(statistics unavailable)";
    }
  }
  const time = (entry: DiagnosticEntry) => new Date(entry.time).toISOString().slice(11, 23);
  return [
    "p2p-call debug report",
    `Generated: ${new Date().toISOString()}`,
    `Browser: ${navigator.userAgent}`,
    `Page: ${location.origin}`,
    `Call state: ${snapshot.state}${
      snapshot.endReason ? ` (last call ended: ${snapshot.endReason})` : ""
    }`,
    `Signaling: ${snapshot.signalingStatus}, ${safeUrl(snapshot.signalingUrl)}, ${
      snapshot.registered ? "registered" : "not registered"
    }`,
    `Peer connection: ${
      pc
        ? `connection ${pc.connectionState}, ICE ${pc.iceConnectionState}, signaling ${pc.signalingState}, gathering ${pc.iceGatheringState}`
        : hasWebRTC
        ? "none"
        : "not available (this browser has no WebRTC)"
    }`,
    `Selected candidate pair: ${pair ?? "none"}`,
    `ICE servers: ${describeServers(snapshot.iceServers, snapshot.iceTransportPolicy)}`,
    `Local media: ${describeTracks(snapshot.localStream)}`,
    `Remote media: ${describeTracks(snapshot.remoteStream)}`,
    `Sound: ${snapshot.playbackBlocked ? "blocked by the autoplay policy" : "not blocked"}`,
    `Devices: ${countDevices(snapshot.devices)}`,
    "Recent events (oldest first):",
    ...(snapshot.log.length === 0
      ? ["  none"]
      : snapshot.log.map((entry) => `  ${time(entry)} ${entry.kind}: ${redact(entry.text)}`)),
  ].join("\n");
}

export const styles = css`
  .debug-panel {
    display: grid;
    gap: 6px;
  }

  .debug-panel textarea {
    width: 100%;
    max-width: none;
    min-height: 12em;
    font: 0.8em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    white-space: pre;
    resize: vertical;
  }

  .debug-status {
    margin: 0;
    color: var(--_text-muted);
    font-size: 0.9em;
  }

  .debug-actions {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
  }
`;

/**
 * The panel's words in English, under the language's table (element/words.ts).
 * The report itself stays in English: it is for whoever gives support.
 */
export const englishDebugLabels = {
  debugPanel: "Debug report",
  debugReportLabel: "Debug report (no call content, no passwords)",
  debugCopy: "Copy",
  debugClose: "Close",
  debugCopied: "Copied to the clipboard.",
  debugCopyByHand: "Select the text and copy it (Ctrl+C, or ⌘C on a Mac).",
};

/** The report in a read-only text area, with Copy (to the clipboard where allowed) and Close. */
export class DebugPanel {
  /** Whether the last copy worked; `null` before the first copy. */
  copied: boolean | null = null;

  readonly #host: ReactiveControllerHost;
  readonly #onClose: () => void;

  constructor(host: ReactiveControllerHost, readonly text: string, onClose: () => void) {
    this.#host = host;
    this.#onClose = onClose;
  }

  /** Copies the report; where the clipboard is not available the user selects and copies. */
  async copy(): Promise<boolean> {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(this.text);
      this.copied = true;
    } catch {
      this.copied = false;
    } finally {
      this.#host.requestUpdate();
    }
    return this.copied;
  }

  render(labels: Pick<Words, "of">): TemplateResult {
    const words = labels.of(englishDebugLabels);
    const status = this.copied === null
      ? ""
      : this.copied
      ? words.debugCopied
      : words.debugCopyByHand;
    return html`
      <div part="debug-panel" class="debug-panel" role="region" aria-label=${words.debugPanel}>
        <label>${words.debugReportLabel}
          <textarea
            part="debug-report"
            readonly
            spellcheck="false"
            rows="12"
            .value=${this.text}
            @focus=${(event: FocusEvent) => (event.target as HTMLTextAreaElement).select()}
          ></textarea>
        </label>
        <p class="debug-status" role="status">${status}</p>
        <div class="debug-actions">
          <button part="debug-copy-button" @click=${() => void this.copy()}>${words
            .debugCopy}</button>
          <button part="debug-close-button" @click=${this.#onClose}>${words.debugClose}</button>
        </div>
      </div>
    `;
  }
}
