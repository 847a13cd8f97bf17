/**
 * The English status line while there is no call: it follows the signaling
 * connection. (During and after a call it is status-text.ts's, which loads
 * with the call engine.)
 */
import type { SignalingStatus } from "../api/events.ts";

/** `name`: own registered name; `null` while the element waits for one. */
export function describeLobby(status: SignalingStatus, name: string | null): string {
  switch (status) {
    case "offline":
      return "Offline.";
    case "connecting":
      return "Connecting to the call service…";
    case "reconnecting":
      return "Call service unreachable. Reconnecting…";
    case "online":
      return name ? "Ready. Choose someone to call." : "Enter your name to join.";
    default:
      return status satisfies never;
  }
}
