/**
 * First-run installer behind `deno task serve` and `deno task test`: a fresh
 * machine with only Node + npm gets the npm packages (and, with --browsers,
 * the Debian packages the browser and scale-out tests need) without a
 * separate install step in the README.
 *
 *   deno task setup              npm packages only
 *   deno task setup --browsers   also the Debian packages of every test suite (below)
 *
 * As root on Debian or Ubuntu it installs what is missing with apt-get; anywhere
 * else it stops with the one apt-get command to run (or its equivalent).
 */

const root = new URL("..", import.meta.url).pathname;

/** Debian package → a file that proves it is installed, grouped by the suite that needs it. */
const SYSTEM_PACKAGES: Record<string, string> = {
  // Browser tests (Chromium, Firefox) and the e2e suite.
  chromium: "/usr/bin/chromium",
  "firefox-esr": "/usr/bin/firefox-esr",
  // Scale-out tests (several instances sharing Redis) and TURN tests.
  "redis-server": "/usr/bin/redis-server",
  coturn: "/usr/bin/turnserver",
  // The recommended deployment's proxy, run from docs/deploy.md's configuration.
  nginx: "/usr/sbin/nginx",
  // Network-lab tests (namespaces, shaped links, blocked ports).
  nftables: "/usr/sbin/nft",
  iproute2: "/bin/ip",
  // WebKit tests (WebKitGTK's WebDriver and MiniBrowser, which need an X server).
  "webkit2gtk-driver": "/usr/bin/WebKitWebDriver",
  xvfb: "/usr/bin/Xvfb",
  // Not fonts the pages use (they use self-hosted fonts from npm): the font test
  // renders them with only fonts-dejavu-core (fontconfig's own dependency) and with
  // the two extra packages, and shows they do not move a pixel.
  "fonts-dejavu-core": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "fonts-noto-mono": "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",
  "fonts-urw-base35": "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf",
};

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function mtime(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? 0;
  } catch {
    return 0;
  }
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  console.log(`setup: ${cmd} ${args.join(" ")}`);
  const { code } = await new Deno.Command(cmd, {
    args,
    cwd: root,
    env,
    stdout: "inherit",
    stderr: "inherit",
  })
    .output();
  if (code !== 0) throw new Error(`setup: "${cmd} ${args.join(" ")}" exited with ${code}`);
}

/** npm writes node_modules/.package-lock.json on every install; older than the lockfile means stale. */
async function ensureNpmPackages() {
  const installed = await mtime(`${root}node_modules/.package-lock.json`);
  const locked = await mtime(`${root}package-lock.json`);
  if (installed !== 0 && installed >= locked) return;
  // Puppeteer's own browser download cannot work offline; we drive Debian's browsers.
  // Not `npm ci`: the registry lacks some optional rollup platform packages, so the lockfile
  // cannot list them and `npm ci` would call it out of sync. `npm install` honours the lock.
  await run("npm", ["install", "--no-audit", "--no-fund"], { PUPPETEER_SKIP_DOWNLOAD: "true" });
}

async function ensureSystemPackages() {
  const missing: string[] = [];
  for (const [pkg, binary] of Object.entries(SYSTEM_PACKAGES)) {
    if (!(await exists(binary))) missing.push(pkg);
  }
  if (missing.length === 0) return;
  const command = `apt-get install -y ${missing.join(" ")}`;
  if (!(await exists("/usr/bin/apt-get"))) {
    throw new Error(
      `setup: the tests need the Debian packages ${missing.join(", ")}, and this machine has ` +
        `no apt-get. Install their equivalents with your package manager and run again ` +
        `(on Debian or Ubuntu: "${command}").`,
    );
  }
  if (Deno.uid?.() !== 0) {
    throw new Error(
      `setup: the tests need ${missing.join(", ")}; installing them takes root. ` +
        `Run "sudo ${command}" and run again.`,
    );
  }
  await run("apt-get", ["update", "-qq"]);
  await run("apt-get", ["install", "-y", "-qq", ...missing], {
    DEBIAN_FRONTEND: "noninteractive",
  });
}

try {
  await ensureNpmPackages();
  if (Deno.args.includes("--browsers")) await ensureSystemPackages();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  Deno.exit(1);
}
