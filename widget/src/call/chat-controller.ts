import type { ReactiveController, ReactiveControllerHost } from "lit";

/** One line of the chat log. */
export interface ChatMessage {
  from: "local" | "remote";
  text: string;
}

/** Longer messages are cut: the log is a chat, not a file transfer. */
export const MAX_CHAT_LENGTH = 2_000;

/** The log keeps the latest messages of a call: a long chat, or a flood, does not grow the page. */
export const MAX_CHAT_HISTORY = 500;

/**
 * The channel's id on both sides. A pre-negotiated channel (`negotiated: true`)
 * needs no in-band open handshake, so both peers may create it independently
 * and glare cannot produce two channels.
 */
const CHANNEL_ID = 0;

export interface ChatCallbacks {
  /** A message from the peer arrived. */
  onMessage(message: ChatMessage): void;
}

/**
 * Owns the call's text chat: an RTCDataChannel on the call's peer connection
 * (messages go peer to peer, never through the signaling service), the log
 * of the current call and whether its panel is open.
 *
 * Frames are JSON with a `type`, so other kinds can share the channel later;
 * unknown frames are ignored. Each side sends `{ "type": "hello" }` when the
 * channel opens, and chat is offered only once the peer's has arrived: a
 * peer without chat (MDN's client answering our offer) accepts the data
 * section but would silently drop every message.
 */
export class ChatController implements ReactiveController {
  messages: ChatMessage[] = [];
  /** Peer messages that arrived while the panel was closed. */
  unread = 0;
  /** Whether the chat panel is shown. */
  open = false;

  readonly #host: ReactiveControllerHost;
  readonly #callbacks: ChatCallbacks;
  #pc: RTCPeerConnection | null = null;
  #channel: RTCDataChannel | null = null;
  /** The peer's hello arrived on the current channel. */
  #peerHasChat = false;
  /** The user closed the panel in this call: new messages then only count as unread. */
  #dismissed = false;

  constructor(host: ReactiveControllerHost, callbacks: ChatCallbacks) {
    this.#host = host;
    this.#callbacks = callbacks;
    host.addController(this);
  }

  hostDisconnected(): void {
    this.#channel?.close();
    this.#channel = null;
    this.#pc = null;
  }

  /** Whether the peer of this call has chat (its hello arrived); stays true after the call. */
  get available(): boolean {
    return this.#peerHasChat;
  }

  /** Whether a message can be sent now. */
  get ready(): boolean {
    return this.#peerHasChat && this.#channel?.readyState === "open";
  }

  /**
   * A new call's peer connection. The answering side creates its end of the
   * channel once the caller's offer is applied and carries a data section
   * (then no renegotiation follows); an offer without one (e.g. MDN's
   * client) leaves chat off. The offering side creates it in `offer()`.
   */
  attach(pc: RTCPeerConnection): void {
    this.#channel?.close();
    this.#channel = null;
    this.#peerHasChat = false;
    this.#pc = pc;
    this.messages = [];
    this.unread = 0;
    this.open = false;
    this.#dismissed = false;
    const onSignalingState = () => {
      if (pc !== this.#pc || pc.signalingState === "closed") {
        pc.removeEventListener("signalingstatechange", onSignalingState);
      } else if (!this.#channel && pc.remoteDescription?.sdp.includes("m=application")) {
        this.#create(pc);
      }
    };
    pc.addEventListener("signalingstatechange", onSignalingState);
  }

  /**
   * The offering side is about to add its tracks: the channel goes into the
   * same offer. Not earlier: on a fresh connection a channel alone fires
   * `negotiationneeded`, and an offer would leave before the camera is even
   * allowed. Not on the answering side (its remote offer is already applied).
   */
  offer(pc: RTCPeerConnection): void {
    if (pc === this.#pc && !this.#channel && !pc.remoteDescription) this.#create(pc);
  }

  /** Sends `text` to the peer; `false` if the channel is not open or the text is blank. */
  send(text: string): boolean {
    const channel = this.#channel;
    const trimmed = text.trim().slice(0, MAX_CHAT_LENGTH);
    if (!trimmed || !this.ready || !channel) return false;
    channel.send(JSON.stringify({ type: "chat", text: trimmed }));
    this.#add({ from: "local", text: trimmed });
    return true;
  }

  /** Shows or hides the panel; showing it marks everything read. */
  toggle(open = !this.open): void {
    this.open = open;
    if (open) this.unread = 0;
    else this.#dismissed = true;
    this.#host.requestUpdate();
  }

  #create(pc: RTCPeerConnection): void {
    const channel = pc.createDataChannel("chat", { negotiated: true, id: CHANNEL_ID });
    this.#channel = channel;
    const update = () => {
      if (channel === this.#channel) this.#host.requestUpdate();
    };
    channel.addEventListener("open", () => channel.send(JSON.stringify({ type: "hello" })));
    channel.addEventListener("close", update);
    channel.addEventListener("message", ({ data }) => {
      if (channel !== this.#channel) return;
      const frame = parseChatFrame(data);
      if (frame?.type === "hello") {
        this.#peerHasChat = true;
        update();
      }
      if (frame?.type !== "chat") return;
      const message: ChatMessage = { from: "remote", text: frame.text };
      this.#add(message);
      // Until the user closes it, a message opens the panel, so its live log
      // announces it; after that, messages are counted on the Chat button.
      if (!this.open && this.#dismissed) this.unread++;
      else this.open = true;
      this.#callbacks.onMessage(message);
    });
  }

  #add(message: ChatMessage): void {
    this.messages = [...this.messages.slice(1 - MAX_CHAT_HISTORY), message];
    this.#host.requestUpdate();
  }
}

export type ChatFrame = { type: "hello" } | { type: "chat"; text: string };

/** A frame of the chat channel, or `null` for anything else (ignored). */
export function parseChatFrame(data: unknown): ChatFrame | null {
  if (typeof data !== "string") return null;
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof frame !== "object" || frame === null || !("type" in frame)) return null;
  if (frame.type === "hello") return { type: "hello" };
  if (frame.type === "chat" && "text" in frame && typeof frame.text === "string") {
    // Longer text is cut rather than refused: the peer may allow more.
    const text = frame.text.slice(0, MAX_CHAT_LENGTH);
    return text.trim() ? { type: "chat", text } : null;
  }
  return null;
}
