/**
 * A headless stand-in for MDN's "Signaling and video calling" sample client
 * (mdn/samples-server s/webrtc-from-chat/chatclient.js), reduced to what
 * touches the wire. It keeps that client's quirks on purpose, because the
 * element must interoperate with them:
 * - opens the socket with subprotocol "json" and registers on `id`;
 * - sends `sdp: pc.localDescription` and `candidate: event.candidate`
 *   (serialized by JSON.stringify through toJSON);
 * - as callee answers at once, then adds its camera with addTransceiver,
 *   which makes it send a SECOND `video-offer` to the caller;
 * - hangs up with `target: null` (it clears the target first) and no reason;
 * - creates its offer with createOffer + setLocalDescription(offer).
 */
export class MdnClient {
  pc: RTCPeerConnection | null = null;
  stream: MediaStream | null = null;
  remoteStream: MediaStream | null = null;
  target: string | null = null;
  users: string[] = [];
  readonly received: Record<string, unknown>[] = [];
  readonly #socket: WebSocket;
  readonly #name: string;

  constructor(url: string, name: string, room: string) {
    this.#name = name;
    this.#socket = new WebSocket(`${url}?room=${encodeURIComponent(room)}`, "json");
    this.#socket.addEventListener("message", (event) => void this.#onMessage(event.data));
  }

  close(): void {
    this.#closeCall();
    this.#socket.close();
  }

  /** MDN's invite(): create the connection, add the camera; negotiationneeded offers. */
  async invite(name: string): Promise<void> {
    this.target = name;
    this.#createPeerConnection();
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    for (const track of this.stream.getTracks()) {
      this.pc!.addTransceiver(track, { streams: [this.stream] });
    }
  }

  /** MDN's hangUpCall(): closeVideoCall() clears the target before the message is sent. */
  hangUp(): void {
    this.#closeCall();
    this.#send({ name: this.#name, target: this.target, type: "hang-up" });
  }

  #send(message: Record<string, unknown>): void {
    this.#socket.send(JSON.stringify(message));
  }

  async #onMessage(data: string): Promise<void> {
    const message = JSON.parse(data);
    this.received.push(message);
    switch (message.type) {
      case "id":
        this.#send({ name: this.#name, date: Date.now(), id: message.id, type: "username" });
        break;
      case "userlist":
        this.users = message.users;
        break;
      case "video-offer":
        await this.#onVideoOffer(message);
        break;
      case "video-answer":
        await this.pc?.setRemoteDescription(new RTCSessionDescription(message.sdp));
        break;
      case "new-ice-candidate":
        await this.pc?.addIceCandidate(new RTCIceCandidate(message.candidate)).catch(() => {});
        break;
      case "hang-up":
        this.#closeCall();
        break;
    }
  }

  async #onVideoOffer(message: { name: string; sdp: RTCSessionDescriptionInit }): Promise<void> {
    this.target = message.name;
    if (!this.pc) this.#createPeerConnection();
    const pc = this.pc!;
    const description = new RTCSessionDescription(message.sdp);
    if (pc.signalingState !== "stable") {
      await Promise.all([
        pc.setLocalDescription({ type: "rollback" }),
        pc.setRemoteDescription(description),
      ]);
      return;
    }
    await pc.setRemoteDescription(description);
    if (!this.stream) {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      for (const track of this.stream.getTracks()) {
        pc.addTransceiver(track, { streams: [this.stream] });
      }
    }
    await pc.setLocalDescription(await pc.createAnswer());
    this.#send({
      name: this.#name,
      target: this.target,
      type: "video-answer",
      sdp: pc.localDescription,
    });
  }

  #createPeerConnection(): void {
    const pc = new RTCPeerConnection();
    this.pc = pc;
    pc.onicecandidate = (event) => {
      if (event.candidate) {
        this.#send({ type: "new-ice-candidate", target: this.target, candidate: event.candidate });
      }
    };
    pc.onnegotiationneeded = async () => {
      const offer = await pc.createOffer();
      if (pc.signalingState !== "stable") return;
      await pc.setLocalDescription(offer);
      this.#send({
        name: this.#name,
        target: this.target,
        type: "video-offer",
        sdp: pc.localDescription,
      });
    };
    pc.ontrack = (event) => {
      this.remoteStream = event.streams[0] ?? null;
    };
  }

  #closeCall(): void {
    if (this.pc) {
      this.pc.getTransceivers().forEach((transceiver) => transceiver.stop());
      this.stream?.getTracks().forEach((track) => track.stop());
      this.pc.close();
      this.pc = null;
      this.stream = null;
    }
    this.target = null;
  }
}
