import { expect, waitUntil } from "@open-wc/testing";
import sinon from "sinon";
import { SignalingController } from "../../widget/src/element/signaling-controller.ts";
import type { SignalingStatus } from "../../widget/src/api/events.ts";
import { FakeHost } from "./fake-host.ts";
import { startSignaling, stopSignaling, uniqueRoom } from "./helpers.ts";

const callbacks = (statuses: SignalingStatus[] = [], users: (readonly string[])[] = []) => ({
  onRelay: sinon.spy(),
  onUsers: (list: readonly string[]) => users.push(list),
  onServiceError: sinon.spy(),
  onProtocolError: sinon.spy(),
  onStatus: (status: SignalingStatus) => statuses.push(status),
});

describe("SignalingController (fake host)", () => {
  afterEach(() => sinon.restore());

  it("registers when the host connects and closes the socket when it disconnects", async () => {
    const { url } = await startSignaling();
    const host = new FakeHost();
    const statuses: SignalingStatus[] = [];
    const users: (readonly string[])[] = [];
    const signaling = new SignalingController(host, callbacks(statuses, users));
    signaling.configure({ url, name: "erin", room: uniqueRoom() });
    const close = sinon.spy(WebSocket.prototype, "close");

    host.connect();
    await waitUntil(() => users.length > 0, "a user list arrives");
    expect(users.at(-1)).to.deep.equal(["erin"]);
    expect(statuses).to.deep.equal(["connecting", "online"]);
    expect(host.updates).to.be.greaterThan(0);

    host.disconnect();
    expect(close.calledOnce).to.equal(true);
    expect(signaling.status).to.equal("offline");
  });

  it("waits exponentially longer, with jitter, between reconnect attempts", async () => {
    // A port where the service just stopped: every attempt is refused at once.
    const { url } = await startSignaling();
    await stopSignaling();
    const RealWebSocket = WebSocket;
    const attempts: number[] = [];
    const closes: number[] = [];
    sinon.stub(window, "WebSocket").callsFake(function (...args: unknown[]) {
      attempts.push(performance.now());
      const socket = new RealWebSocket(...(args as [string, string]));
      // Before the controller's own listener, which starts the wait.
      socket.addEventListener("close", () => closes.push(performance.now()));
      return socket;
    });
    const host = new FakeHost();
    const signaling = new SignalingController(host, callbacks(), { initial: 100, max: 800 });
    signaling.configure({ url, name: "erin", room: null });

    host.connect();
    await waitUntil(() => attempts.length >= 6, "six attempts", { timeout: 10_000 });
    host.disconnect();

    // From a refused socket's close to the next attempt: the wait alone. (A
    // refusal takes WebKitGTK 40-170 ms to report, Chromium about 10.)
    const gaps = attempts.slice(1).map((time, index) => time - closes[index]!);
    // Retry n waits between half and all of min(800, 100 * 2^n) ms.
    const ceilings = [100, 200, 400, 800, 800];
    gaps.forEach((gap, index) => {
      expect(gap, `gap ${index}`).to.be.at.least(ceilings[index]! / 2 - 5);
      expect(gap, `gap ${index}`).to.be.below(ceilings[index]! + 150);
    });
    expect(signaling.status).to.equal("offline");
    const count = attempts.length;
    // An absence can only be observed over time: longer than the next retry.
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(attempts.length, "no attempts after the host left").to.equal(count);
  });
});
