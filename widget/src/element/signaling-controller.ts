import type { ReactiveController, ReactiveControllerHost } from "lit";
import { backoffDelay, type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";
import type { SignalingStatus } from "../api/events.ts";
import {
  type ClientMessage,
  type ErrorMessage,
  type IceServer,
  parseServerMessage,
  type RelayedMessage,
  SUBPROTOCOL,
  type UncheckedRelay,
} from "./protocol.ts";
import { loadResumeToken, resumeKey, saveResumeToken } from "./resume-token.ts";

export interface SignalingCallbacks {
  /** A call message from another member of the room, to be checked (relay-messages.ts). */
  onRelay(relay: UncheckedRelay): void;
  /** The room's member list changed (full list, own name included). */
  onUsers(users: readonly string[]): void;
  /** The service reported an `error` frame. */
  onServiceError(error: ErrorMessage): void;
  /** The service sent a frame that does not follow the protocol. */
  onProtocolError(problem: string): void;
  onStatus(status: SignalingStatus): void;
  /**
   * The service answered a registration that carried a resume token: `true`
   * if this socket took back the name a dropped one held (issue 6).
   */
  onResumed?(ok: boolean): void;
}

export interface SignalingTarget {
  /** WebSocket URL; `null` keeps the controller offline. */
  url: string | null;
  /** Name to register; `null` connects without registering (the UI asks for one). */
  name: string | null;
  room: string | null;
}

/** Relay frames kept while the socket is down; more would be stale anyway. */
const MAX_QUEUED = 256;

/**
 * Owns the WebSocket to the signaling service: connects while the host is in
 * the document, registers the name (again after every reconnect), reconnects
 * with backoff and jitter when the socket drops, and hands validated messages
 * to its callbacks. Calls do not depend on it once media flows: a dropped
 * socket only delays new offers, which are queued until the next registration.
 */
export class SignalingController implements ReactiveController {
  status: SignalingStatus = "offline";
  /** The name the service registered us under (it may add a suffix: `rejectusername`). */
  registeredName: string | null = null;
  /** The room's members as the service last listed them, own name included. */
  users: readonly string[] = [];
  /** ICE servers offered by the service's `id` message, if any. */
  serviceIceServers: IceServer[] | undefined;
  /** How long the service holds a dropped socket's name for a resume; 0 if it does not. */
  resumeGraceMs = 0;

  readonly #host: ReactiveControllerHost;
  readonly #callbacks: SignalingCallbacks;
  readonly #backoff: BackoffOptions;
  #target: SignalingTarget = { url: null, name: null, room: null };
  #socket: WebSocket | null = null;
  #clientId: number | null = null;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #hostConnected = false;
  #queue: ClientMessage[] = [];
  /** The resume token of the current registration, if the service gave one. */
  #resumeToken: string | null = null;
  /** The previous socket's token, sent with this socket's first registration. */
  #resumeWith: string | null = null;

  constructor(
    host: ReactiveControllerHost,
    callbacks: SignalingCallbacks,
    backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {
    this.#host = host;
    this.#callbacks = callbacks;
    this.#backoff = backoff;
    host.addController(this);
  }

  hostConnected(): void {
    this.#hostConnected = true;
    this.#connect();
  }

  hostDisconnected(): void {
    this.#hostConnected = false;
    this.#queue = [];
    this.#disconnect();
    this.users = [];
    this.registeredName = null;
    this.#setStatus("offline");
  }

  /** Applies the host's attributes; reconnects or re-registers only when something changed. */
  configure(target: SignalingTarget): void {
    const previous = this.#target;
    this.#target = target;
    if (target.url !== previous.url) {
      this.#disconnect();
      this.#attempt = 0;
      this.#connect();
    } else if (target.name !== previous.name || target.room !== previous.room) {
      this.#register();
    }
  }

  /**
   * Sends a message now if registered, else queues it for the next
   * registration (an ICE restart offer made while the service restarts
   * must still reach the peer).
   */
  send(message: ClientMessage | RelayedMessage): void {
    if (this.status === "online" && this.registeredName !== null && this.#socket) {
      this.#socket.send(JSON.stringify(message));
    } else if (this.#queue.length < MAX_QUEUED) {
      this.#queue.push(message);
    }
  }

  /**
   * Drops what is still queued for `target`: once a call has ended, its
   * queued ICE-restart offer and candidates would reach the peer after the
   * next registration and ring it for a call that no longer exists.
   */
  discardQueued(target: string): void {
    this.#queue = this.#queue.filter((message) =>
      !("target" in message) || message.target !== target
    );
  }

  #connect(): void {
    if (!this.#hostConnected || !this.#target.url || this.#socket) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    let socket: WebSocket;
    try {
      // MDN's client offers "json" too; the service selects it.
      socket = new WebSocket(this.#target.url, SUBPROTOCOL);
    } catch (error) {
      // A malformed URL throws synchronously; retrying would not help.
      this.#callbacks.onProtocolError(`Invalid signaling URL: ${String(error)}`);
      this.#setStatus("offline");
      return;
    }
    this.#socket = socket;
    this.#setStatus(this.#attempt === 0 ? "connecting" : "reconnecting");
    socket.addEventListener("message", (event) => {
      if (socket === this.#socket) this.#receive(event.data);
    });
    socket.addEventListener("close", () => {
      if (socket === this.#socket) this.#dropped();
    });
  }

  /** Closes the current socket on purpose: no reconnect follows. */
  #disconnect(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const socket = this.#socket;
    this.#socket = null;
    this.#clientId = null;
    // Send what can still be sent (e.g. a hang-up) before the close frame.
    socket?.close(1000);
  }

  #dropped(): void {
    this.#socket = null;
    this.#clientId = null;
    this.registeredName = null;
    if (!this.#hostConnected) return;
    // The list is stale until we are back in the room.
    if (this.users.length > 0) {
      this.users = [];
      this.#callbacks.onUsers(this.users);
    }
    this.#setStatus("reconnecting");
    const delay = backoffDelay(this.#attempt++, this.#backoff);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #register(): void {
    const { name, room } = this.#target;
    if (!this.#socket || this.#clientId === null || !name) return;
    this.#socket.send(JSON.stringify({
      type: "username",
      name,
      id: this.#clientId,
      date: Date.now(),
      ...(room ? { room } : {}),
      // Only the socket's first registration resumes; a rename is a new
      // identity. `""` still tells the service we can resume: it then holds
      // our name if this socket drops.
      ...(this.#resumeToken ? { resume: this.#resumeWith ?? "" } : {}),
    }));
    this.#resumeWith = null;
    // Kept under the name registered now (a rename moves it).
    if (this.#resumeToken) this.#setResumeToken(this.#resumeToken);
    // The service handles frames in order, so relays sent from now on are
    // already from the registered name.
    this.registeredName = name;
    this.#setStatus("online");
    const queued = this.#queue;
    this.#queue = [];
    for (const message of queued) this.#socket.send(JSON.stringify(message));
  }

  #receive(data: unknown): void {
    const result = parseServerMessage(data);
    if (!result.ok) {
      if (!result.ignored) this.#callbacks.onProtocolError(result.problem);
      return;
    }
    const message = result.message;
    switch (message.type) {
      case "id":
        this.#clientId = message.id;
        this.serviceIceServers = message.iceServers;
        this.#attempt = 0;
        this.#resumeWith = this.#resumeToken ?? this.#storedResumeToken();
        this.#setResumeToken(message.resume ?? null);
        this.resumeGraceMs = message.resume ? (message.resumeGrace ?? 0) * 1000 : 0;
        this.#register();
        // Without a name the socket is usable but we are not in the room yet.
        if (!this.#target.name) this.#setStatus("online");
        break;
      case "ice-servers":
        this.serviceIceServers = message.iceServers;
        break;
      case "rejectusername":
        this.registeredName = message.name;
        this.#host.requestUpdate();
        break;
      case "resume":
        this.#callbacks.onResumed?.(message.ok);
        break;
      case "userlist":
        this.users = message.users;
        this.#callbacks.onUsers(message.users);
        this.#host.requestUpdate();
        break;
      case "error":
        this.#callbacks.onServiceError(message);
        break;
      case "video-offer":
      case "video-answer":
      case "new-ice-candidate":
      case "hang-up":
        this.#callbacks.onRelay(message);
        break;
      default:
        // parseServerMessage returns no other type: a new one fails to compile here.
        message satisfies never;
    }
  }

  /**
   * Where this registration's resume state lives in sessionStorage (service,
   * room and name), or `null` while there is no name.
   */
  get resumeKey(): string | null {
    const { url, name, room } = this.#target;
    return url && name ? resumeKey(url, room, name) : null;
  }

  /**
   * Whether the service holds our name when this socket drops: it gave our
   * registration a resume token. Still true just after the socket dropped
   * (then the name is held already): Firefox closes a page's sockets (1001)
   * as soon as a reload starts, before `pagehide`.
   */
  get canResume(): boolean {
    return this.#resumeToken !== null;
  }

  /** A token left by an earlier page load of this tab, for the same service, room and name. */
  #storedResumeToken(): string | null {
    const { url, name, room } = this.#target;
    return url && name ? loadResumeToken(resumeKey(url, room, name)) : null;
  }

  #setResumeToken(token: string | null): void {
    this.#resumeToken = token;
    const { url, name, room } = this.#target;
    if (url && name) saveResumeToken(resumeKey(url, room, name), token);
  }

  #setStatus(status: SignalingStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.#callbacks.onStatus(status);
    this.#host.requestUpdate();
  }
}
