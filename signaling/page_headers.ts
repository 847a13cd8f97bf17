/**
 * Security headers of the demo pages. They ask for the camera and the
 * microphone, so no other site may frame them (clickjacking a permission
 * prompt), they run only this origin's scripts and styles, and they tell no
 * other site which page (and `?room=`) a visitor came from.
 */

/**
 * The Content-Security-Policy of the demo pages: what the element needs
 * (this origin's module and style sheets, its signaling socket, local and
 * remote media) and nothing else; `frame-ancestors` from the configuration.
 * `connect-src 'self'` covers the same-origin `ws:`/`wss:` socket (CSP 3).
 */
export function demoContentSecurityPolicy(frameAncestors: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "media-src 'self' blob: mediastream:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join("; ");
}

/** Headers for every response from the demo directory. */
export function demoPageHeaders(frameAncestors: string): Record<string, string> {
  const headers: Record<string, string> = {
    "content-security-policy": demoContentSecurityPolicy(frameAncestors),
    "referrer-policy": "no-referrer",
  };
  // X-Frame-Options for browsers without frame-ancestors; it cannot express a list.
  if (frameAncestors === "'none'") headers["x-frame-options"] = "DENY";
  else if (frameAncestors === "'self'") headers["x-frame-options"] = "SAMEORIGIN";
  return headers;
}

const SOURCE =
  /^(?:'self'|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:[0-9]+|\*))?)$/i;

/**
 * `raw` as a `frame-ancestors` source list ('none', 'self', schemes, hosts),
 * or null if it is not one (a `;` or `,` would smuggle in another directive).
 */
export function parseFrameAncestors(raw: string): string | null {
  const sources = raw.trim().split(/\s+/);
  if (sources.length === 1 && sources[0] === "'none'") return "'none'";
  return sources.every((source) => SOURCE.test(source)) ? sources.join(" ") : null;
}
