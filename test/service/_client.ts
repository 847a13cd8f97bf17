/**
 * A WebSocket client for tests: queues what the service sends, so a test can
 * await "the next message of type X" instead of sleeping.
 */

/** A frame from the service, parsed. */
export type Received = Record<string, unknown> & { type: string };

type Match = (message: Received) => boolean;

interface Waiter {
  match: Match;
  /** False for `peek`: the message stays queued for a later `next`. */
  consume: boolean;
  what: string;
  resolve: (message: Received) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface ConnectOptions {
  protocols?: string | string[];
  headers?: HeadersInit;
}

const DEFAULT_TIMEOUT_MS = 3000;

export class TestClient {
  readonly socket: WebSocket;
  /** Resolves with the close event, whoever closed. */
  readonly closed: Promise<CloseEvent>;
  /** Id from the service's first frame (0 until it arrived). */
  id = 0;
  /** Name the service registered us under (after `join`). */
  name = "";
  #queue: Received[] = [];
  #waiters: Waiter[] = [];
  #closeEvent: CloseEvent | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => this.#onMessage(event.data);
    this.closed = new Promise((resolve) => {
      socket.addEventListener("close", (event) => {
        this.#closeEvent = event;
        for (const waiter of this.#waiters.splice(0)) {
          clearTimeout(waiter.timer);
          waiter.reject(
            new Error(
              `socket closed (${event.code} ${event.reason}) while awaiting ${waiter.what}`,
            ),
          );
        }
        resolve(event);
      });
    });
  }

  /** Opens a socket and waits for the service's `id` frame. */
  static async connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
    const client = await TestClient.open(url, options);
    const id = await client.next("id");
    client.id = id.id as number;
    return client;
  }

  /** Opens a socket without waiting for any frame. */
  static open(url: string, options: ConnectOptions = {}): Promise<TestClient> {
    const init: WebSocketOptions = {};
    // Deno's WebSocketInit takes a list only.
    if (options.protocols !== undefined) init.protocols = [options.protocols].flat();
    if (options.headers !== undefined) init.headers = options.headers;
    const socket = new WebSocket(url, init);
    const client = new TestClient(socket);
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", () => resolve(client), { once: true });
      socket.addEventListener(
        "error",
        (event) => reject(new Error(`WebSocket failed: ${(event as ErrorEvent).message}`)),
        { once: true },
      );
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends an object as JSON, a string as is, bytes as a binary frame. */
  send(value: unknown): void {
    if (typeof value === "string" || value instanceof Uint8Array) this.socket.send(value);
    else this.socket.send(JSON.stringify(value));
  }

  /**
   * The first message (queued or future) of `type`, or matching a predicate;
   * it is removed from the queue, messages before it stay queued.
   */
  next(type: string | Match, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Received> {
    return this.#await(type, true, timeoutMs);
  }

  /** Like `next`, but leaves the message queued. */
  peek(type: string | Match, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Received> {
    return this.#await(type, false, timeoutMs);
  }

  #await(type: string | Match, consume: boolean, timeoutMs: number): Promise<Received> {
    const match: Match = typeof type === "string" ? (m) => m.type === type : type;
    const what = typeof type === "string" ? `a "${type}" message` : "a matching message";
    const index = this.#queue.findIndex(match);
    if (index >= 0) {
      return Promise.resolve(consume ? this.#queue.splice(index, 1)[0] : this.#queue[index]);
    }
    if (this.#closeEvent) {
      return Promise.reject(new Error(`socket already closed; cannot await ${what}`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        consume,
        what,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          const queued = this.#queue.map((m) => m.type).join(", ") || "nothing";
          reject(new Error(`timed out awaiting ${what}; queued: ${queued}`));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** The next `error` frame, checked to carry `code`. */
  async nextError(code: string): Promise<Received> {
    const error = await this.next("error");
    if (error.code !== code) {
      throw new Error(`expected error "${code}", got ${JSON.stringify(error)}`);
    }
    return error;
  }

  /** Consumes `userlist` frames until one lists exactly `users` (in any order). */
  async userlist(users: string[]): Promise<string[]> {
    const wanted = JSON.stringify([...users].sort());
    while (true) {
      const list = (await this.next("userlist")).users as string[];
      if (JSON.stringify([...list].sort()) === wanted) return list;
    }
  }

  /** Everything received and not yet consumed by `next`. */
  pending(): Received[] {
    return [...this.#queue];
  }

  /** Closes from the client side (if still open) and waits for the close to finish. */
  close(): Promise<CloseEvent> {
    if (
      this.socket.readyState === WebSocket.CONNECTING || this.socket.readyState === WebSocket.OPEN
    ) {
      this.socket.close();
    }
    return this.closed;
  }

  #onMessage(data: unknown): void {
    const message: Received = typeof data === "string"
      ? JSON.parse(data)
      : { type: "<binary>", data };
    // Peeking waiters see it and leave it queued; the first consuming one takes it.
    let consumed = false;
    for (const waiter of [...this.#waiters]) {
      if (!waiter.match(message)) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      clearTimeout(waiter.timer);
      waiter.resolve(message);
      if (waiter.consume) {
        consumed = true;
        break;
      }
    }
    if (!consumed) this.#queue.push(message);
  }
}
