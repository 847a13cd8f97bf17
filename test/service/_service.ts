/**
 * Starts the real service on 127.0.0.1, port 0, for one test, and closes
 * every client it opened (awaiting their close) before shutting it down:
 *
 *   await using service = await startTestService({ userlistDelayMs: 5 });
 *   const alice = await service.join("alice");
 */
import { type Config, defaultConfig, type Limits } from "../../signaling/config.ts";
import { type RunningServer, startServer } from "../../signaling/main.ts";
import type { HandlerOptions } from "../../signaling/handler.ts";
import { type ConnectOptions, TestClient } from "./_client.ts";

export type ConfigOverrides = Partial<Omit<Config, "limits">> & { limits?: Partial<Limits> };

/** Defaults, quiet, bound to a free loopback port. */
export function testConfig(overrides: ConfigOverrides = {}): Config {
  const base = defaultConfig();
  return {
    ...base,
    hostname: "127.0.0.1",
    port: 0,
    logLevel: "silent",
    userlistDelayMs: 5,
    ...overrides,
    limits: { ...base.limits, ...overrides.limits },
  };
}

export interface JoinOptions extends ConnectOptions {
  /** `room` field of the username message. */
  room?: string;
  /** `?room=` and `?token=` of the socket URL. */
  query?: Record<string, string>;
}

export class TestService implements AsyncDisposable {
  readonly server: RunningServer;
  readonly clients: TestClient[] = [];

  constructor(server: RunningServer) {
    this.server = server;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }

  wsUrl(query: Record<string, string> = {}): string {
    const search = new URLSearchParams(query).toString();
    return `ws://127.0.0.1:${this.server.port}/ws${search ? `?${search}` : ""}`;
  }

  /** A socket that has received its `id`, not registered yet. */
  async connect(options: JoinOptions = {}): Promise<TestClient> {
    const client = await TestClient.connect(this.wsUrl(options.query), options);
    this.clients.push(client);
    return client;
  }

  /** A socket that has not waited for anything (for refused connections). */
  async open(options: JoinOptions = {}): Promise<TestClient> {
    const client = await TestClient.open(this.wsUrl(options.query), options);
    this.clients.push(client);
    return client;
  }

  /**
   * A registered client: connects, sends `username`, adopts a `rejectusername`
   * if one comes, and waits until a userlist lists it. That userlist stays
   * queued, so a test can still await it.
   */
  async join(name: string, options: JoinOptions = {}): Promise<TestClient> {
    const client = await this.connect(options);
    client.send({ type: "username", name, id: client.id, date: Date.now(), room: options.room });
    const first = await client.peek((m) => m.type === "rejectusername" || m.type === "userlist");
    if (first.type === "rejectusername") {
      await client.next("rejectusername");
      client.name = first.name as string;
    } else {
      client.name = name;
    }
    await client.peek((m) => m.type === "userlist" && (m.users as string[]).includes(client.name));
    return client;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
    await this.server.shutdown();
  }
}

export async function startTestService(
  overrides: ConfigOverrides = {},
  options: HandlerOptions = {},
): Promise<TestService> {
  return new TestService(await startServer(testConfig(overrides), options));
}
