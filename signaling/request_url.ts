/**
 * The URL a request was made for, from its request line only. `Deno.serve`
 * builds `request.url` by pasting the Host header in front of the request
 * target, so a Host of `127.0.0.1/ws?` turns `GET /healthz` into
 * `http://127.0.0.1/ws?/healthz`: the route would be picked by a header a
 * proxy's path rules never look at. A Host header that is not a host (RFC
 * 3986 `host [":" port]`) is refused instead (RFC 9112 §3.2: 400).
 */

/** reg-name or IPv4 (unreserved, sub-delims, pct-encoded), or a bracketed IP literal; then a port. */
const HOST = /^(?:\[[0-9A-Za-z:.%]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/** The request's URL, or null when its Host header could move the path. */
export function requestUrl(request: Request): URL | null {
  const host = request.headers.get("host");
  if (host !== null && !HOST.test(host)) return null;
  return new URL(request.url);
}
