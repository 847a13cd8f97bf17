// The browser tests in WebKit: Debian's WebKitGTK MiniBrowser (apt
// webkit2gtk-driver) under its own Xvfb (apt xvfb), driven over WebDriver
// (test/support/webkit.mjs). The same files, plugins, timeouts and page as
// web-test-runner.config.mjs. This build has no RTCPeerConnection: the lobby,
// signaling, label, accessibility and pre-call check tests run, the call tests
// are gated on it (test/widget/webrtc-gate.ts) and start running the day a
// WebKit build has WebRTC, and webrtc-support.test.ts checks what the element
// shows without it. The last lines of the output list what ran and what was gated.
import { defaultReporter } from "@web/test-runner";
import shared from "./web-test-runner.config.mjs";
import { gateReporter, webkitLauncher } from "./test/support/webkit.mjs";

export default {
  ...shared,
  // One MiniBrowser window, one test file at a time (with more, the launcher
  // would run files in iframes of that window).
  concurrency: 1,
  // Creating the WebDriver session starts MiniBrowser: allow for a slow start.
  browserStartTimeout: 60_000,
  browsers: [webkitLauncher()],
  reporters: [defaultReporter(), gateReporter()],
};
