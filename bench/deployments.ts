/**
 * What a column of the table measures: one server process, or our service as several
 * instances sharing a Redis (issue 4). Scenarios only see the client `Flavor` and the
 * CPU probe, so the cross-instance rows come from the very code of the single ones.
 */
import { type Flavor, p2pCallClusterFlavor, p2pCallFlavor, peerjsFlavor } from "./clients.ts";
import type { ServerMemory } from "./proc.ts";
import {
  type ServerProcess,
  startFloorRelay,
  startP2pCall,
  startPeerjs,
  startRedis,
} from "./servers.ts";

export interface Deployment {
  readonly label: string;
  readonly flavor: Flavor;
  /** What started each of its processes, for the log and the report. */
  readonly commands: readonly string[];
  /** Facts for the notes (versions, ports). */
  readonly info: Record<string, unknown>;
  /** Pids and ports, for the progress log. */
  readonly where: string;
  /** User + system CPU of every process serving it (instances and Redis), seconds. */
  cpuSeconds(): Promise<number>;
  /** RSS of the server; null for several processes (RSS per socket would mix them). */
  readonly memory: (() => Promise<ServerMemory>) | null;
  stop(): Promise<void>;
}

function single(server: ServerProcess, flavor: Flavor): Deployment {
  return {
    label: server.label,
    flavor,
    commands: [server.command],
    info: server.info,
    where: `pid ${server.pid}, port ${server.port}`,
    cpuSeconds: () => server.cpuSeconds(),
    memory: () => server.memory(),
    stop: () => server.stop(),
  };
}

export async function startP2pCallDeployment(): Promise<Deployment> {
  const server = await startP2pCall();
  return single(server, p2pCallFlavor(server.port));
}

/** The floor relay speaks MDN's protocol, so our service's client flavour drives it. */
export async function startFloorDeployment(): Promise<Deployment> {
  const server = await startFloorRelay();
  return single(server, p2pCallFlavor(server.port));
}

export async function startPeerjsDeployment(): Promise<Deployment> {
  const server = await startPeerjs();
  return single(server, peerjsFlavor(server.port));
}

export const CLUSTER_LABEL = "p2p-call ×2 + Redis";

/**
 * A real redis-server and `instances` of our service on it (`--redis-url`). Sockets are
 * spread over the instances per room (see p2pCallClusterFlavor), so with two instances
 * every relayed message goes sender → instance A → Redis → instance B → receiver.
 */
export async function startClusterDeployment(instances = 2): Promise<Deployment> {
  const redis = await startRedis();
  const servers: ServerProcess[] = [];
  const stop = async () => {
    // Instances first: a Redis that vanished under them would only make them log errors.
    await Promise.all(servers.map((server) => server.stop()));
    await redis.stop();
  };
  try {
    for (let i = 0; i < instances; i++) {
      servers.push(await startP2pCall(["--redis-url", String(redis.info.url)]));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const cpuSeconds = async () => {
    const each = await Promise.all([redis, ...servers].map((process) => process.cpuSeconds()));
    return each.reduce((sum, seconds) => sum + seconds, 0);
  };
  return {
    label: CLUSTER_LABEL,
    flavor: p2pCallClusterFlavor(servers.map((server) => server.port), CLUSTER_LABEL),
    commands: [redis, ...servers].map((process) => process.command),
    info: { redis: redis.info.version, instances: servers.map((server) => server.info.instance) },
    where: `redis-server pid ${redis.pid} port ${redis.port}; ` +
      servers.map((s) => `instance pid ${s.pid} port ${s.port}`).join("; "),
    cpuSeconds,
    memory: null,
    stop,
  };
}
