// Browser tests of the <p2p-call> element: headless Chromium with fake
// camera/microphone, against the real Deno signaling service (started by
// test/widget/signaling-plugin.mjs), and Redis-backed instances and coturn for
// the scale-out and TURN tests (test/widget/infra-plugin.mjs).
import { esbuildPlugin } from "@web/dev-server-esbuild";
import { chromeLauncher } from "@web/test-runner-chrome";
import { CHROMIUM_ARGS, CHROMIUM_BIN } from "./test/support/browsers.mjs";
import { signalingPlugin } from "./test/widget/signaling-plugin.mjs";
import { infraPlugin } from "./test/widget/infra-plugin.mjs";

export default {
  files: "test/widget/**/*.test.ts",
  nodeResolve: true,
  // Two cores, and every call test runs two peer connections with fake
  // capture and encoding: one test file at a time keeps timing predictable.
  concurrency: 1,
  testsFinishTimeout: 180_000,
  testFramework: { config: { timeout: 20_000 } },
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: CHROMIUM_BIN,
        args: CHROMIUM_ARGS,
      },
    }),
  ],
  // Tests run Lit's development build (it warns about misuse), minus its
  // one-time "dev mode" notice, so any console output is a real finding.
  testRunnerHtml: (testFramework) =>
    `<!doctype html>
    <html lang="en">
      <head><title>p2p-call tests</title></head>
      <body>
        <script>window.litIssuedWarnings = new Set(["dev-mode"]);</script>
        <script type="module" src="${testFramework}"></script>
      </body>
    </html>`,
  plugins: [esbuildPlugin({ ts: true, target: "auto" }), signalingPlugin(), infraPlugin()],
};
