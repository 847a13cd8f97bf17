/**
 * Browser side of test/widget/infra-plugin.mjs (Redis-backed service instances
 * and coturn), plus what the scale-out and TURN tests share: elements on
 * different services, the selected ICE candidate pair, and TURN REST API
 * credentials computed here (independently of signaling/turn.ts).
 */
import { fixture, html, waitUntil } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import { ifDefined } from "lit/directives/if-defined.js";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import { turnPassword } from "../support/turn-password.ts";
import { uniqueRoom } from "./helpers.ts";

export interface Cluster {
  redisUrl: string;
  /** One signaling URL (ws://127.0.0.1:PORT/ws) per instance. */
  urls: string[];
  ports: number[];
  /** Each instance's id from its listening line. */
  instances: (string | null)[];
}

/** A fresh redis-server and `instances` services sharing it; `args` are extra service flags. */
export const startCluster = (options: { instances?: number; args?: string[] } = {}) =>
  executeServerCommand<Cluster, typeof options>("cluster-start", options);

/** Stops one instance of this file's cluster; SIGKILL (a crash) by default. */
export const stopClusterInstance = (index: number, signal: "SIGTERM" | "SIGKILL" = "SIGKILL") =>
  executeServerCommand<{ stopped: boolean }, { index: number; signal: string }>("cluster-stop", {
    index,
    signal,
  });

export interface Coturn {
  /** turn:127.0.0.1:PORT */
  url: string;
  port: number;
  realm: string;
}

/** A real coturn on loopback whose static-auth-secret is `secret`. */
export const startCoturn = (secret: string) =>
  executeServerCommand<Coturn, { secret: string }>("coturn-start", { secret });

/** coturn's last output lines, for assertion messages. */
export const coturnOutput = async (): Promise<string> =>
  (await executeServerCommand<{ output: string }, undefined>("coturn-output"))?.output ?? "";

/** Stops everything infra-plugin started for this test file. */
export const stopInfra = () => executeServerCommand("infra-stop");

export interface Caller {
  name: string;
  /** The element's `signaling` attribute. */
  url: string;
  /** JSON for the `ice-servers` attribute; absent means the service's servers. */
  iceServers?: string;
  iceTransportPolicy?: "all" | "relay";
}

/** Mounts one `<p2p-call>` per caller in a fresh room and waits until all see each other. */
export async function mountCallersOn(callers: readonly Caller[]): Promise<P2pCall[]> {
  const room = uniqueRoom();
  const container = await fixture<HTMLDivElement>(html`
    <div>
      ${callers.map((caller) =>
        html`
          <p2p-call
            signaling=${caller.url}
            name=${caller.name}
            room=${room}
            ring-timeout="30000"
            ice-servers=${ifDefined(caller.iceServers)}
            ice-transport-policy=${ifDefined(caller.iceTransportPolicy)}
          ></p2p-call>
        `
      )}
    </div>
  `);
  const elements = [...container.querySelectorAll("p2p-call")];
  await waitUntil(
    () => elements.every((element) => element.users.length === callers.length - 1),
    "every element should see the others in its room",
    { timeout: 10_000 },
  );
  return elements;
}

export interface SelectedPair {
  pair: RTCIceCandidatePairStats;
  local: RTCStats & Record<string, unknown>;
  remote: RTCStats & Record<string, unknown>;
}

/**
 * The candidate pair ICE selected, with both candidates' stats; `null` until
 * there is one. The standard way (transport.selectedCandidatePairId), else the
 * succeeded nominated pair (Firefox marks it `selected`).
 */
export async function selectedCandidatePair(pc: RTCPeerConnection): Promise<SelectedPair | null> {
  const stats = await pc.getStats();
  let pair: RTCIceCandidatePairStats | undefined;
  stats.forEach((report) => {
    if (report.type === "transport" && report.selectedCandidatePairId) {
      pair ??= stats.get(report.selectedCandidatePairId);
    }
  });
  if (!pair) {
    stats.forEach((report) => {
      if (
        report.type === "candidate-pair" &&
        (report.selected || (report.nominated && report.state === "succeeded"))
      ) {
        pair ??= report;
      }
    });
  }
  if (!pair || pair.state !== "succeeded") return null;
  return {
    pair,
    local: stats.get(pair.localCandidateId),
    remote: stats.get(pair.remoteCandidateId),
  };
}

/** TURN REST API credentials: username `expiry:label` (Unix seconds) and its password. */
export async function turnCredential(
  secret: string,
  label: string,
  expiresAtSeconds: number,
): Promise<{ username: string; credential: string }> {
  const username = `${expiresAtSeconds}:${label}`;
  return { username, credential: await turnPassword(secret, username) };
}
