/**
 * The one place for words. Each chunk declares its English in one table
 * (this one for the element; call/call-labels.ts, in-call/, precheck/ and
 * debug/ for theirs), each other language is one table of every word
 * (i18n/ko.ts), and `Words` is the one lookup: the current language's table
 * with the page's `labels` over it, and under both a chunk's English (`of`).
 *
 * `{name}`, `{count}`, `{level}` … are placeholders filled in by
 * `formatLabel`, so a translation may move them where its grammar wants them.
 */
import type { ReactiveController, ReactiveControllerHost } from "lit";
import type { SignalingStatus } from "../api/events.ts";
import type { englishCallLabels } from "../call/call-labels.ts";
import type { englishQualityLabels } from "../in-call/quality-panel.ts";
import type { englishViewLabels } from "../in-call/view-controls.ts";
import type { englishPrecheckLabels } from "../precheck/precheck-labels.ts";
import type { englishDebugLabels } from "../debug/debug-report.ts";

/** The element's words in English: what shows before the call engine has loaded. */
export const englishLabels = {
  title: "Video call",
  you: "You:",
  serviceOffline: "Call service: offline",
  serviceConnecting: "Call service: connecting",
  serviceOnline: "Call service: online",
  serviceReconnecting: "Call service: reconnecting",
  nameLabel: "Your name",
  join: "Join",
  roomHeading: "In this room",
  emptyRoom: "No one else is here yet.",
  call: "Call",
  callUser: "Call {name}",
  // The status line without a call.
  lobbyOffline: "Offline.",
  lobbyConnecting: "Connecting to the call service…",
  lobbyReconnecting: "Call service unreachable. Reconnecting…",
  lobbyReady: "Ready. Choose someone to call.",
  lobbyNoName: "Enter your name to join.",
};

type Table<T> = { [K in keyof T]: string };

/** The labels of the lazily loaded panels (quality, video buttons, pre-call check, debug report). */
export type P2pCallPanelLabels = Table<
  & typeof englishQualityLabels
  & typeof englishViewLabels
  & typeof englishPrecheckLabels
  & typeof englishDebugLabels
>;

/** The labels of what only a call shows (call-labels.ts). */
export type CallLabels = Table<typeof englishCallLabels>;

/** Every label of the element; `labels` takes any subset of it. */
export type P2pCallLabels = Table<typeof englishLabels> & CallLabels & P2pCallPanelLabels;

/**
 * What the element renders with: every label of the element, and the call's
 * and panels' labels the language or the page gave (`of` adds their English).
 */
export type RenderLabels = Table<typeof englishLabels> & Partial<CallLabels & P2pCallPanelLabels>;

/** What the call engine renders with: the call's labels are all there. */
export type CallRenderLabels = RenderLabels & CallLabels;

/** Fills `{placeholder}`s; an unknown placeholder stays as written. */
export function formatLabel(template: string, values: Record<string, string | number>): string {
  return template.replace(
    /\{(\w+)\}/g,
    (match, key: string) => key in values ? String(values[key]) : match,
  );
}

/** The status line without a call; `name`: own registered name, `null` while there is none. */
export function describeLobby(
  status: SignalingStatus,
  name: string | null,
  text: Table<typeof englishLabels>,
): string {
  return {
    offline: text.lobbyOffline,
    connecting: text.lobbyConnecting,
    reconnecting: text.lobbyReconnecting,
    online: name ? text.lobbyReady : text.lobbyNoName,
  }[status];
}

/** Languages with a built-in table; anything else falls back to English. */
export type LabelLanguage = "en" | "ko";

/** `ko`, `ko-KR`, `KO` → `ko`; everything else (including none) → `en`. */
export function labelLanguage(lang: string | null | undefined): LabelLanguage {
  return lang?.trim().toLowerCase().split(/[-_]/)[0] === "ko" ? "ko" : "en";
}

/** A language module (i18n/ko.ts is one): every word of the element. */
export interface LanguagePack {
  labels: P2pCallLabels;
}

type OtherLanguage = Exclude<LabelLanguage, "en">;

/** Non-English tables are separate chunks: a page only downloads the language it uses. */
const loaders: Record<OtherLanguage, () => Promise<LanguagePack>> = {
  ko: () => import("../i18n/ko.ts"),
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
 * The element's words, a reactive controller: follows the `lang` attribute
 * of the element and of the document's elements (a page may switch language
 * at any time), loads that language's table on first use, and merges. In
 * the element's chunk, so the first render can wait for the language
 * (`ready`); after that, while a table loads, the element goes on in the
 * language it shows (every label has an English value).
 */
export class Words implements ReactiveController {
  /** Settles once the table asked for is on show, or failed to load (English stays then). */
  ready: Promise<unknown> = Promise.resolve();

  readonly #host: ReactiveControllerHost & Element;
  readonly #overrides: () => Partial<P2pCallLabels> | null | undefined;
  readonly #observer = new MutationObserver(() => this.#resolve());
  /** The language whose table is asked for (it may still be loading). */
  #language: LabelLanguage = "en";
  /** Each language's table, loading or loaded; a failed load is tried again on the next change. */
  readonly #packs: Partial<Record<OtherLanguage, Promise<LanguagePack>>> = {};
  /** The table on show; `null`: English. */
  #pack: LanguagePack | null = null;

  constructor(
    host: ReactiveControllerHost & Element,
    overrides: () => Partial<P2pCallLabels> | null | undefined,
  ) {
    this.#host = host;
    this.#overrides = overrides;
    host.addController(this);
  }

  hostConnected(): void {
    const options = { attributeFilter: ["lang"] };
    // The document for ancestors, the host itself for when it sits in another
    // component's shadow root (which the document's subtree does not include).
    this.#observer.observe(document.documentElement, { ...options, subtree: true });
    this.#observer.observe(this.#host, options);
    this.#resolve();
  }

  hostDisconnected(): void {
    this.#observer.disconnect();
  }

  #resolve(): void {
    const language = this.#language = labelLanguage(nearestLang(this.#host));
    if (language === "en") return this.#show(null);
    const packs = this.#packs;
    this.ready = (packs[language] ??= loaders[language]()).then(
      (pack) => this.#language === language && this.#show(pack),
      // The current table stays in place: every label has an English value.
      () => delete packs[language],
    );
  }

  #show(pack: LanguagePack | null): void {
    if (pack === this.#pack) return;
    this.#pack = pack;
    this.#host.requestUpdate();
  }

  /** The labels to render: the page's overrides over the current language's table. */
  get labels(): RenderLabels {
    return this.of(englishLabels);
  }

  /**
   * The labels to render with `english`, a chunk's English words, under them.
   * (A merge of some hundred keys per render: cheaper than keeping them fresh.)
   */
  of<T extends Record<string, string>>(english: T): RenderLabels & Table<T> {
    const merged: Record<string, string> = { ...englishLabels, ...english, ...this.#pack?.labels };
    for (const [key, value] of Object.entries(this.#overrides() ?? {})) {
      // Only text: a stray `undefined` must not blank a button. (Panel keys
      // are not in the element's English table, so keys are not checked here.)
      if (typeof value === "string") merged[key] = value;
    }
    return merged as RenderLabels & Table<T>;
  }
}
