// Call setup, measured in the page (issue 3): call() → first remote frame through two
// <p2p-call> elements and the real service, and the same call as a direct in-page
// RTCPeerConnection loopback. bench/call-setup.ts drives it through window.callSetup,
// one trial per page.evaluate(), and does the statistics.
//
// Plain JavaScript on purpose: the service serves this directory as it is.

/** Same as the widget's: the service configures no STUN/TURN, so host candidates only. */
const RTC_CONFIG = { iceServers: [] };
/** Same as the widget's caller and callee ask for. */
const MEDIA = { video: true, audio: true };
const TRIAL_TIMEOUT_MS = 20_000;
const IDLE_TIMEOUT_MS = 10_000;

const stage = document.getElementById("stage");
/** Problems the elements reported (p2p-error), for the bench's problem list. */
const errors = [];

/** @type {any} */ let caller;
/** @type {any} */ let callee;

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function until(condition, ms, what) {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * When `video` presents its next frame, on the page's performance.now() clock. The
 * frame's presentationTime (when Chromium handed it to the compositor) rather than the
 * callback's own time, which waits for the next rendering opportunity. A callback
 * registered while the video has no source yet stays pending until one plays.
 */
function nextFrame(video) {
  return new Promise((resolve) => {
    video.requestVideoFrameCallback((_now, metadata) => resolve(metadata.presentationTime));
  });
}

/**
 * Mounts the two elements (the callee answers by itself) in a fresh room and waits
 * until both are registered and see each other.
 */
async function setup(room) {
  const signaling = `ws://${location.host}/ws`;
  const mount = (name, autoAnswer) => {
    const element = document.createElement("p2p-call");
    element.setAttribute("signaling", signaling);
    element.setAttribute("name", name);
    element.setAttribute("room", room);
    if (autoAnswer) element.setAttribute("auto-answer", "");
    element.addEventListener("p2p-error", (event) => errors.push(`${name}: ${event.message}`));
    stage.append(element);
    return element;
  };
  await customElements.whenDefined("p2p-call");
  caller = mount("a", false);
  callee = mount("b", true);
  await until(
    () =>
      caller.users.includes(callee.registeredName) && callee.users.includes(caller.registeredName),
    IDLE_TIMEOUT_MS,
    "both elements registered and listed",
  );
  return { userAgent: navigator.userAgent };
}

const remoteVideo = (element) => element.shadowRoot.querySelector('[part~="remote-video"]');
const idle = (element) =>
  !["calling", "ringing", "connecting", "connected", "reconnecting"]
    .includes(element.state) && element.peerConnection === null && element.localStream === null;

/**
 * One call through the widget: caller.call() → first frame on the caller's remote
 * video (the callee auto-answers), then hang up and wait until both sides are idle,
 * their peer connections closed and cameras released.
 */
async function widgetTrial() {
  const video = remoteVideo(caller);
  if (!video) throw new Error("the caller has no remote-video part (did the element render?)");
  let connectedAt = NaN;
  const onState = (event) => {
    if (event.state === "connected" && Number.isNaN(connectedAt)) connectedAt = performance.now();
  };
  caller.addEventListener("p2p-state-change", onState);
  const frame = nextFrame(video);
  const start = performance.now();
  try {
    await caller.call(callee.registeredName);
    const frameAt = await withTimeout(
      frame,
      TRIAL_TIMEOUT_MS,
      `first frame (caller ${caller.state})`,
    );
    return { frameMs: frameAt - start, connectedMs: connectedAt - start };
  } finally {
    caller.removeEventListener("p2p-state-change", onState);
    caller.hangUp();
    await until(() => idle(caller) && idle(callee), IDLE_TIMEOUT_MS, "both elements idle");
  }
}

/** The loopback's own video, styled and placed like the widget's remote video. */
const loopbackVideo = (() => {
  const video = document.createElement("video");
  video.autoplay = true;
  video.playsInline = true;
  stage.append(video);
  return video;
})();

/**
 * The same call without the widget and the service, in the order the widget does it:
 * the caller opens camera and mic, adds the tracks and offers; the callee applies the
 * offer, opens its own camera and mic, adds them and answers; the caller applies the
 * answer. Candidates trickle straight to the other connection, queued until it has a
 * remote description (as the widget queues them).
 */
async function loopbackTrial() {
  const start = performance.now();
  const pcs = [new RTCPeerConnection(RTC_CONFIG), new RTCPeerConnection(RTC_CONFIG)];
  const [offerer, answerer] = pcs;
  const streams = [];
  const queued = [[], []];
  const deliver = (to, candidate) => {
    if (pcs[to].remoteDescription) pcs[to].addIceCandidate(candidate).catch(() => {});
    else queued[to].push(candidate);
  };
  const flush = (to) => {
    for (const candidate of queued[to].splice(0)) {
      pcs[to].addIceCandidate(candidate).catch(() => {});
    }
  };
  offerer.onicecandidate = ({ candidate }) => candidate && deliver(1, candidate);
  answerer.onicecandidate = ({ candidate }) => candidate && deliver(0, candidate);
  let connectedAt = NaN;
  offerer.onconnectionstatechange = () => {
    if (offerer.connectionState === "connected") connectedAt = performance.now();
  };
  offerer.ontrack = ({ streams: [stream] }) => {
    if (stream && loopbackVideo.srcObject !== stream) loopbackVideo.srcObject = stream;
  };
  const frame = nextFrame(loopbackVideo);
  try {
    const local = await navigator.mediaDevices.getUserMedia(MEDIA);
    streams.push(local);
    for (const track of local.getTracks()) offerer.addTrack(track, local);
    await offerer.setLocalDescription();
    await answerer.setRemoteDescription(offerer.localDescription);
    flush(1);
    const remote = await navigator.mediaDevices.getUserMedia(MEDIA);
    streams.push(remote);
    for (const track of remote.getTracks()) answerer.addTrack(track, remote);
    await answerer.setLocalDescription();
    await offerer.setRemoteDescription(answerer.localDescription);
    flush(0);
    const frameAt = await withTimeout(frame, TRIAL_TIMEOUT_MS, "first loopback frame");
    return { frameMs: frameAt - start, connectedMs: connectedAt - start };
  } finally {
    for (const stream of streams) stream.getTracks().forEach((track) => track.stop());
    for (const pc of pcs) pc.close();
    loopbackVideo.srcObject = null;
  }
}

globalThis.callSetup = {
  setup,
  widgetTrial,
  loopbackTrial,
  /** The elements' p2p-error messages so far (taken: each is reported once). */
  takeErrors: () => errors.splice(0),
};
