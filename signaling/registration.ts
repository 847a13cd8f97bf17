/**
 * The registration deadline: a socket that has not sent a valid `username`
 * within the timeout is told so and closed with 1008. Until it registers a
 * socket gets nothing worth holding on to (no TURN credential, no room), so
 * an anonymous one would only hold a file descriptor.
 *
 * One interval timer for all the sockets waiting, running only while some
 * are; not one timer per socket.
 */
import { CLOSE_POLICY_VIOLATION, type ErrorMessage } from "./protocol.ts";

export interface Registrant {
  readonly registered: boolean;
  send(frame: string): void;
  close(code: number, reason: string): void;
}

export class RegistrationDeadline {
  #timeoutMs: number;
  /** Sockets not registered yet → Date.now() by which they must be. */
  #waiting = new Map<Registrant, number>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** `timeoutMs` 0 turns the deadline off. */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  watch(socket: Registrant): void {
    if (this.#timeoutMs <= 0) return;
    this.#waiting.set(socket, Date.now() + this.#timeoutMs);
    this.#timer ??= setInterval(() => this.#sweep(), Math.min(1000, this.#timeoutMs / 4));
  }

  forget(socket: Registrant): void {
    this.#waiting.delete(socket);
    if (this.#waiting.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [socket, deadline] of this.#waiting) {
      if (socket.registered) {
        this.#waiting.delete(socket);
      } else if (now >= deadline) {
        this.#waiting.delete(socket);
        const seconds = this.#timeoutMs / 1000;
        const error: ErrorMessage = {
          type: "error",
          code: "not-registered",
          message: `No "username" within ${seconds} s of connecting: disconnecting.`,
        };
        socket.send(JSON.stringify(error));
        socket.close(CLOSE_POLICY_VIOLATION, "registration timeout");
      }
    }
    if (this.#waiting.size === 0) this.stop();
  }
}
