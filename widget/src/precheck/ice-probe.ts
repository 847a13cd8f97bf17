/**
 * Does a STUN or TURN server answer? Gathers ICE candidates with a throwaway
 * RTCPeerConnection that knows only that server: a STUN server that answers
 * yields a server-reflexive (`srflx`) candidate, unless there is no NAT in
 * between (then it reports this device's own address, and browsers drop a
 * srflx candidate that repeats a host one: gathering just completes, with no
 * error); a TURN server that accepts the credentials yields a `relay` one.
 * Nothing is sent to any peer.
 */

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
): Pick<IceServerCheck, "status" | "detail"> {
  if (kind === "stun" && outcome.found.includes("srflx")) {
    return { status: "ok", detail: "answers (public address found)" };
  }
  if (kind === "stun" && outcome.complete && outcome.errors.length === 0) {
    return { status: "ok", detail: "answers (no NAT: it sees this device's own address)" };
  }
  if (kind === "turn" && outcome.found.includes("relay")) {
    return { status: "ok", detail: "answers and relays" };
  }
  const rejected = outcome.errors.find((error) => error.code === 401 || error.code === 403);
  if (rejected) return { status: "fail", detail: `rejected the credentials (${rejected.code})` };
  if (outcome.timedOutAfter !== null) {
    return {
      status: "fail",
      detail: `did not answer within ${outcome.timedOutAfter / 1000} s`,
    };
  }
  const [error] = outcome.errors;
  return {
    status: "fail",
    detail: error ? `did not answer (${error.code} ${error.text})`.trim() : "did not answer",
  };
}

/** Probes one server URL; resolves (never rejects) with the verdict within about `timeout` ms. */
export function probeIceServer(
  url: string,
  server: RTCIceServer,
  timeout: number,
  signal?: AbortSignal,
): Promise<IceServerCheck> {
  const kind = iceServerKind(url);
  if (!kind) {
    return Promise.resolve({ url, kind, status: "fail", detail: "is not a stun: or turn: URL" });
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
    return Promise.resolve({ url, kind, status: "fail", detail: "is not a usable server entry" });
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
      resolve({ url, kind, ...iceProbeVerdict(kind, outcome) });
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
