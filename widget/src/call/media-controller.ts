import type { ReactiveController, ReactiveControllerHost } from "lit";
import { loadDeviceChoices, type PickerKind, saveDeviceChoice } from "./device-memory.ts";

export type { PickerKind } from "./device-memory.ts";

export interface MediaRequest {
  video: boolean;
  audio: boolean;
}

export type DeviceKind = "videoinput" | "audioinput";

export interface MediaCallbacks {
  /**
   * A capture device went away mid-call (unplugged, or taken by another
   * app) and `track` now stands in for the `lost` one in the local stream.
   * The host sends it instead (RTCRtpSender.replaceTrack, no renegotiation).
   */
  onTrackReplaced?(lost: MediaStreamTrack, track: MediaStreamTrack): void;
  /** A lost device could not be replaced by any other; the call goes on without it. */
  onDeviceLost?(kind: DeviceKind, cause: unknown): void;
}

const trackKind = (kind: DeviceKind): "video" | "audio" =>
  kind === "videoinput" ? "video" : "audio";

/** Devices tried after a loss before giving up (each try may wait on the OS). */
const MAX_FALLBACK_TRIES = 4;

/**
 * Owns the local camera and microphone: getUserMedia, the local stream, the
 * device list, mute / camera-off (track.enabled, so no renegotiation) and
 * device switching. Every track it opened is stopped by `release()` and when
 * the host leaves the document.
 *
 * Devices come and go: `devicechange` refreshes the list; a track that ends
 * by itself (device unplugged) is replaced by another device's, or the
 * default one's, and handed to `onTrackReplaced`. The user's picks (camera,
 * microphone, speaker) are remembered in localStorage (device-memory.ts) and
 * preferred by the next acquire, also in a later visit. New tracks inherit
 * mute and camera-off.
 *
 * A getUserMedia that resolves after `release()` (the call was hung up while
 * the permission prompt was open) is stale: its tracks are stopped at once and
 * the caller gets an AbortError.
 */
export class MediaController implements ReactiveController {
  /** The local stream while a call holds media. */
  stream: MediaStream | null = null;
  /** Cameras, microphones and speakers; labels are empty until permission was granted once. */
  devices: MediaDeviceInfo[] = [];
  muted = false;
  cameraOff = false;

  readonly #host: ReactiveControllerHost;
  readonly #callbacks: MediaCallbacks;
  /** Bumped by every acquire/release; a result from an older generation is stale. */
  #generation = 0;
  readonly #preferred: Partial<Record<PickerKind, string>> = {};

  constructor(host: ReactiveControllerHost, callbacks: MediaCallbacks = {}) {
    this.#host = host;
    this.#callbacks = callbacks;
    host.addController(this);
  }

  hostConnected(): void {
    // Another element (or tab) may have remembered a newer choice meanwhile;
    // without storage, this page's own choices stay.
    Object.assign(this.#preferred, loadDeviceChoices());
    navigator.mediaDevices?.addEventListener("devicechange", this.refreshDevices);
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener("devicechange", this.refreshDevices);
    this.release();
  }

  /** Opens camera and/or microphone (the preferred devices, if chosen) for a call. */
  async acquire(request: MediaRequest): Promise<MediaStream> {
    const generation = ++this.#generation;
    this.#stopTracks();
    const stream = await this.open(request);
    if (generation !== this.#generation) {
      stream.getTracks().forEach((track) => track.stop());
      throw new DOMException("The media request was superseded.", "AbortError");
    }
    for (const track of stream.getTracks()) this.#watch(track);
    this.stream = stream;
    this.#applyEnabled();
    this.#host.requestUpdate();
    void this.refreshDevices();
    return stream;
  }

  /** Stops every track this controller opened; a pending acquire becomes stale. */
  release(): void {
    this.#generation++;
    this.#stopTracks();
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.#applyEnabled();
  }

  setCameraOff(cameraOff: boolean): void {
    this.cameraOff = cameraOff;
    this.#applyEnabled();
  }

  /**
   * getUserMedia with the remembered devices, else (when one of them is gone)
   * the default ones. The caller owns the stream; `acquire()` uses this for
   * calls, the pre-call check for its preview.
   */
  async open(request: MediaRequest): Promise<MediaStream> {
    const video = request.video && this.#constraint("videoinput");
    const audio = request.audio && this.#constraint("audioinput");
    try {
      return await navigator.mediaDevices.getUserMedia({ video, audio });
    } catch (error) {
      const name = (error as DOMException)?.name;
      const remembered = typeof video === "object" || typeof audio === "object";
      if (!remembered || (name !== "OverconstrainedError" && name !== "NotFoundError")) throw error;
      return navigator.mediaDevices.getUserMedia(request);
    }
  }

  /**
   * The device in use for `kind`, else the preferred one; for `audiooutput`
   * the chosen speaker (`undefined`: the system default).
   */
  selectedDevice(kind: PickerKind): string | undefined {
    if (kind === "audiooutput") return this.#preferred.audiooutput;
    const track = this.#track(kind);
    return track?.getSettings().deviceId ?? this.#preferred[kind];
  }

  /** Chooses the speaker for the call's sound (remembered; the host applies it with setSinkId). */
  chooseSpeaker(deviceId: string): void {
    this.#preferred.audiooutput = deviceId;
    saveDeviceChoice("audiooutput", deviceId);
    this.#host.requestUpdate();
  }

  /**
   * Switches the camera or microphone (and remembers the choice). Resolves
   * with the new track (the caller hands it to RTCRtpSender.replaceTrack) or
   * `null` if no call holds media, in which case the choice applies to the
   * next call. On failure the old track keeps running. Works while muted or
   * with the camera off: the new track starts disabled too.
   */
  async switchDevice(kind: DeviceKind, deviceId: string): Promise<MediaStreamTrack | null> {
    this.#preferred[kind] = deviceId;
    saveDeviceChoice(kind, deviceId);
    this.#host.requestUpdate();
    const stream = this.stream;
    // No track of this kind in the call (answered receive-only, or that device
    // failed): there is no sender to swap into, so opening the device would
    // only light the camera for nothing. The choice applies to the next call.
    if (!stream || !this.#track(kind)) return null;
    const generation = this.#generation;
    // Open the new device before stopping the old one, so a failure leaves the
    // call as it was.
    const fresh = await navigator.mediaDevices.getUserMedia({
      [trackKind(kind)]: { deviceId: { exact: deviceId } },
    });
    const [track] = fresh.getTracks();
    if (generation !== this.#generation || stream !== this.stream || !track) {
      fresh.getTracks().forEach((stale) => stale.stop());
      return null;
    }
    const old = this.#track(kind);
    if (old) {
      stream.removeTrack(old);
      old.stop();
    }
    this.#adopt(stream, track);
    return track;
  }

  /** Re-reads the device list (on `devicechange`, after permission was granted). */
  readonly refreshDevices = async (): Promise<void> => {
    try {
      this.devices = await navigator.mediaDevices?.enumerateDevices?.() ?? [];
    } catch {
      // Not allowed here (e.g. a sandboxed frame): the pickers stay as they were.
      return;
    }
    this.#host.requestUpdate();
  };

  /**
   * The remembered device, required: Chromium ignores an `ideal` deviceId
   * for microphones and opens the default one (`open()` falls back to that
   * itself when the remembered device is gone).
   */
  #constraint(kind: DeviceKind): MediaTrackConstraints | true {
    const deviceId = this.#preferred[kind];
    return deviceId ? { deviceId: { exact: deviceId } } : true;
  }

  #track(kind: DeviceKind): MediaStreamTrack | undefined {
    return this.stream?.getTracks().find((track) => track.kind === trackKind(kind));
  }

  #watch(track: MediaStreamTrack): void {
    // `ended` fires only when the source goes away, never after our own stop().
    track.addEventListener("ended", () => void this.#replaceLost(track), { once: true });
  }

  #adopt(stream: MediaStream, track: MediaStreamTrack): void {
    this.#watch(track);
    stream.addTrack(track);
    this.#applyEnabled();
  }

  /** Opens a stand-in for a track whose device went away and puts it in its place. */
  async #replaceLost(lost: MediaStreamTrack): Promise<void> {
    const stream = this.stream;
    if (!stream?.getTracks().includes(lost)) return;
    const kind: DeviceKind = lost.kind === "video" ? "videoinput" : "audioinput";
    const generation = this.#generation;
    let track: MediaStreamTrack | undefined;
    let failure: unknown = null;
    for (const constraint of await this.#fallbacks(kind, lost.getSettings().deviceId)) {
      if (generation !== this.#generation) break;
      try {
        const fresh = await navigator.mediaDevices.getUserMedia({ [trackKind(kind)]: constraint });
        [track] = fresh.getTracks();
        if (track) break;
      } catch (error) {
        failure = error;
      }
    }
    if (generation !== this.#generation || !stream.getTracks().includes(lost)) {
      // Hung up, or the user switched devices meanwhile.
      track?.stop();
      return;
    }
    if (!track) {
      this.#callbacks.onDeviceLost?.(kind, failure);
      return;
    }
    stream.removeTrack(lost);
    this.#adopt(stream, track);
    this.#callbacks.onTrackReplaced?.(lost, track);
  }

  /**
   * Where to turn after losing `lostId`: the remembered choice, the other
   * listed devices, and last the browser's default (which is also how the
   * only camera is reopened when its track died without it being unplugged).
   */
  async #fallbacks(
    kind: DeviceKind,
    lostId: string | undefined,
  ): Promise<(MediaTrackConstraints | true)[]> {
    await this.refreshDevices();
    const ids = this.devices
      .filter((device) => device.kind === kind && device.deviceId && device.deviceId !== lostId)
      .map((device) => device.deviceId);
    const preferred = this.#preferred[kind];
    if (preferred && ids.includes(preferred)) ids.unshift(preferred);
    const unique = [...new Set(ids)].slice(0, MAX_FALLBACK_TRIES - 1);
    return [...unique.map((id) => ({ deviceId: { exact: id } })), true];
  }

  #applyEnabled(): void {
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !this.muted;
    for (const track of this.stream?.getVideoTracks() ?? []) track.enabled = !this.cameraOff;
    this.#host.requestUpdate();
  }

  #stopTracks(): void {
    if (!this.stream) return;
    this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.#host.requestUpdate();
  }
}
