/**
 * The room channels an instance listens to: a room's channel while the
 * instance has members in it (or a registration under way), and no longer.
 * Per room the (un)subscribe calls run one after another, so a quick
 * leave-and-rejoin can never end up unsubscribed.
 */
import type { RedisCommands } from "./redis_client.ts";
import { roomChannel } from "./redis_keys.ts";

export type ChannelListener = (message: string, channel: string) => void;

export class RoomSubscriptions {
  #subscriber: RedisCommands;
  #listener: ChannelListener;
  #subscribed = new Set<string>();
  /** Per room, the operation in progress (settled, never rejecting). */
  #pending = new Map<string, Promise<void>>();

  constructor(subscriber: RedisCommands, listener: ChannelListener) {
    this.#subscriber = subscriber;
    this.#listener = listener;
  }

  /**
   * Subscribes to or unsubscribes from the room's channel, as `wanted()` says
   * when this room's turn comes; rejects if Redis refuses.
   */
  sync(room: string, wanted: () => boolean): Promise<void> {
    const previous = this.#pending.get(room) ?? Promise.resolve();
    const next = previous.then(async () => {
      const channel = roomChannel(room);
      if (wanted() && !this.#subscribed.has(room)) {
        await this.#subscriber.subscribe(channel, this.#listener);
        this.#subscribed.add(room);
      } else if (!wanted() && this.#subscribed.has(room)) {
        this.#subscribed.delete(room);
        await this.#subscriber.unsubscribe(channel, this.#listener);
      }
    });
    const settled = next.catch(() => {});
    this.#pending.set(room, settled);
    void settled.then(() => {
      if (this.#pending.get(room) === settled) this.#pending.delete(room);
    });
    return next;
  }
}
