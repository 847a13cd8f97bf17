import { expect, fixture, html, waitUntil } from "@open-wc/testing";
import { sendKeys } from "@web/test-runner-commands";
import sinon from "sinon";
import { MAX_CHAT_HISTORY, parseChatFrame } from "../../widget/src/call/chat-controller.ts";
import type { P2pCall } from "../../widget/src/element/p2p-call.ts";
import {
  collideNextOffers,
  connect,
  mountCallers,
  nextEvent,
  part,
  startSignaling,
  uniqueRoom,
  waitForState,
} from "./helpers.ts";
import { MdnClient } from "./mdn-client.ts";
import { describeWithWebRTC } from "./webrtc-gate.ts";

/** Opens the chat panel of `element` (Chat is pressed) and waits until it can send. */
async function openChat(element: P2pCall): Promise<void> {
  const button = await waitUntil(() => part(element, "chat-button"), "Chat is offered")
    .then(() => part<HTMLButtonElement>(element, "chat-button")!);
  if (button.getAttribute("aria-expanded") !== "true") button.click();
  await waitUntil(
    () => part<HTMLButtonElement>(element, "chat-send-button")?.disabled === false,
    `${element.name}'s chat panel is open and its channel ready`,
    { timeout: 15_000 },
  );
}

/** Types `text` into the chat field like a user (keys, then Enter). */
async function typeMessage(element: P2pCall, text: string): Promise<void> {
  part<HTMLInputElement>(element, "chat-input")!.focus();
  await sendKeys({ type: text });
  await sendKeys({ press: "Enter" });
}

const logText = (element: P2pCall): string => part(element, "chat-log")?.textContent ?? "";

describeWithWebRTC("<p2p-call> chat", () => {
  let url: string;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => sinon.restore());

  it("carries messages both ways over the data channel, never the signaling service", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    const send = sinon.spy(WebSocket.prototype, "send");
    const bobHears = nextEvent(bob, "p2p-chat-message");

    await openChat(alice);
    expect(part(alice, "chat-input")!.matches(":focus"), "opening focuses the field").to.equal(
      true,
    );
    await typeMessage(alice, "hello bob");

    const event = await bobHears;
    expect({ from: event.from, text: event.text }).to.deep.equal({
      from: "alice",
      text: "hello bob",
    });
    // The first message opens the panel on the receiving side.
    await waitUntil(() => logText(bob).includes("hello bob"), "bob's log shows it", {
      timeout: 10_000,
    });
    expect(part(alice, "chat-input")!.matches(":focus"), "the field keeps focus").to.equal(true);
    expect((part<HTMLInputElement>(alice, "chat-input")!).value, "and is cleared").to.equal("");

    await openChat(bob);
    await typeMessage(bob, "hi alice");
    await waitUntil(() => logText(alice).includes("hi alice"), "alice's log shows the reply", {
      timeout: 10_000,
    });

    expect(logText(alice)).to.match(/You\s*hello bob[\s\S]*bob\s*hi alice/);
    expect(logText(bob)).to.match(/alice\s*hello bob[\s\S]*You\s*hi alice/);
    // (The test runner's own socket carried the keystrokes: only the service's count.)
    const relayed = send.getCalls()
      .filter((call) => new URL(call.thisValue.url).port === new URL(url).port)
      .map((call) => String(call.args[0]));
    expect(relayed.filter((frame) => /hello bob|hi alice/.test(frame)), "no signaling frame")
      .to.deep.equal([]);
    // The data channel's own counters show where the text went: one hello
    // and one message each way.
    const channelStats = async (element: P2pCall) =>
      [...(await element.peerConnection!.getStats()).values()]
        .find((stat) => stat.type === "data-channel");
    expect(await channelStats(alice)).to.include({ messagesSent: 2, messagesReceived: 2 });
    expect(await channelStats(bob)).to.include({ messagesSent: 2, messagesReceived: 2 });
  });

  it("has a labelled field and a polite log, and passes axe with the panel open", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    await openChat(alice);

    const input = part<HTMLInputElement>(alice, "chat-input")!;
    expect([...input.labels!].map((label) => label.textContent?.trim())).to.deep.equal([
      "Message",
    ]);
    const log = part(alice, "chat-log")!;
    expect(log.getAttribute("role")).to.equal("log");
    expect(log.getAttribute("aria-live")).to.equal("polite");
    expect(log.getAttribute("aria-label")).to.equal("Messages");
    const button = part(alice, "chat-button")!;
    expect(button.getAttribute("aria-expanded")).to.equal("true");
    expect(button.getAttribute("aria-controls")).to.equal(part(alice, "chat")!.id);
    await expect(alice).to.be.accessible();
  });

  it("counts messages as unread once the user closed the panel", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    await openChat(alice);
    await openChat(bob);
    part(bob, "chat-button")!.click();
    await waitUntil(() => !part(bob, "chat"), "bob closed the panel");

    expect(alice.sendMessage("one")).to.equal(true);
    expect(alice.sendMessage("two")).to.equal(true);

    await waitUntil(() => part(bob, "chat-unread")?.textContent === "2", "two unread", {
      timeout: 10_000,
    });
    const button = part(bob, "chat-button")!;
    expect(button.getAttribute("aria-label")).to.equal("Chat, 2 unread");
    expect(part(bob, "chat"), "the panel stays closed").to.equal(null);

    button.click();
    await waitUntil(() => logText(bob).includes("two"), "opening shows them");
    expect(part(bob, "chat-unread")).to.equal(null);
    expect(button.hasAttribute("aria-label"), "the plain name again").to.equal(false);
  });

  it("keeps the latest 500 messages of a call in the log", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    await connect(alice, bob);
    await openChat(alice);
    await openChat(bob);
    let heard = 0;
    bob.addEventListener("p2p-chat-message", () => heard++);

    for (let i = 1; i <= 520; i++) expect(alice.sendMessage(`m${i}`)).to.equal(true);

    await waitUntil(() => heard === 520, "bob heard every message", { timeout: 10_000 });
    await bob.updateComplete;
    for (const element of [alice, bob]) {
      const texts = [...part(element, "chat-log")!.querySelectorAll(".chat-text")]
        .map((line) => line.textContent);
      expect(texts.length, `${element.name}'s log`).to.equal(MAX_CHAT_HISTORY);
      expect(texts[0]).to.equal("m21");
      expect(texts.at(-1)).to.equal("m520");
    }
  });

  it("starts each call with an empty log and refuses to send outside a call", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    expect(alice.sendMessage("too early")).to.equal(false);
    await connect(alice, bob);
    await openChat(alice);
    expect(alice.sendMessage("first call")).to.equal(true);
    await waitUntil(() => logText(bob).includes("first call"), "delivered");
    alice.hangUp();
    await waitUntil(() => bob.state === "ended", "the call ended");
    expect(alice.sendMessage("after")).to.equal(false);
    expect(part(alice, "chat"), "no panel outside a call").to.equal(null);

    await connect(bob, alice);
    await openChat(alice);
    expect(logText(alice)).not.to.contain("first call");
  });
});

describeWithWebRTC("<p2p-call> chat in special calls", () => {
  let url: string;
  let mdn: MdnClient | undefined;

  before(async () => {
    ({ url } = await startSignaling());
  });

  afterEach(() => {
    sinon.restore();
    mdn?.close();
    mdn = undefined;
  });

  it("works after glare: both sides made the channel, one offer was rolled back", async () => {
    const [alice, bob] = await mountCallers(url, ["alice", "bob"]);
    collideNextOffers();

    await Promise.all([alice.call("bob"), bob.call("alice")]);
    await Promise.all([waitForState(alice, "connected"), waitForState(bob, "connected")]);
    await openChat(alice);
    await openChat(bob);

    expect(alice.sendMessage("after glare")).to.equal(true);
    expect(bob.sendMessage("same channel")).to.equal(true);
    await waitUntil(() => logText(bob).includes("after glare"), "alice → bob");
    await waitUntil(() => logText(alice).includes("same channel"), "bob → alice");
    const channels = (element: P2pCall) =>
      element.peerConnection!.getStats().then((report) =>
        [...report.values()].filter((stat) => stat.type === "data-channel").length
      );
    expect([await channels(alice), await channels(bob)], "one channel each").to.deep.equal([1, 1]);
  });

  it("offers no chat to a peer without it (MDN's client)", async () => {
    const room = uniqueRoom();
    const alice = await fixture<P2pCall>(
      html`<p2p-call signaling=${url} name="alice" room=${room}></p2p-call>`,
    );
    mdn = new MdnClient(url, "mdn", room);
    await waitUntil(() => alice.users.includes("mdn"), "both are in the room");

    await alice.call("mdn");
    await waitForState(alice, "connected");
    // MDN's second offer (its own tracks) is answered once everything is settled.
    await waitUntil(
      () => mdn!.received.filter((message) => message.type === "video-answer").length === 1,
      "renegotiated",
    );
    // The data section was accepted, so alice's end opens; only no hello comes back.
    await waitUntil(
      async () =>
        [...(await alice.peerConnection!.getStats()).values()]
          .some((stat) => stat.type === "data-channel" && stat.state === "open"),
      "alice's channel opens",
    );
    await alice.updateComplete;

    expect(part(alice, "chat-button"), "no Chat button").to.equal(null);
    expect(alice.sendMessage("anyone?")).to.equal(false);
  });
});

describe("parseChatFrame", () => {
  it("takes chat and hello frames and ignores everything else", () => {
    expect(parseChatFrame('{"type":"chat","text":"hi"}')).to.deep.equal({
      type: "chat",
      text: "hi",
    });
    expect(parseChatFrame('{"type":"hello"}')).to.deep.equal({ type: "hello" });
    expect(parseChatFrame('{"type":"chat","text":"   "}')).to.equal(null);
    expect(parseChatFrame('{"type":"chat","text":7}')).to.equal(null);
    expect(parseChatFrame('{"type":"other","text":"hi"}')).to.equal(null);
    expect(parseChatFrame("not json")).to.equal(null);
    expect(parseChatFrame("null")).to.equal(null);
    expect(parseChatFrame(new ArrayBuffer(2))).to.equal(null);
    const long = parseChatFrame(JSON.stringify({ type: "chat", text: "x".repeat(5000) }));
    expect(long?.type === "chat" && long.text.length).to.equal(2000);
  });
});
