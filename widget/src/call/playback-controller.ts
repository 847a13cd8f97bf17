import type { ReactiveController, ReactiveControllerHost } from "lit";

export interface PlaybackCallbacks {
  /** The chosen speaker could not be used; the sound stays on the default one. */
  onSinkError(cause: unknown): void;
}

/** Whether this browser can route a media element's sound to a chosen speaker. */
export const canChooseSpeaker = (): boolean =>
  typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;

/**
 * Owns the playback of the other side's media element: starts it with
 * `play()` itself, because the `autoplay` attribute fails silently when the
 * browser's autoplay policy refuses sound (no user gesture yet on the page).
 * When `play()` is refused (NotAllowedError), the element plays muted (muted
 * playback is always allowed, so at least the video moves) and `blocked` asks
 * the host to offer "Click to hear the call"; `unblock()`, run from that
 * click (a user gesture), unmutes and plays again.
 *
 * Also routes the sound to the chosen speaker with `setSinkId` where the
 * browser has it.
 */
export class PlaybackController implements ReactiveController {
  /** The browser refused to play the call's sound; a click is needed. */
  blocked = false;

  readonly #host: ReactiveControllerHost;
  readonly #callbacks: PlaybackCallbacks;
  #element: HTMLMediaElement | null = null;
  #stream: MediaStream | null = null;
  /** The speaker last asked for and where, so a failing one is not retried on every render. */
  #sinkId = "";
  #sinkElement: HTMLMediaElement | null = null;

  constructor(host: ReactiveControllerHost, callbacks: PlaybackCallbacks) {
    this.#host = host;
    this.#callbacks = callbacks;
    host.addController(this);
  }

  hostDisconnected(): void {
    this.#element = null;
    this.#stream = null;
    this.#setBlocked(false);
  }

  /**
   * Called after every render with the remote media element, the stream it
   * shows and the chosen speaker (`undefined`: the system default). Plays a
   * newly shown stream.
   */
  sync(element: HTMLMediaElement | null, stream: MediaStream | null, sinkId?: string): void {
    if (element !== this.#element || stream !== this.#stream) {
      this.#element = element;
      this.#stream = stream;
      if (element && stream) void this.#play(element, stream);
      else this.#setBlocked(false);
    }
    if (element) this.#applySink(element, sinkId ?? "");
  }

  /** Unmutes and plays; call it from a user gesture (the "click to hear" button). */
  async unblock(): Promise<void> {
    const element = this.#element;
    if (!element) return;
    element.muted = false;
    const outcome = await playWithRetry(element);
    if (element !== this.#element) return;
    if (outcome === "played") {
      this.#setBlocked(false);
    } else {
      // Still refused (not a gesture after all): keep the video moving, keep asking.
      element.muted = true;
      void playWithRetry(element);
    }
  }

  async #play(element: HTMLMediaElement, stream: MediaStream): Promise<void> {
    // A previous call may have left the element muted by the fallback below.
    element.muted = false;
    const outcome = await playWithRetry(element);
    if (element !== this.#element || stream !== this.#stream) return;
    if (outcome === "refused") {
      this.#setBlocked(true);
      element.muted = true;
      void playWithRetry(element);
    } else if (outcome === "played") {
      this.#setBlocked(false);
    }
  }

  #applySink(element: HTMLMediaElement, sinkId: string): void {
    if (!canChooseSpeaker() || (element === this.#sinkElement && sinkId === this.#sinkId)) return;
    this.#sinkElement = element;
    this.#sinkId = sinkId;
    if (element.sinkId === sinkId) return;
    element.setSinkId(sinkId).catch((error: unknown) => {
      // The speaker was unplugged or is not allowed here: the default one plays.
      if (element === this.#element) this.#callbacks.onSinkError(error);
    });
  }

  #setBlocked(blocked: boolean): void {
    if (blocked === this.blocked) return;
    this.blocked = blocked;
    this.#host.requestUpdate();
  }
}

/**
 * play(), again after an AbortError: Chromium reloads a media element whose
 * srcObject stream gains a track (the second of a call's two arrives a moment
 * after the first), which aborts a pending play().
 */
async function playWithRetry(element: HTMLMediaElement): Promise<"played" | "refused" | "failed"> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await element.play();
      return "played";
    } catch (error) {
      const name = (error as DOMException)?.name;
      if (name === "NotAllowedError") return "refused";
      if (name !== "AbortError") return "failed";
    }
  }
  return "failed";
}
