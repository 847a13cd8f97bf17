/**
 * The call side of resume (issue 6); the registration's side, which the
 * element needs before any call, is element/resume-token.ts. Storage may
 * throw (sandboxed iframes, blocked site data): then a reload ends the call.
 */

/**
 * A call that was going on when this page went away (a reload): the peer's
 * name and when, under the registration's key. The page that comes back
 * calls that peer again once its name is resumed. Old entries are ignored:
 * sessionStorage also survives a tab restored hours later.
 */
const callKey = (key: string): string => `${key}|call`;

export function saveResumeCall(key: string, peer: string): void {
  try {
    globalThis.sessionStorage?.setItem(callKey(key), JSON.stringify({ peer, at: Date.now() }));
  } catch {
    // Without storage a reload ends the call, as it would without resume.
  }
}

/** The peer of a call this tab had under `key` at most `maxAgeMs` ago; forgets it either way. */
export function takeResumeCall(key: string, maxAgeMs: number): string | null {
  try {
    const store = globalThis.sessionStorage;
    const text = store?.getItem(callKey(key));
    if (!text) return null;
    store!.removeItem(callKey(key));
    const { peer, at } = JSON.parse(text) as { peer?: unknown; at?: unknown };
    const fresh = typeof at === "number" && Date.now() - at <= maxAgeMs;
    return fresh && typeof peer === "string" && peer !== "" ? peer : null;
  } catch {
    return null;
  }
}
