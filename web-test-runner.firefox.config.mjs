// The same browser tests as web-test-runner.config.mjs (same files, plugins,
// timeouts and page), in Firefox ESR from Debian (/usr/bin/firefox-esr, apt
// firefox-esr) driven by puppeteer over WebDriver BiDi — no browser download.
// FIREFOX overrides the binary. Tests that need something Firefox lacks skip
// that one test with a comment naming the feature (grep "Firefox" in test/widget).
import { puppeteerLauncher } from "@web/test-runner-puppeteer";
import shared from "./web-test-runner.config.mjs";

export default {
  ...shared,
  browsers: [
    puppeteerLauncher({
      launchOptions: {
        browser: "firefox",
        executablePath: process.env.FIREFOX ?? "/usr/bin/firefox-esr",
        headless: true,
        extraPrefsFirefox: {
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
          // This machine has no outside network; background fetches would only
          // fail and slow the start (Chromium's --disable-background-networking).
          "app.update.enabled": false,
          "browser.safebrowsing.update.enabled": false,
          "network.captive-portal-service.enabled": false,
          "network.connectivity-service.enabled": false,
        },
      },
    }),
  ],
};
