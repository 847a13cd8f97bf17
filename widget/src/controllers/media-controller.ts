import type { ReactiveController, ReactiveControllerHost } from "lit";

export interface MediaRequest {
  video: boolean;
  audio: boolean;
}

export type DeviceKind = "videoinput" | "audioinput";

const trackKind = (kind: DeviceKind): "video" | "audio" =>
  kind === "videoinput" ? "video" : "audio";

/**
 * Owns the local camera and microphone: getUserMedia, the local stream, the
 * device list, mute / camera-off (track.enabled, so no renegotiation) and
 * device switching. Every track it opened is stopped by `release()` and when
 * the host leaves the document.
 *
 * A getUserMedia that resolves after `release()` (the call was hung up while
 * the permission prompt was open) is stale: its tracks are stopped at once and
 * the caller gets an AbortError.
 */
export class MediaController implements ReactiveController {
  /** The local stream while a call holds media. */
  stream: MediaStream | null = null;
  /** Cameras and microphones; labels are empty until permission was granted once. */
  devices: MediaDeviceInfo[] = [];
  muted = false;
  cameraOff = false;

  readonly #host: ReactiveControllerHost;
  /** Bumped by every acquire/release; a result from an older generation is stale. */
  #generation = 0;
  readonly #preferred: Partial<Record<DeviceKind, string>> = {};

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    navigator.mediaDevices?.addEventListener("devicechange", this.#refreshDevices);
  }

  hostDisconnected(): void {
    navigator.mediaDevices?.removeEventListener("devicechange", this.#refreshDevices);
    this.release();
  }

  /** Opens camera and/or microphone (the preferred devices, if chosen) for a call. */
  async acquire(request: MediaRequest): Promise<MediaStream> {
    const generation = ++this.#generation;
    this.#stopTracks();
    const stream = await navigator.mediaDevices.getUserMedia({
      video: request.video && this.#constraint("videoinput"),
      audio: request.audio && this.#constraint("audioinput"),
    });
    if (generation !== this.#generation) {
      stream.getTracks().forEach((track) => track.stop());
      throw new DOMException("The media request was superseded.", "AbortError");
    }
    this.stream = stream;
    this.#applyEnabled();
    this.#host.requestUpdate();
    void this.#refreshDevices();
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

  /** The device currently used for `kind`, or the preferred one before a call. */
  selectedDevice(kind: DeviceKind): string | undefined {
    const track = this.#track(kind);
    return track?.getSettings().deviceId ?? this.#preferred[kind];
  }

  /**
   * Switches the camera or microphone. Resolves with the new track (the caller
   * hands it to RTCRtpSender.replaceTrack) or `null` if no call holds media,
   * in which case the choice applies to the next call. On failure the old
   * track keeps running.
   */
  async switchDevice(kind: DeviceKind, deviceId: string): Promise<MediaStreamTrack | null> {
    this.#preferred[kind] = deviceId;
    const stream = this.stream;
    if (!stream) return null;
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
    stream.addTrack(track);
    this.#applyEnabled();
    this.#host.requestUpdate();
    return track;
  }

  #constraint(kind: DeviceKind): MediaTrackConstraints | true {
    const deviceId = this.#preferred[kind];
    return deviceId ? { deviceId: { ideal: deviceId } } : true;
  }

  #track(kind: DeviceKind): MediaStreamTrack | undefined {
    return this.stream?.getTracks().find((track) => track.kind === trackKind(kind));
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

  readonly #refreshDevices = async (): Promise<void> => {
    const all = await navigator.mediaDevices?.enumerateDevices?.() ?? [];
    this.devices = all.filter((device) =>
      device.kind === "videoinput" || device.kind === "audioinput"
    );
    this.#host.requestUpdate();
  };
}
