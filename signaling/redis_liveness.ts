/**
 * Instance liveness in Redis: each instance refreshes a key with a TTL, and
 * every instance periodically purges the members of instances whose key has
 * expired. An instance that dies without cleaning up (crash, SIGKILL, lost
 * machine) therefore leaves its users in other instances' lists for at most
 * TTL + one period (TTL / 3), i.e. 4/3 × TTL.
 */
import type { Logger } from "./log.ts";
import type { RedisCommands } from "./redis_client.ts";
import { aliveKey, INSTANCES_KEY, PREFIX } from "./redis_keys.ts";
import { HEARTBEAT, PURGE } from "./redis_scripts.ts";

export interface LivenessOptions {
  commands: RedisCommands;
  instanceId: string;
  ttlMs: number;
  logger: Logger;
  /**
   * After each successful heartbeat; `lapsed` when the key had expired, so
   * other instances may have purged this one's members.
   */
  onBeat: (lapsed: boolean) => void;
}

export class InstanceLiveness {
  #options: LivenessOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** The tick in progress; ticks never overlap. */
  #tick: Promise<void> | undefined;

  constructor(options: LivenessOptions) {
    this.#options = options;
  }

  get periodMs(): number {
    return Math.max(Math.floor(this.#options.ttlMs / 3), 1);
  }

  /** Announces the instance (throws if Redis refuses), then keeps it alive and sweeps. */
  async start(): Promise<void> {
    await this.#heartbeat();
    await this.sweep();
    this.#timer = setInterval(() => {
      this.#tick ??= this.#beatAndSweep().finally(() => this.#tick = undefined);
    }, this.periodMs);
  }

  /** Stops the timer and waits for a tick in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#tick;
  }

  /** Purges every dead instance's members now; resolves with how many instances. */
  async sweep(): Promise<number> {
    const purged = Number(await PURGE.run(this.#options.commands, [INSTANCES_KEY], [PREFIX, ""]));
    if (purged > 0) this.#options.logger.info("purged dead instances", { count: purged });
    return purged;
  }

  async #beatAndSweep(): Promise<void> {
    try {
      this.#options.onBeat(await this.#heartbeat());
      await this.sweep();
    } catch (error) {
      // Redis is away; the connection logs the outage once and reconnects.
      this.#options.logger.debug("liveness tick failed", { error: String(error) });
    }
  }

  /** Resolves true when the key had lapsed. */
  async #heartbeat(): Promise<boolean> {
    const { commands, instanceId, ttlMs } = this.#options;
    const existed = await HEARTBEAT.run(
      commands,
      [aliveKey(instanceId), INSTANCES_KEY],
      [instanceId, String(ttlMs)],
    );
    return Number(existed) === 0;
  }
}
