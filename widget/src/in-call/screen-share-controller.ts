import type { ReactiveController, ReactiveControllerHost } from "lit";

export interface ScreenShareParts {
  /** The current call's connection; `null` outside a call. */
  connection(): RTCPeerConnection | null;
  /** The camera track to send again when sharing stops (it may have been switched meanwhile). */
  cameraTrack(): MediaStreamTrack | null;
  onError(message: string, cause: unknown): void;
}

/**
 * Owns the screen capture of a call: getDisplayMedia, and the swap of the
 * outgoing video between camera and screen with RTCRtpSender.replaceTrack,
 * which needs no renegotiation (the sender, its m-line and codec stay; only
 * the source changes). Sharing stops on `stop()`, when the browser's own
 * "Stop sharing" ends the track, and when the call ends.
 *
 * Loaded on the first press of Share screen (a separate chunk).
 */
export class ScreenShareController implements ReactiveController {
  /** The display track being sent, while sharing. */
  track: MediaStreamTrack | null = null;

  readonly #host: ReactiveControllerHost;
  readonly #parts: ScreenShareParts;
  /** The sender whose camera track was swapped out, and its connection. */
  #sender: RTCRtpSender | null = null;
  #pc: RTCPeerConnection | null = null;
  /** Bumped by every start/stop: a picker that resolves after either is stale. */
  #generation = 0;

  constructor(host: ReactiveControllerHost, parts: ScreenShareParts) {
    this.#host = host;
    this.#parts = parts;
    host.addController(this);
  }

  hostUpdate(): void {
    // The call ended or was replaced: its sender is gone, so just release the
    // capture. (Before render, so the update under way shows it.)
    if (this.#pc && this.#parts.connection() !== this.#pc) this.#release();
  }

  hostDisconnected(): void {
    this.#release();
  }

  get sharing(): boolean {
    return this.track !== null;
  }

  /**
   * Asks the user for a screen, window or tab and sends it instead of the
   * camera. Resolves `false` if there is no camera sender to swap (no call,
   * or answered without camera), the user cancelled, or the call moved on.
   */
  async start(): Promise<boolean> {
    const pc = this.#parts.connection();
    const sender = pc?.getSenders().find((candidate) => candidate.track?.kind === "video");
    if (!pc || !sender || this.track) return false;
    const generation = ++this.#generation;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      // Cancelling the picker is a choice, not a failure.
      if (!(error instanceof DOMException && error.name === "NotAllowedError")) {
        this.#parts.onError("The screen could not be shared.", error);
      }
      return false;
    }
    const [track] = stream.getVideoTracks();
    if (!track || generation !== this.#generation || this.#parts.connection() !== pc) {
      stream.getTracks().forEach((stale) => stale.stop());
      return false;
    }
    // Favour sharp text over smooth motion when the encoder must choose.
    track.contentHint = "detail";
    track.addEventListener("ended", () => {
      if (track === this.track) void this.stop();
    });
    try {
      await sender.replaceTrack(track);
    } catch (error) {
      track.stop();
      this.#parts.onError("The screen could not be shared.", error);
      return false;
    }
    if (generation !== this.#generation) {
      // stop() or the end of the call came during replaceTrack, before this
      // share counted as started: undo the swap here.
      track.stop();
      if (this.#parts.connection() === pc) {
        await sender.replaceTrack(this.#parts.cameraTrack()).catch(() => {});
      }
      return false;
    }
    this.track = track;
    this.#sender = sender;
    this.#pc = pc;
    this.#host.requestUpdate();
    return true;
  }

  /** Stops sharing and sends the camera again. */
  async stop(): Promise<void> {
    const sender = this.#sender;
    const pc = this.#pc;
    this.#release();
    if (!sender || !pc || pc !== this.#parts.connection()) return;
    try {
      await sender.replaceTrack(this.#parts.cameraTrack());
    } catch (error) {
      this.#parts.onError("The camera could not be restored after screen sharing.", error);
    }
  }

  #release(): void {
    this.#generation++;
    const track = this.track;
    this.track = null;
    this.#sender = null;
    this.#pc = null;
    if (!track) return;
    track.stop();
    this.#host.requestUpdate();
  }
}
