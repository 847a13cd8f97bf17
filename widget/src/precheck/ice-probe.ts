/**
 * Does a STUN or TURN server answer? Gathers ICE candidates with a throwaway
 * RTCPeerConnection that knows only that server: a STUN server that answers
 * yields a server-reflexive (`srflx`) candidate, unless there is no NAT in
 * between (then it reports this device's own address, and browsers drop a
 * srflx candidate that repeats a host one: gathering just completes, with no
 * error); a TURN server that accepts the credentials yields a `relay` one.
 * Nothing is sent to any peer.
 */

import { formatLabel } from "../element/words.ts";
import { englishPrecheckLabels, type PrecheckWords } from "./precheck-labels.ts";
import { hasWebRTC } from "../element/webrtc-support.ts";

export type IceServerKind = "stun" | "turn";

export interface IceServerCheck {
  /** One URL of a configured server (credentials are never part of the result). */
  url: string;
  kind: IceServerKind | null;
  status: "ok" | "fail";
  /** What happened, as a phrase: "answers", "rejected the credentials (401)", … */
  detail: string;
}

/** What ICE gathering reported about one server. */
export interface IceGatheringOutcome {
  /** Candidate types seen (`host`, `srflx`, `relay`, …). */
  found: readonly string[];
  /** `icecandidateerror`s: STUN error codes (401 bad credentials, 701 no answer, …). */
  errors: readonly { code: number; text: string }[];
  /** Milliseconds waited in vain, if the probe timed out. */
  timedOutAfter: number | null;
  /**
   * Gathering completed on its own. A STUN server that does not answer keeps
   * it from completing (Chromium) or completes it with error 701 (Firefox).
   */
  complete: boolean;
}

export function iceServerKind(url: string): IceServerKind | null {
  const scheme = /^(stuns?|turns?):/i.exec(url.trim())?.[1]?.toLowerCase();
  if (!scheme) return null;
  return scheme.startsWith("stun") ? "stun" : "turn";
}

/** Every URL of every server, each with its server's credentials, so each can be named. */
export function iceProbeTargets(servers: readonly RTCIceServer[]): {
  url: string;
  server: RTCIceServer;
}[] {
  return servers.flatMap((server) =>
    (Array.isArray(server.urls) ? server.urls : [server.urls]).map((url) => ({ url, server }))
  );
}

/** The verdict on one server from what gathering showed. Pure, so it is tested directly. */
export function iceProbeVerdict(
  kind: IceServerKind,
  outcome: IceGatheringOutcome,
  words: PrecheckWords = englishPrecheckLabels,
): Pick<IceServerCheck, "status" | "detail"> {
  const ok = (detail: string) => ({ status: "ok" as const, detail });
  const fail = (detail: string) => ({ status: "fail" as const, detail });
  if (kind === "stun" && outcome.found.includes("srflx")) return ok(words.precheckPublicAddress);
  if (kind === "stun" && outcome.complete && outcome.errors.length === 0) {
    return ok(words.precheckNoNat);
  }
  if (kind === "turn" && outcome.found.includes("relay")) return ok(words.precheckRelays);
  const rejected = outcome.errors.find((error) => error.code === 401 || error.code === 403);
  if (rejected) return fail(formatLabel(words.precheckRejected, { code: rejected.code }));
  if (outcome.timedOutAfter !== null) {
    return fail(formatLabel(words.precheckTimedOut, { seconds: outcome.timedOutAfter / 1000 }));
  }
  const [error] = outcome.errors;
  return fail(
    error
      ? formatLabel(words.precheckNoAnswerWith, { code: error.code, text: error.text }).trim()
      : words.precheckNoAnswer,
  );
}

/** Probes one server URL; resolves (never rejects) with the verdict within about `timeout` ms. */
export function probeIceServer(
  url: string,
  server: RTCIceServer,
  timeout: number,
  signal?: AbortSignal,
  words: PrecheckWords = englishPrecheckLabels,
): Promise<IceServerCheck> {
  const kind = iceServerKind(url);
  if (!kind) {
    return Promise.resolve({ url, kind, status: "fail", detail: words.precheckNotUrl });
  }
  // Only a peer connection gathers candidates (see webrtc-support.ts).
  if (!hasWebRTC) {
    return Promise.resolve({ url, kind, status: "fail", detail: words.precheckNoWebRTC });
  }
  let pc: RTCPeerConnection;
  try {
    pc = new RTCPeerConnection({
      iceServers: [{ ...server, urls: url }],
      // Only relays count for TURN, so gathering nothing else saves time.
      iceTransportPolicy: kind === "turn" ? "relay" : "all",
    });
  } catch {
    // SyntaxError for a malformed URL, InvalidAccessError for TURN without credentials.
    return Promise.resolve({ url, kind, status: "fail", detail: words.precheckUnusable });
  }
  const wanted = kind === "stun" ? "srflx" : "relay";
  const found: string[] = [];
  const errors: { code: number; text: string }[] = [];
  return new Promise((resolve) => {
    let done = false;
    const finish = (timedOutAfter: number | null, complete = false): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      pc.close();
      const outcome = { found, errors, timedOutAfter, complete };
      resolve({ url, kind, ...iceProbeVerdict(kind, outcome, words) });
    };
    const onAbort = () => finish(null);
    const timer = setTimeout(() => finish(timeout), timeout);
    signal?.addEventListener("abort", onAbort);
    pc.addEventListener("icecandidate", ({ candidate }) => {
      if (candidate?.type) found.push(candidate.type);
      // A null candidate: gathering is complete.
      if (!candidate || candidate.type === wanted) finish(null, !candidate);
    });
    pc.addEventListener("icecandidateerror", (event) => {
      errors.push({ code: event.errorCode, text: event.errorText });
    });
    // Something to negotiate, so that gathering starts.
    pc.createDataChannel("probe");
    pc.setLocalDescription().catch(() => finish(null));
  });
}
