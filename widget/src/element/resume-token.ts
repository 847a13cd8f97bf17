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
