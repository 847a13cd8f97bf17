// The same browser tests as web-test-runner.config.mjs (same files, plugins,
// timeouts and page), in Firefox ESR from Debian (/usr/bin/firefox-esr, apt
// firefox-esr) driven by puppeteer over WebDriver BiDi — no browser download.
// FIREFOX overrides the binary. Tests that need something Firefox lacks skip
// that one test with a comment naming the feature (grep "Firefox" in test/widget).
import { puppeteerLauncher } from "@web/test-runner-puppeteer";
import shared from "./web-test-runner.config.mjs";
import { FIREFOX_BIN, FIREFOX_PREFS } from "./test/support/browsers.mjs";

export default {
  ...shared,
  browsers: [
    puppeteerLauncher({
      launchOptions: {
        browser: "firefox",
        executablePath: FIREFOX_BIN,
        headless: true,
        extraPrefsFirefox: FIREFOX_PREFS,
      },
    }),
  ],
};
