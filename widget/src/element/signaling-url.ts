/**
 * Resolves the `signaling` attribute to a WebSocket URL. Without a value the
 * element uses `/ws` on the page's own origin; relative and http(s) URLs are
 * accepted too and get the matching ws/wss scheme.
 */
export function resolveSignalingUrl(value: string | null | undefined, base: string): string {
  const url = new URL(value || "/ws", base);
  if (url.protocol === "http:") url.protocol = "ws:";
  else if (url.protocol === "https:") url.protocol = "wss:";
  return url.href;
}
