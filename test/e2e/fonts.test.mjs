/**
 * Issue 13: the demo pages, and so their screenshot baselines, do not depend
 * on the fonts of the machine. They use self-hosted fonts from npm
 * (@fontsource/*, served by the service under /fonts/), so an extra Debian
 * font package (fonts-noto-mono, fonts-urw-base35, which another package may
 * pull in) must not move a pixel, and neither may having only the one font
 * package every Debian with Chromium has (fonts-dejavu-core: fontconfig needs it).
 *
 * Chromium finds system fonts through fontconfig, so each run gets its own
 * FONTCONFIG_FILE, without uninstalling anything:
 *   - "all":    the machine's own configuration, every installed font;
 *   - "without extras": the same, with the files of fonts-noto-mono and
 *               fonts-urw-base35 (as `dpkg-query -L` lists them) rejected;
 *   - "DejaVu only": the same, with every font file rejected but those of
 *               fonts-dejavu-core. (Not "no font at all": Chromium's renderer
 *               crashes without a last-resort font.)
 * Each run gets a fresh service, so the pages are in the very same state; the
 * idle screenshot of each demo page (the one of screenshots.test.mjs) must be
 * pixel-identical in all three and match its committed baseline. A control
 * page in generic families (as the demo used to be) must differ between the
 * runs, or the switch of fonts would prove nothing.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pixelmatch from "pixelmatch";
import { PNG } from "pngjs";
import {
  ARTIFACTS,
  BASELINES,
  joinByNameForm,
  launchBrowser,
  MAX_DIFF_PIXELS,
  openPage,
  requireBuild,
  settle,
  startService,
  waitForUser,
} from "./harness.mjs";

const ELEMENT = "p2p-call";
const EXTRA_FONT_PACKAGES = ["fonts-noto-mono", "fonts-urw-base35"];
const BASE_FONT_PACKAGE = "fonts-dejavu-core";

const FONT_FILE = /\.(ttf|ttc|otf|otc|pfb|pfa|t1|afm|pcf|pcf\.gz)$/i;

/** The font files a Debian package installed (fails clearly if it is not installed). */
function fontFilesOf(pkg) {
  let listing;
  try {
    listing = execFileSync("dpkg-query", ["-L", pkg], { encoding: "utf8" });
  } catch {
    throw new Error(`${pkg} is not installed: \`deno task setup --browsers\` installs it`);
  }
  const files = listing.split("\n").filter((path) => FONT_FILE.test(path));
  if (files.length === 0) throw new Error(`${pkg} installed no font files`);
  return files;
}

/** Every font file in the directories of the machine's fontconfig configuration. */
async function systemFontFiles() {
  const found = [];
  for (const root of ["/usr/share/fonts", "/usr/local/share/fonts"]) {
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() && FONT_FILE.test(entry.name)) {
        found.push(join(entry.parentPath ?? entry.path, entry.name));
      }
    }
  }
  return found;
}

const escapeXml = (text) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/**
 * A fontconfig file: the machine's own configuration (its rendering rules,
 * hinting above all, apply to web fonts too) with `rejected` font files hidden.
 */
async function configRejecting(path, rejected) {
  await writeFile(
    path,
    `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include>/etc/fonts/fonts.conf</include>
  <cachedir>${escapeXml(path)}.cache</cachedir>
  <selectfont>
    <rejectfont>
${rejected.map((file) => `      <glob>${escapeXml(file)}</glob>`).join("\n")}
    </rejectfont>
  </selectfont>
</fontconfig>
`,
  );
  return path;
}

/** Writes the fontconfig files of the three runs; returns run name → environment. */
async function fontEnvironments(dir) {
  const extras = EXTRA_FONT_PACKAGES.flatMap(fontFilesOf);
  const base = new Set(fontFilesOf(BASE_FONT_PACKAGE));
  const allButBase = (await systemFontFiles()).filter((file) => !base.has(file));
  const env = { ...process.env };
  delete env.FONTCONFIG_FILE;
  delete env.FONTCONFIG_PATH;
  return {
    all: env,
    "without extras": {
      ...env,
      FONTCONFIG_FILE: await configRejecting(join(dir, "without-extras.conf"), extras),
    },
    "DejaVu only": {
      ...env,
      FONTCONFIG_FILE: await configRejecting(join(dir, "dejavu-only.conf"), allButBase),
    },
  };
}

/** The families the demo pages used before, and the generic ones a browser falls back to. */
const CONTROL_PAGE = `<!doctype html>
<style>
  body { margin: 8px; font-size: 16px; background: white; color: black; }
</style>
<p style="font-family: monospace">&lt;p2p-call signaling="wss://your-host/ws"&gt;</p>
<p style="font-family: Georgia, 'Times New Roman', serif">Tomato leaves curling?</p>
<p style="font-family: 'Trebuchet MS', sans-serif">Talk to a gardener</p>
<p style="font-family: system-ui, sans-serif">Open this page in a second tab</p>
<p style="font-family: Helvetica, Arial">Newsletter</p>`;

/** Pixels of `a` and `b` (PNG buffers) that differ at all (threshold 0, no antialiasing pass). */
function differingPixels(a, b) {
  const [left, right] = [PNG.sync.read(a), PNG.sync.read(b)];
  if (left.width !== right.width || left.height !== right.height) return Infinity;
  return pixelmatch(left.data, right.data, null, left.width, left.height, {
    threshold: 0,
    includeAA: true,
  });
}

/** One run: a fresh service and a browser with `env`; the idle demo pages and the control page. */
async function render(env) {
  const [service, browser] = await Promise.all([startService(), launchBrowser({ env })]);
  const sessions = [];
  try {
    const shots = {};
    for (const { id, path, names: [caller, callee] } of demos) {
      // As in screenshots.test.mjs: the caller's page, with the callee in its list.
      const a = await joinByNameForm(browser, `${service.origin}${path}`, ELEMENT, caller);
      const b = await joinByNameForm(browser, `${service.origin}${path}`, ELEMENT, callee);
      sessions.push(a, b);
      await waitForUser(a.page, ELEMENT, callee);
      await settle(a.page);
      shots[id] = Buffer.from(
        await a.page.screenshot({ fullPage: true, captureBeyondViewport: true }),
      );
    }
    const control = await openPage(browser);
    sessions.push(control);
    await control.page.setContent(CONTROL_PAGE, { waitUntil: "load" });
    await settle(control.page);
    shots.control = Buffer.from(await control.page.screenshot({ fullPage: true }));
    return shots;
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
    await browser.close();
    await service.stop();
  }
}

const demos = [
  { id: "index", path: "/", names: ["Alice", "Bob"] },
  { id: "cms", path: "/cms.html", names: ["Dana", "Eli"] },
];

describe("the demo pages with other system fonts", { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "p2p-call-fonts-"));
  const shots = {};

  before(async () => {
    requireBuild();
    const environments = await fontEnvironments(dir);
    // One at a time: the machine is shared, and a run is a browser and a service.
    for (const [name, env] of Object.entries(environments)) shots[name] = await render(env);
    await mkdir(ARTIFACTS, { recursive: true });
    for (const [run, images] of Object.entries(shots)) {
      for (const [id, png] of Object.entries(images)) {
        await writeFile(join(ARTIFACTS, `fonts-${id}-${run.replaceAll(" ", "-")}.png`), png);
      }
    }
  });

  after(() => rm(dir, { recursive: true, force: true }));

  it("the fontconfig switch works: generic families render differently in each run", () => {
    const all = shots.all.control;
    const withoutExtras = differingPixels(all, shots["without extras"].control);
    const dejavuOnly = differingPixels(all, shots["DejaVu only"].control);
    console.log(
      `control page: ${withoutExtras} px differ without the extras, ` +
        `${dejavuOnly} px with DejaVu only`,
    );
    assert.ok(withoutExtras > 0, "hiding fonts-noto-mono and fonts-urw-base35 changed nothing");
    assert.ok(dejavuOnly > 0, "leaving only fonts-dejavu-core changed nothing");
  });

  for (const { id } of demos) {
    it(`${id}: not a pixel moves without the extra font packages, or with DejaVu only`, async () => {
      for (const run of ["without extras", "DejaVu only"]) {
        assert.equal(
          differingPixels(shots.all[id], shots[run][id]),
          0,
          `${id} with all fonts vs ${run}`,
        );
      }
      // And what is the same everywhere is what the screenshot suite compares with.
      const baseline = await readFile(join(BASELINES, `${id}-idle.png`));
      const [actual, expected] = [PNG.sync.read(shots["DejaVu only"][id]), PNG.sync.read(baseline)];
      assert.deepEqual([actual.width, actual.height], [expected.width, expected.height]);
      const differing = pixelmatch(
        expected.data,
        actual.data,
        null,
        actual.width,
        actual.height,
        { threshold: 0.1 },
      );
      assert.ok(
        differing <= MAX_DIFF_PIXELS,
        `${id} with DejaVu only differs from ${id}-idle.png in ${differing} pixels`,
      );
    });
  }
});
