import type { ReactiveController, ReactiveControllerHost } from "lit";
import {
  englishLabels,
  type LabelLanguage,
  labelLanguage,
  type P2pCallLabels,
  type RenderLabels,
} from "../labels.ts";
import type { SignalingStatus } from "../events.ts";
import { describeLobby } from "../lobby-text.ts";
import type { CallSummary } from "../status-text.ts";

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

type OtherLanguage = Exclude<LabelLanguage, "en">;

/** Non-English tables are separate chunks: a page only downloads the language it uses. */
const loaders: Record<OtherLanguage, () => Promise<LanguagePack>> = {
  ko: () => import("../labels-ko.ts"),
};

/** `lang` of the element or its nearest ancestor, across shadow roots (like `:lang()`). */
function nearestLang(element: Element): string | null {
  let node: Element | null = element;
  while (node) {
    const holder = node.closest("[lang]");
    if (holder) return holder.getAttribute("lang");
    const root = node.getRootNode();
    node = root instanceof ShadowRoot ? root.host : null;
  }
  return null;
}

/**
 * Owns the element's language: follows the `lang` attribute of the element
 * and of the document's elements (a page may switch language at any time),
 * loads that language's module on first use, and merges the page's `labels`
 * over its table. Until a module has loaded, English is shown.
 */
export class LabelsController implements ReactiveController {
  /** The language whose table is asked for (it may still be loading). */
  language: LabelLanguage = "en";

  readonly #host: ReactiveControllerHost & Element;
  readonly #overrides: () => Partial<P2pCallLabels> | null | undefined;
  readonly #packs: Partial<Record<OtherLanguage, LanguagePack>> = {};
  readonly #loading = new Set<OtherLanguage>();
  #observer: MutationObserver | null = null;

  constructor(
    host: ReactiveControllerHost & Element,
    overrides: () => Partial<P2pCallLabels> | null | undefined,
  ) {
    this.#host = host;
    this.#overrides = overrides;
    host.addController(this);
  }

  hostConnected(): void {
    this.#observer = new MutationObserver(() => this.#resolve());
    const options = { attributes: true, attributeFilter: ["lang"] };
    // The document for ancestors, the host itself for when it sits in another
    // component's shadow root (which the document's subtree does not include).
    this.#observer.observe(document.documentElement, { ...options, subtree: true });
    this.#observer.observe(this.#host, options);
    this.#resolve();
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
    this.#observer = null;
  }

  /** The labels to render: the page's overrides over the current language's table. */
  get labels(): RenderLabels {
    const table = this.#pack().labels;
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
    return this.#pack().describeLobby(signaling, name);
  }

  /**
   * The status line during and after a call, in the current language;
   * `describeInEnglish` is the call engine's (status-text.ts).
   */
  describeCall(call: CallSummary, describeInEnglish: (call: CallSummary) => string): string {
    return (this.#pack().describeCall ?? describeInEnglish)(call);
  }

  #pack(): typeof english & Partial<LanguagePack> {
    return (this.language !== "en" && this.#packs[this.language]) || english;
  }

  #resolve(): void {
    const language = labelLanguage(nearestLang(this.#host));
    if (language !== this.language) {
      this.language = language;
      this.#host.requestUpdate();
    }
    if (language === "en" || this.#packs[language] || this.#loading.has(language)) return;
    this.#loading.add(language);
    loaders[language]().then(
      (pack) => {
        this.#packs[language] = pack;
        this.#host.requestUpdate();
      },
      // English stays in place: every label has an English value.
      () => {},
    ).finally(() => this.#loading.delete(language));
  }
}
