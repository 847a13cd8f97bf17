/** One line of the element's recent history, for the debug report. */
export interface DiagnosticEntry {
  /** `Date.now()` when it happened. */
  time: number;
  kind: "error" | "state" | "signaling" | "media";
  text: string;
}

/** Enough history to see how a call went wrong, little enough to paste into a chat. */
const CAPACITY = 40;

/**
 * A ring buffer of the element's recent errors and state changes, fed by the
 * element's own events (so no controller needs to know about it). The debug
 * report (debug-report.ts) reads it; nothing here is sent anywhere.
 */
export class DiagnosticsLog {
  readonly #entries: DiagnosticEntry[] = [];

  constructor(element: HTMLElement) {
    element.addEventListener("p2p-error", (event) => {
      this.add("error", `${event.kind}: ${event.message}`);
    });
    element.addEventListener("p2p-state-change", (event) => {
      this.add("state", `${event.previous} → ${event.state}`);
    });
    element.addEventListener(
      "p2p-signaling-change",
      (event) => this.add("signaling", event.status),
    );
  }

  add(kind: DiagnosticEntry["kind"], text: string): void {
    this.#entries.push({ time: Date.now(), kind, text });
    if (this.#entries.length > CAPACITY) this.#entries.shift();
  }

  /** Oldest first. */
  get entries(): readonly DiagnosticEntry[] {
    return this.#entries;
  }
}
