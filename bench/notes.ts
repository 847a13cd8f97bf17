/** The footnotes under the tables: how each figure was made, in words. */
import type { CallSetupOptions, CallSetupResult } from "./call-setup.ts";
import { type Flavor, p2pCallFlavor, peerjsFlavor, SAMPLE_CANDIDATE } from "./clients.ts";
import { CLUSTER_LABEL } from "./deployments.ts";
import type { Outcome, ServerResult } from "./report.ts";
import type { ServerBenchConfig } from "./server-bench.ts";
import { P2P_CALL_FLAGS } from "./servers.ts";

/** Bytes of one relayed frame as each client sends it. */
function relayFrameBytes(flavor: Flavor): number {
  const body = { candidate: SAMPLE_CANDIDATE, t: 12345.678901, seq: 12345 };
  return new TextEncoder().encode(flavor.relayFrame("h12", body)).length;
}

export function signalingNotes(
  config: ServerBenchConfig,
  results: readonly ServerResult[],
): string[] {
  if (results.length === 0) return [];
  const peerjs = results.find((r) => r.server === "peerjs-server");
  const cluster = results.find((r) => r.server === CLUSTER_LABEL);
  const { latency: l, throughput: t } = config;
  const n = (count: number) => count.toLocaleString("en-US");
  return [
    `Each server runs alone in its own child process on 127.0.0.1; all clients are WebSockets in ` +
    `this Deno process. Relayed message: one trickled ICE candidate, ` +
    `${relayFrameBytes(p2pCallFlavor(0))} bytes as new-ice-candidate (p2p-call), ` +
    `${relayFrameBytes(peerjsFlavor(0))} bytes as CANDIDATE (peerjs).`,
    `Throughput: ${n(t.messages)} targeted messages over ${t.pairs} sender->receiver pairs, ` +
    `${t.window} in flight per pair; msgs/s = delivered / elapsed; median of ${t.rounds} ` +
    `rounds. CPU per message (server, and this client process) from /proc/<pid>/stat.`,
    `Latency: one-way, sender's performance.now() in the payload, read at the receiver; ` +
    `${n(l.rate)} msgs/s offered round-robin over every pair (rooms of 2), both directions; ` +
    `${n(l.warmup)} warm-up + ${n(l.samples)} samples per socket count.`,
    `RSS per idle socket: (VmRSS with ${n(config.idleSockets)} registered idle sockets - VmRSS ` +
    `before) / ${n(config.idleSockets)}, read ${config.settleMs} ms after the last one ` +
    `registered (no forced GC: the servers are unmodified).`,
    `Join storm: ${n(config.stormUsers)} sockets connect at once into one room. p2p-call: each ` +
    `registers a name; done when every client's userlist holds all ${n(config.stormUsers)}; ` +
    `bytes = every frame received (id + coalesced userlists).`,
    `peerjs-server has no rooms or user lists: its storm is ${n(config.stormUsers)} connects ` +
    `until each got OPEN, and its bytes are the OPEN frames only; not like for like.`,
    `p2p-call runs with ${P2P_CALL_FLAGS.slice(4).join(" ")} (limiter on, out of the way).`,
    ...(peerjs
      ? [
        `peerjs-server ${peerjs.info.peer} with default options on node ${peerjs.info.node}, ` +
        `ws ${peerjs.info.ws} (as this lockfile resolves it).`,
      ]
      : []),
    ...(cluster
      ? [
        `${CLUSTER_LABEL}: two instances of the service with --redis-url on one redis-server ` +
        `${cluster.info.redis ?? ""} (loopback, no persistence). The two members of every pair ` +
        `connect to different instances, so each message goes instance -> Redis pub/sub -> ` +
        `instance; throughput senders all on one instance, receivers on the other. Same ` +
        `scenario code and sizes as the single-instance column; server CPU = both instances + ` +
        `redis-server. RSS per socket and the join storm are not run for it.`,
      ]
      : []),
  ];
}

export function callSetupNotes(
  options: CallSetupOptions,
  result: Outcome<CallSetupResult> | undefined,
): string[] {
  if (!result || "error" in result) return [];
  return [
    `Call setup: one headless Chromium page (${result.chromium}, fake camera and mic) served ` +
    `by the service itself. <p2p-call> pair: caller.call() -> the callee (auto-answer) opens ` +
    `its camera and answers through the service -> the first frame presented on the ` +
    `caller's remote video (requestVideoFrameCallback presentationTime). Loopback: the same ` +
    `steps with two RTCPeerConnections and no signaling: caller getUserMedia, addTrack, offer; ` +
    `callee setRemoteDescription, getUserMedia, addTrack, answer; candidates handed over ` +
    `in-page. Both send audio+video both ways with no STUN/TURN (host candidates).`,
    `${options.calls} measured calls of each kind after ${options.warmup} warm-up each, ` +
    `alternating kinds (ABBA), hung up and idle (peer connections closed, cameras released) ` +
    `plus ${options.settleMs} ms between calls. The fake camera runs at 30 fps, so a ` +
    `first-frame time carries up to ~33 ms of frame-clock jitter.`,
  ];
}
