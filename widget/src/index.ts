/**
 * Bundle entry (dist/p2p-call.js): defines `<p2p-call>` and exports the
 * public types.
 *
 * Lit's browser build extends `HTMLElement` at load time, so the element
 * module is only imported where the DOM exists; importing this bundle in
 * Deno or Node (e.g. for the event classes or types) does not throw.
 */
export type { P2pCall } from "./element/p2p-call.ts";
export type { AcceptOptions } from "./call/call-controller.ts";
export { CallState, type EndReason } from "./api/call-state.ts";
export {
  P2pCallEndedEvent,
  type P2pCallEventMap,
  P2pChatMessageEvent,
  P2pErrorEvent,
  type P2pErrorKind,
  P2pIncomingCallEvent,
  P2pQualityEvent,
  P2pSignalingChangeEvent,
  P2pStateChangeEvent,
  P2pUserListEvent,
  type SignalingStatus,
} from "./api/events.ts";
export type { HangUpReason, IceServer } from "./element/protocol.ts";
export type { P2pCallLabels } from "./element/words.ts";
export type { QualityLevel, QualitySample } from "./in-call/quality-stats.ts";

if (typeof customElements !== "undefined" && typeof HTMLElement !== "undefined") {
  await import("./element/p2p-call.ts");
}
