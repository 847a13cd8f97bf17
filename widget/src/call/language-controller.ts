import type { ReactiveController, ReactiveControllerHost } from "lit";
import type { ElementLabels, LanguagePack } from "../element/element-labels.ts";

/** Languages with a built-in table; anything else falls back to English. */
export type LabelLanguage = "en" | "ko";

/** `ko`, `ko-KR`, `KO` → `ko`; everything else (including none) → `en`. */
export function labelLanguage(lang: string | null | undefined): LabelLanguage {
  return lang?.trim().toLowerCase().split(/[-_]/)[0] === "ko" ? "ko" : "en";
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
 * Owns the element's language: follows the `lang` attribute of the element
 * and of the document's elements (a page may switch language at any time)
 * and loads that language's module on first use. Until it has loaded, the
 * element goes on in the language it shows (English at first: every label
 * has an English value).
 */
export class LanguageController implements ReactiveController {
  /** The language whose table is asked for (it may still be loading). */
  language: LabelLanguage = "en";

  readonly #host: ReactiveControllerHost & Element;
  readonly #labels: ElementLabels;
  readonly #packs: Partial<Record<OtherLanguage, LanguagePack>> = {};
  readonly #loading = new Set<OtherLanguage>();
  #observer: MutationObserver | null = null;
  /** The table on show; `null`: English. */
  #shown: LanguagePack | null = null;

  constructor(host: ReactiveControllerHost & Element, labels: ElementLabels) {
    this.#host = host;
    this.#labels = labels;
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

  #resolve(): void {
    const language = labelLanguage(nearestLang(this.#host));
    this.language = language;
    if (language === "en") this.#show(null);
    else if (this.#packs[language]) this.#show(this.#packs[language]);
    else if (!this.#loading.has(language)) {
      // A failed load is tried again on the next change of a `lang`.
      this.#loading.add(language);
      loaders[language]().then(
        (pack) => {
          this.#packs[language] = pack;
          if (this.language === language) this.#show(pack);
        },
        // The current table stays in place: every label has an English value.
        () => {},
      ).finally(() => this.#loading.delete(language));
    }
  }

  #show(pack: LanguagePack | null): void {
    if (pack === this.#shown) return;
    this.#shown = pack;
    this.#labels.use(pack);
    this.#host.requestUpdate();
  }
}
