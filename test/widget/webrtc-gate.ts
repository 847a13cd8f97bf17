/**
 * The gate of the tests that need a peer connection. Debian's WebKitGTK
 * (web-test-runner.webkit.config.mjs) is built without WebRTC: there those
 * tests are skipped, and they run the day a WebKit build has
 * RTCPeerConnection. Chromium and Firefox always have it: there nothing is
 * skipped, and a missing RTCPeerConnection fails every file that imports this.
 */
export const hasWebRTC = "RTCPeerConnection" in globalThis;

/** WebKit (Safari, WebKitGTK), not Chromium, whose user agent names AppleWebKit too. */
export const WEBKIT = /AppleWebKit\//.test(navigator.userAgent) &&
  !/Chrome\/|Chromium\//.test(navigator.userAgent);

if (!hasWebRTC && !WEBKIT) {
  throw new Error(`no RTCPeerConnection in ${navigator.userAgent}: only WebKit may lack it`);
}

/** `it` for a test that makes a call: skipped only in a WebKit without WebRTC. */
export const itWithWebRTC: Mocha.PendingTestFunction = hasWebRTC ? it : it.skip;

/** `describe` for a group of such tests. */
export const describeWithWebRTC: Mocha.PendingSuiteFunction = hasWebRTC ? describe : describe.skip;
