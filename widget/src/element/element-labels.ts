/**
 * The words the element renders with: the table of the current language
 * (English until the language controller, which comes with the call engine,
 * has loaded another) with the page's `labels` merged over it.
 */
import type { SignalingStatus } from "../api/events.ts";
import { englishLabels, type P2pCallLabels, type RenderLabels } from "./labels.ts";
import { describeLobby } from "./lobby-text.ts";
import type { CallSummary } from "../call/status-text.ts";

/** What a language module provides (labels-ko.ts is one). */
export interface LanguagePack {
  labels: RenderLabels;
  /** The status line without a call. */
  describeLobby(signaling: SignalingStatus, name: string | null): string;
  /** The status line during and after a call. */
  describeCall(call: CallSummary): string;
}

/** English but its call sentences, which come with the call engine (status-text.ts). */
const english = { labels: englishLabels, describeLobby };

export class ElementLabels {
  readonly #overrides: () => Partial<P2pCallLabels> | null | undefined;
  #pack: LanguagePack | null = null;

  constructor(overrides: () => Partial<P2pCallLabels> | null | undefined) {
    this.#overrides = overrides;
  }

  /** Renders in `pack`'s language from now on; `null`: English. */
  use(pack: LanguagePack | null): void {
    this.#pack = pack;
  }

  /** The labels to render: the page's overrides over the current language's table. */
  get labels(): RenderLabels {
    const table = (this.#pack ?? english).labels;
    const overrides = this.#overrides();
    if (!overrides) return table;
    const merged: Record<string, string> = { ...table };
    for (const [key, value] of Object.entries(overrides)) {
      // Only text: a stray `undefined` must not blank a button. (Panel keys
      // are not in the core's English table, so keys are not checked here.)
      if (typeof value === "string") merged[key] = value;
    }
    return merged as RenderLabels;
  }

  /** The status line without a call, in the current language. */
  describeLobby(signaling: SignalingStatus, name: string | null): string {
    return (this.#pack ?? english).describeLobby(signaling, name);
  }

  /**
   * The status line during and after a call, in the current language;
   * `describeInEnglish` is the call engine's (status-text.ts).
   */
  describeCall(call: CallSummary, describeInEnglish: (call: CallSummary) => string): string {
    return (this.#pack?.describeCall ?? describeInEnglish)(call);
  }
}
