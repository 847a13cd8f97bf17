// How every test launches a browser: Debian's Chromium, Firefox ESR and
// WebKitGTK (no browser downloads offline), fake camera and microphone
// granted without a prompt, autoplay with sound, no outside network. Shared by
// the @web/test-runner configs and the e2e suite so the two cannot drift apart.

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
export const FIREFOX_BIN = process.env.FIREFOX ?? "/usr/bin/firefox-esr";

export const CHROMIUM_ARGS = [
  // Chromium refuses to start its sandbox as root (CI containers).
  "--no-sandbox",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  // This machine has no outside network; Chromium's background fetches would
  // only fail and slow the start.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Remote video has sound; headless has no user gesture to unlock it.
  "--autoplay-policy=no-user-gesture-required",
];

export const FIREFOX_PREFS = {
  // Fake camera and microphone, no permission prompt (Chromium's
  // --use-fake-device-for-media-stream and --use-fake-ui-for-media-stream).
  "media.navigator.streams.fake": true,
  "media.navigator.permission.disabled": true,
  // Remote video has sound; headless has no user gesture to unlock it.
  "media.autoplay.default": 0,
  "media.autoplay.blocking_policy": 0,
  // Both peers run on this machine: allow loopback host candidates
  // (Firefox drops them by default) and plain, not mDNS, addresses.
  "media.peerconnection.ice.loopback": true,
  "media.peerconnection.ice.obfuscate_host_addresses": false,
  // No sound card here: Firefox's mock audio backend lets an AudioContext
  // run (the pre-call check's level meter) and lists two fake speakers,
  // as Chromium's fake audio does. Speaker selection: HTMLMediaElement#setSinkId.
  "media.cubeb.force_mock_context": true,
  "media.setsinkid.enabled": true,
  // Firefox delays reconnects to a host whose WebSocket handshake failed
  // (RFC 6455 §7.2.3); the reconnect tests time the element's own backoff.
  "network.websocket.delay-failed-reconnects": false,
  // No outside network; background fetches would only fail and slow the start
  // (Chromium's --disable-background-networking).
  "app.update.enabled": false,
  "browser.safebrowsing.update.enabled": false,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
};

// WebKit: WebKitGTK's MiniBrowser and its WebDriver (apt webkit2gtk-driver),
// started on an Xvfb display by test/support/webkit.mjs. WEBKIT_DRIVER and
// WEBKIT_BROWSER override them.
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER ?? "/usr/bin/WebKitWebDriver";
export const WEBKIT_BROWSER = process.env.WEBKIT_BROWSER ??
  "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/**
 * MiniBrowser's switches: automation, mock camera and microphone granted
 * without a prompt (Chromium's --use-fake-device-for-media-stream and
 * --use-fake-ui-for-media-stream), autoplay without a gesture.
 */
export const WEBKIT_ARGS = [
  "--automation",
  "--enable-media-stream=true",
  "--enable-mock-capture-devices=true",
  "--media-playback-requires-user-gesture=false",
  "--features=-MockCaptureDevicesPrompt",
];
