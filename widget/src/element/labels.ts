/**
 * The words of the element's controls. English ships in the core bundle for
 * what shows without a call; the call's words come with the call engine
 * (call-labels.ts) and the lazily loaded panels' with each panel;
 * other languages are separate modules loaded when `lang` asks for them
 * (see controllers/language-controller.ts). A page replaces any of them with
 * the `labels` property, merged over the table of the current language.
 *
 * `{name}`, `{count}`, `{level}` are placeholders filled in by `formatLabel`,
 * so a translation may move them where its grammar wants them.
 */
import type { englishCallLabels } from "../call/call-labels.ts";
import type { englishChatLabels } from "../call/chat-panel.ts";
import type { englishQualityLabels } from "../in-call/quality-panel.ts";
import type { englishViewLabels } from "../in-call/view-controls.ts";
import type { englishPrecheckLabels } from "../precheck/precheck-labels.ts";
import type { englishDebugLabels } from "../debug/debug-report.ts";

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
};

type Words<T> = { [K in keyof T]: string };

/** The labels of the lazily loaded panels (chat, quality, video buttons, pre-call check, debug report). */
export type P2pCallPanelLabels = Words<
  & typeof englishChatLabels
  & typeof englishQualityLabels
  & typeof englishViewLabels
  & typeof englishPrecheckLabels
  & typeof englishDebugLabels
>;

/** The labels of what only a call shows (call-labels.ts). */
export type CallLabels = Words<typeof englishCallLabels>;

/** Every label of the element; `labels` takes any subset of it. */
export type P2pCallLabels = Words<typeof englishLabels> & CallLabels & P2pCallPanelLabels;

/**
 * What the element renders with: every label of the core, and the call and
 * panel labels the language or the page gave (the call engine and each panel
 * fill the rest with their English).
 */
export type RenderLabels = Words<typeof englishLabels> & Partial<CallLabels & P2pCallPanelLabels>;

/** What the call engine and the panels render with: the call's labels are all there. */
export type CallRenderLabels = RenderLabels & CallLabels;

/** Fills `{placeholder}`s; an unknown placeholder stays as written. */
export function formatLabel(template: string, values: Record<string, string | number>): string {
  return template.replace(
    /\{(\w+)\}/g,
    (match, key: string) => key in values ? String(values[key]) : match,
  );
}
