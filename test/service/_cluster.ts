/**
 * Several in-process service instances sharing one real redis-server, for the
 * multi-instance tests:
 *
 *   await using cluster = await startCluster(2);
 *   const [a, b] = cluster.instances;
 *   const alice = await a.join("alice");
 */
import { type RedisServer, startRedis } from "../support/redis.ts";
import { type ConfigOverrides, startTestService, type TestService } from "./_service.ts";

export interface Cluster extends AsyncDisposable {
  redis: RedisServer;
  instances: TestService[];
}

export async function startCluster(
  count = 2,
  overrides: ConfigOverrides = {},
): Promise<Cluster> {
  const redis = await startRedis();
  const instances: TestService[] = [];
  let disposed: Promise<void> | undefined;
  const dispose = () =>
    disposed ??= (async () => {
      for (const instance of instances) await instance[Symbol.asyncDispose]();
      await redis.stop();
    })();
  try {
    for (let i = 0; i < count; i++) {
      instances.push(
        await startTestService({ redisUrl: redis.url, instanceTtlSeconds: 1, ...overrides }),
      );
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return { redis, instances, [Symbol.asyncDispose]: dispose };
}
