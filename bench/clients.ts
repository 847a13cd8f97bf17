/**
 * Client adapters: one `Flavor` per server, both behind the same `Peer` interface so
 * every scenario runs unchanged against our service and against peerjs-server.
 *
 * A peer counts every byte and frame it receives. Relayed frames are recognised by a
 * cheap substring test and handed to `onRelay` raw, so the throughput scenario never
 * parses them; control frames (id, userlist, OPEN, errors) are parsed here.
 */
import { utf8Length } from "./stats.ts";

/** What the bench puts in a relayed message (a typical trickled ICE candidate). */
export interface RelayBody {
  candidate: typeof SAMPLE_CANDIDATE;
  /** performance.now() at the sender. */
  t: number;
  seq: number;
}

/** A relayed message as the receiver sees it. */
export interface Delivered {
  /** Sender as stamped by the server (`name` for p2p-call, `src` for peerjs). */
  from: string;
  body: RelayBody;
}

export const SAMPLE_CANDIDATE = {
  candidate:
    "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 192.168.1.5 rport 46154 generation 0 ufrag sNzR network-cost 999",
  sdpMid: "0",
  sdpMLineIndex: 0,
  usernameFragment: "sNzR",
};

export interface Peer {
  /** The address other peers target (p2p-call user name, peerjs id). */
  readonly name: string;
  /** Payload bytes received (UTF-8, WebSocket framing excluded). */
  bytes: number;
  /** Frames received. */
  frames: number;
  /** `error` frames received, by code. */
  readonly errors: Map<string, number>;
  /** Called with each relayed frame, unparsed. */
  onRelay: ((frame: string) => void) | null;
  send(frame: string): void;
  /** Resolves once this peer knows of `size` members in its room (at once without rooms). */
  whenRoster(size: number): Promise<void>;
  close(): Promise<void>;
}

export interface Flavor {
  readonly label: string;
  /** Whether the server has rooms and user lists (peerjs-server has neither). */
  readonly hasRooms: boolean;
  /** Opens a socket and resolves once the server has registered it under `name`. */
  connect(name: string, room: string): Promise<Peer>;
  /** Serialises a targeted relay message from this flavour's vocabulary. */
  relayFrame(target: string, body: RelayBody): string;
  parseRelay(frame: string): Delivered;
}

/** Shared socket bookkeeping; subclasses handle their control frames. */
abstract class BasePeer implements Peer {
  bytes = 0;
  frames = 0;
  readonly errors = new Map<string, number>();
  onRelay: ((frame: string) => void) | null = null;
  protected readonly ws: WebSocket;
  protected readonly registered = Promise.withResolvers<void>();
  private readonly closed = Promise.withResolvers<void>();

  constructor(readonly name: string, url: string, private readonly relayMarker: string) {
    this.ws = new WebSocket(url);
    this.ws.onmessage = (event: MessageEvent) => this.receive(event.data);
    this.ws.onerror = () => this.registered.reject(new Error(`${name}: socket error`));
    this.ws.onclose = (event) => {
      this.registered.reject(new Error(`${name}: closed (${event.code}) before registering`));
      this.closed.resolve();
    };
    this.registered.promise.catch(() => {}); // observed by ready(); avoid unhandled noise
  }

  ready(): Promise<Peer> {
    return this.registered.promise.then(() => this);
  }

  send(frame: string): void {
    this.ws.send(frame);
  }

  whenRoster(_size: number): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.ws.close();
    return this.closed.promise;
  }

  protected countError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  protected abstract control(message: Record<string, unknown>): void;

  private receive(data: unknown): void {
    if (typeof data !== "string") {
      this.frames++;
      this.countError("binary-frame");
      return;
    }
    this.bytes += utf8Length(data);
    this.frames++;
    if (data.includes(this.relayMarker)) {
      this.onRelay?.(data);
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      this.countError("unparseable-frame");
      return;
    }
    if (message && typeof message === "object") this.control(message as Record<string, unknown>);
  }
}

// ---- p2p-call (our service, /work/shared/PROTOCOL.md) -----------------------------------

const P2P_RELAY_TYPE = "new-ice-candidate";

class P2pCallPeer extends BasePeer {
  private rosterSize = 0;
  private rosterWaiters: { size: number; resolve: () => void }[] = [];

  constructor(name: string, url: string) {
    super(name, url, `"type":"${P2P_RELAY_TYPE}"`);
  }

  override whenRoster(size: number): Promise<void> {
    if (this.rosterSize >= size) return Promise.resolve();
    return new Promise((resolve) => this.rosterWaiters.push({ size, resolve }));
  }

  protected control(message: Record<string, unknown>): void {
    switch (message.type) {
      case "id":
        this.send(JSON.stringify({ type: "username", name: this.name, id: message.id }));
        break;
      case "userlist": {
        const users = Array.isArray(message.users) ? message.users : [];
        this.rosterSize = users.length;
        if (users.includes(this.name)) this.registered.resolve();
        this.rosterWaiters = this.rosterWaiters.filter((w) => {
          if (users.length < w.size) return true;
          w.resolve();
          return false;
        });
        break;
      }
      case "rejectusername":
        this.registered.reject(new Error(`${this.name}: name rejected, got ${message.name}`));
        break;
      case "error":
        this.countError(String(message.code));
        this.registered.reject(new Error(`${this.name}: error ${message.code} ${message.message}`));
        break;
    }
  }
}

export function p2pCallFlavor(port: number): Flavor {
  return {
    label: "p2p-call",
    hasRooms: true,
    connect(name, room) {
      const url = `ws://127.0.0.1:${port}/ws?room=${encodeURIComponent(room)}`;
      return new P2pCallPeer(name, url).ready();
    },
    relayFrame: (target, body) => JSON.stringify({ type: P2P_RELAY_TYPE, target, ...body }),
    parseRelay(frame) {
      const { name, candidate, t, seq } = JSON.parse(frame);
      return { from: name, body: { candidate, t, seq } };
    },
  };
}

/**
 * Several instances of our service sharing one Redis, reached as a round-robin load
 * balancer per room would spread them: the k-th socket to join a room goes to instance
 * k mod n. With two instances, the two members of every pair (and half of a storm) sit
 * on different instances, so every relayed message crosses Redis; in the throughput
 * scenario the senders (2i) are all on the first instance and the receivers on the
 * second. Frames are exactly those of a single instance.
 */
export function p2pCallClusterFlavor(ports: readonly number[], label: string): Flavor {
  const instances = ports.map((port) => p2pCallFlavor(port));
  const joined = new Map<string, number>();
  return {
    ...instances[0],
    label,
    connect(name, room) {
      const k = joined.get(room) ?? 0;
      joined.set(room, k + 1);
      return instances[k % instances.length].connect(name, room);
    },
  };
}

// ---- peerjs-server (npm `peer`) ---------------------------------------------------------

const PEERJS_RELAY_TYPE = "CANDIDATE";

class PeerjsPeer extends BasePeer {
  constructor(name: string, url: string) {
    super(name, url, `"type":"${PEERJS_RELAY_TYPE}"`);
  }

  protected control(message: Record<string, unknown>): void {
    switch (message.type) {
      case "OPEN":
        this.registered.resolve();
        break;
      case "ERROR":
      case "ID-TAKEN": {
        const payload = message.payload as { msg?: string } | undefined;
        this.countError(String(message.type));
        this.registered.reject(new Error(`${this.name}: ${message.type} ${payload?.msg ?? ""}`));
        break;
      }
    }
  }
}

export function peerjsFlavor(port: number): Flavor {
  return {
    label: "peerjs-server",
    hasRooms: false,
    connect(name) {
      const token = Math.random().toString(36).slice(2);
      const url = `ws://127.0.0.1:${port}/peerjs?key=peerjs&id=${name}&token=${token}`;
      return new PeerjsPeer(name, url).ready();
    },
    relayFrame: (dst, body) => JSON.stringify({ type: PEERJS_RELAY_TYPE, dst, payload: body }),
    parseRelay(frame) {
      const { src, payload } = JSON.parse(frame);
      return { from: src, body: payload };
    },
  };
}
