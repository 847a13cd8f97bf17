/**
 * The soak of issue 11: one instance of the service, 100 pairs relaying normally
 * (one targeted candidate every 100 ms each way), and in the middle a bounded mixed
 * attack from another loopback address (bench/soak_attacker.py: reset handshakes,
 * half-sent request heads, 8 MB frame headers, endless fragments, message floods,
 * rename churn, sockets that never register). Before, during and after: the server's
 * open fds and RSS, the honest relay's p99 latency, and honest disconnects.
 */
import { SAMPLE_CANDIDATE } from "./clients.ts";
import { readMemory } from "./proc.ts";
import { startP2pCall } from "./servers.ts";
import { percentile } from "./stats.ts";
import { delay } from "./util.ts";

export interface SoakOptions {
  pairs: number;
  beforeMs: number;
  attackMs: number;
  afterMs: number;
  /** Between two relays of one honest sender. */
  relayEveryMs: number;
}

export interface SoakPhase {
  phase: "before" | "during" | "after";
  fdsMin: number;
  fdsMax: number;
  rssMaxMiB: number;
  relayed: number;
  relayP99Ms: number;
  /** Honest sockets that closed in this phase. */
  disconnects: number;
}

export interface SoakResult {
  pairs: number;
  flags: string[];
  phases: SoakPhase[];
  attacks: Record<string, number>;
  /** The server process was still running at the end. */
  survived: boolean;
  /** Honest frames that were not what the service should send (errors, by code). */
  honestErrors: Record<string, number>;
}

const ATTACKER = new URL("./soak_attacker.py", import.meta.url).pathname;
/** Honest clients come from 127.0.0.1, the attacker from here. */
const ATTACKER_ADDRESS = "127.0.0.2";

/**
 * Soak flags: limits as deployed (rate limit on), the per-address cap raised above the
 * 200 honest sockets that all come from 127.0.0.1, and short header/registration
 * timeouts so the run stays short.
 */
const SOAK_FLAGS = [
  "--rate-per-second",
  "50",
  "--rate-burst",
  "200",
  "--max-connections-per-address",
  "256",
  "--header-timeout",
  "3",
  "--registration-timeout",
  "5",
  "--close-timeout",
  "2",
];

interface Honest {
  socket: WebSocket;
  name: string;
}

function openHonest(port: number, name: string, room: string): Promise<Honest> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?room=${room}`);
  return new Promise((resolve, reject) => {
    socket.onerror = () => reject(new Error(`${name}: socket error`));
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "id") socket.send(JSON.stringify({ type: "username", name }));
      if (message.type === "userlist" && message.users.length === 2) resolve({ socket, name });
    };
  });
}

async function countFds(pid: number): Promise<number> {
  let n = 0;
  for await (const _ of Deno.readDir(`/proc/${pid}/fd`)) n++;
  return n;
}

export async function benchSoak(
  options: SoakOptions,
  log: (text: string) => void,
): Promise<SoakResult> {
  const server = await startP2pCall(SOAK_FLAGS);
  const honest: Honest[] = [];
  let phase: SoakPhase["phase"] = "before";
  const latencies: Record<string, number[]> = { before: [], during: [], after: [] };
  const disconnects: Record<string, number> = { before: 0, during: 0, after: 0 };
  const samples: Record<string, { fds: number; rss: number }[]> = {
    before: [],
    during: [],
    after: [],
  };
  const honestErrors: Record<string, number> = {};
  let relaying = true;
  try {
    log(`soak: ${options.pairs} pairs joining (pid ${server.pid}, port ${server.port})`);
    for (let i = 0; i < options.pairs; i++) {
      const room = `pair-${i}`;
      const [a, b] = await Promise.all([
        openHonest(server.port, "a", room),
        openHonest(server.port, "b", room),
      ]);
      honest.push(a, b);
    }
    for (const client of honest) {
      client.socket.onmessage = (event) => {
        const text = event.data as string;
        if (text.includes('"new-ice-candidate"')) {
          latencies[phase].push(performance.now() - JSON.parse(text).t);
        } else if (text.includes('"error"')) {
          const code = String(JSON.parse(text).code);
          honestErrors[code] = (honestErrors[code] ?? 0) + 1;
        }
      };
      client.socket.onclose = () => disconnects[phase]++;
    }
    // Each honest socket sends to its partner, spread over the period.
    const senders = honest.map((client, index) =>
      (async () => {
        await delay((index * options.relayEveryMs) / honest.length);
        const target = client.name === "a" ? "b" : "a";
        while (relaying && client.socket.readyState === WebSocket.OPEN) {
          client.socket.send(JSON.stringify({
            type: "new-ice-candidate",
            target,
            candidate: SAMPLE_CANDIDATE,
            t: performance.now(),
          }));
          await delay(options.relayEveryMs);
        }
      })()
    );
    const sampler = (async () => {
      while (relaying) {
        const [fds, memory] = await Promise.all([countFds(server.pid), readMemory(server.pid)]);
        samples[phase].push({ fds, rss: memory.rss });
        await delay(500);
      }
    })();

    await delay(options.beforeMs);
    phase = "during";
    log(`soak: attacking for ${options.attackMs / 1000} s from ${ATTACKER_ADDRESS}`);
    const attacker = new Deno.Command("python3", {
      args: [ATTACKER, String(server.port), ATTACKER_ADDRESS, String(options.attackMs / 1000)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const attackOutput = await attacker;
    const attacks = attackOutput.code === 0
      ? JSON.parse(new TextDecoder().decode(attackOutput.stdout))
      : { failed: 1 };
    phase = "after";
    log("soak: attack over, watching the recovery");
    await delay(options.afterMs);
    relaying = false;
    await Promise.all([...senders, sampler]);

    const survived = await Deno.stat(`/proc/${server.pid}`).then(() => true, () => false);
    const phases = (["before", "during", "after"] as const).map((name): SoakPhase => {
      const sorted = latencies[name].sort((x, y) => x - y);
      const fds = samples[name].map((s) => s.fds);
      return {
        phase: name,
        fdsMin: Math.min(...fds),
        fdsMax: Math.max(...fds),
        rssMaxMiB: Math.max(...samples[name].map((s) => s.rss)) / 2 ** 20,
        relayed: sorted.length,
        relayP99Ms: sorted.length ? percentile(sorted, 0.99) : NaN,
        disconnects: disconnects[name],
      };
    });
    return { pairs: options.pairs, flags: SOAK_FLAGS, phases, attacks, survived, honestErrors };
  } finally {
    relaying = false;
    for (const client of honest) {
      client.socket.onclose = null;
      client.socket.close();
    }
    await server.stop();
  }
}

export function renderSoak(result: SoakResult): string {
  const lines = [
    `soak: ${result.pairs} honest pairs relaying while one address attacks (bench/soak_attacker.py)`,
    `  server flags: ${result.flags.join(" ")}`,
    "phase     fds (min-max)   RSS max (MiB)   relayed   relay p99 (ms)   honest disconnects",
  ];
  for (const p of result.phases) {
    lines.push(
      `${p.phase.padEnd(9)} ${`${p.fdsMin}-${p.fdsMax}`.padStart(13)}   ${
        p.rssMaxMiB.toFixed(1).padStart(13)
      }   ${String(p.relayed).padStart(7)}   ${p.relayP99Ms.toFixed(2).padStart(14)}   ${
        String(p.disconnects).padStart(18)
      }`,
    );
  }
  lines.push(`attacks made: ${JSON.stringify(result.attacks)}`);
  lines.push(
    `server survived: ${result.survived}; honest error frames: ${
      JSON.stringify(result.honestErrors)
    }`,
  );
  return lines.join("\n");
}

/** What makes the soak a failure. */
export function soakProblems(result: SoakResult): string[] {
  const problems: string[] = [];
  if (!result.survived) problems.push("soak: the server died");
  const disconnects = result.phases.reduce((sum, p) => sum + p.disconnects, 0);
  if (disconnects > 0) problems.push(`soak: ${disconnects} honest sockets were disconnected`);
  const [before, , after] = result.phases;
  if (after.fdsMin > before.fdsMax + 5) {
    problems.push(`soak: fds did not come back (${before.fdsMax} before, ${after.fdsMin} after)`);
  }
  if (after.rssMaxMiB > before.rssMaxMiB * 1.5 + 20) {
    problems.push(
      `soak: RSS grew from ${before.rssMaxMiB.toFixed(1)} to ${after.rssMaxMiB.toFixed(1)} MiB`,
    );
  }
  return problems;
}
