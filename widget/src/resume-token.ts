/**
 * Resume tokens (issue 6): the service may give each registration a token,
 * in its `id` message or a registration reply (`resume`). A socket that comes
 * back within the service's grace period and registers with that token
 * (`username` with `resume`) keeps its name, and the room does not see it
 * leave and re-join.
 *
 * The token is kept in sessionStorage, which survives a reload of this tab
 * but is not shared with other tabs (each tab is its own member of the room).
 * Storage may throw (sandboxed iframes, blocked site data); then the token
 * lasts only as long as the page, which still covers network blips.
 */

const PREFIX = "p2p-call:resume:";

/** One key per service, room and asked-for name, so two elements of a page never swap identities. */
export const resumeKey = (url: string, room: string | null, name: string): string =>
  `${PREFIX}${url}|${room ?? ""}|${name}`;

function storage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

export function loadResumeToken(key: string): string | null {
  try {
    return storage()?.getItem(key) || null;
  } catch {
    return null;
  }
}

/** Stores the token, or forgets it with `null`; does nothing where storage is unavailable. */
export function saveResumeToken(key: string, token: string | null): void {
  try {
    if (token) storage()?.setItem(key, token);
    else storage()?.removeItem(key);
  } catch {
    // Quota or revoked storage: the token still lives in memory.
  }
}

/**
 * A call that was going on when this page went away (a reload): the peer's
 * name and when, under the registration's key. The page that comes back
 * calls that peer again once its name is resumed. Old entries are ignored:
 * sessionStorage also survives a tab restored hours later.
 */
const callKey = (key: string): string => `${key}|call`;

export function saveResumeCall(key: string, peer: string): void {
  try {
    storage()?.setItem(callKey(key), JSON.stringify({ peer, at: Date.now() }));
  } catch {
    // Without storage a reload ends the call, as it would without resume.
  }
}

/** The peer of a call this tab had under `key` at most `maxAgeMs` ago; forgets it either way. */
export function takeResumeCall(key: string, maxAgeMs: number): string | null {
  try {
    const store = storage();
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
