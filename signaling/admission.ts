/**
 * The admit step of `/ws`: what is checked before a WebSocket upgrade, in the
 * order a client can act on (is it WebSocket at all, is its origin allowed,
 * does it carry a valid token).
 */
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import { text } from "./responses.ts";
import { verifyToken } from "./token.ts";

/** Admitted to the upgrade; `authorized` false means: upgrade, then refuse with an error frame. */
export interface Admitted {
  authorized: boolean;
}

/** A refusal (an HTTP answer instead of the upgrade), or the upgrade's go-ahead. */
export async function admit(
  config: Config,
  log: Logger,
  request: Request,
  url: URL,
  shuttingDown: boolean,
): Promise<Response | Admitted> {
  if (shuttingDown) return text(503, "The service is shutting down.");
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return text(426, "This endpoint speaks WebSocket only.", { upgrade: "websocket" });
  }
  const origin = request.headers.get("origin");
  if (config.allowedOrigins && !(origin && config.allowedOrigins.includes(origin))) {
    log.warn("origin refused", { origin });
    return text(403, "This origin may not use the signaling service.");
  }
  const authorized = config.tokenSecret === null ||
    await verifyToken(config.tokenSecret, url.searchParams.get("token"));
  return { authorized };
}
