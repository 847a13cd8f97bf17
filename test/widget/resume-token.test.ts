import { expect, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import { SignalingController } from "../../widget/src/element/signaling-controller.ts";
import { parseServerMessage } from "../../widget/src/element/protocol.ts";
import { resumeKey } from "../../widget/src/element/resume-token.ts";
import { FakeHost } from "./fake-host.ts";

/** A socket the test plays the service for: it records frames and delivers what the test says. */
class ScriptedSocket extends EventTarget {
  static readonly opened: ScriptedSocket[] = [];
  readonly sent: Record<string, unknown>[] = [];
  readyState: number = WebSocket.OPEN;

  constructor() {
    super();
    ScriptedSocket.opened.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.readyState = WebSocket.CLOSED;
  }

  receive(message: Record<string, unknown>): void {
    this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(message) }));
  }

  drop(): void {
    this.readyState = WebSocket.CLOSED;
    this.dispatchEvent(new CloseEvent("close", { code: 1006 }));
  }

  registrations(): Record<string, unknown>[] {
    return this.sent.filter((message) => message.type === "username");
  }
}

const callbacks = () => ({
  onRelay: sinon.spy(),
  onUsers: sinon.spy(),
  onServiceError: sinon.spy(),
  onProtocolError: sinon.spy(),
  onStatus: sinon.spy(),
});

describe("resume tokens (element side)", () => {
  const target = { url: "ws://resume.test/ws", name: "erin", room: "lobby" };
  const key = resumeKey(target.url, target.room, target.name);

  beforeEach(() => {
    ScriptedSocket.opened.length = 0;
    sessionStorage.removeItem(key);
    sinon.stub(window, "WebSocket").callsFake(() => new ScriptedSocket());
  });

  afterEach(() => {
    sinon.restore();
    sessionStorage.clear();
  });

  it("parses a token from id, and nothing when there is none", () => {
    expect(parseServerMessage('{"type":"id","id":1,"resume":"r1"}')).to.deep.equal({
      ok: true,
      message: { type: "id", id: 1, iceServers: undefined, resume: "r1" },
    });
    const plain = parseServerMessage('{"type":"id","id":1,"resume":7}');
    expect(plain.ok && "resume" in plain.message).to.equal(false);
  });

  it("registers with the previous socket's token after a reconnect and after a reload", async () => {
    const host = new FakeHost();
    const signaling = new SignalingController(host, callbacks(), { initial: 10, max: 10 });
    signaling.configure(target);
    host.connect();
    const [first] = ScriptedSocket.opened;

    first!.receive({ type: "id", id: 1, resume: "token-1" });

    expect(first!.registrations()).to.have.length(1);
    // Nothing to resume yet (`""` only declares that this client can resume).
    expect(first!.registrations()[0]!.resume ?? "").to.equal("");
    expect(sessionStorage.getItem(key), "kept for a reload").to.equal("token-1");

    // A network blip: the next socket registers with the first one's token.
    first!.drop();
    await waitUntil(() => ScriptedSocket.opened.length === 2, "reconnects");
    const second = ScriptedSocket.opened[1]!;
    second.receive({ type: "id", id: 2, resume: "token-2" });
    expect(second.registrations()[0]).to.include({
      name: "erin",
      room: "lobby",
      resume: "token-1",
    });

    // A rename on the same socket is a new identity: no token.
    signaling.configure({ ...target, name: "erin-renamed" });
    expect(second.registrations()[1]!.resume ?? "").to.equal("");
    signaling.configure(target);
    host.disconnect();

    // A reload: a new element finds the latest token in sessionStorage.
    const reloaded = new FakeHost();
    const again = new SignalingController(reloaded, callbacks());
    again.configure(target);
    reloaded.connect();
    const third = ScriptedSocket.opened.at(-1)!;
    third.receive({ type: "id", id: 3, resume: "token-3" });
    expect(third.registrations()[0]).to.include({ resume: "token-2" });
    expect(sessionStorage.getItem(key)).to.equal("token-3");
    reloaded.disconnect();
  });

  it("never sends a token when the service gives none (today's service)", () => {
    const host = new FakeHost();
    const signaling = new SignalingController(host, callbacks());
    signaling.configure(target);
    host.connect();
    const [socket] = ScriptedSocket.opened;

    socket!.receive({ type: "id", id: 1 });

    expect(socket!.registrations()).to.have.length(1);
    expect(socket!.registrations()[0]).not.to.have.property("resume");
    host.disconnect();
  });
});
