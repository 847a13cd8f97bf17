/**
 * First-run installer behind `deno task serve` and `deno task test`: a fresh
 * machine with only Node + npm gets the npm packages (and, with --browsers,
 * the Debian packages the browser and scale-out tests need) without a
 * separate install step in the README.
 *
 *   deno task setup              npm packages only
 *   deno task setup --browsers   also Chromium, Firefox ESR, WebKitGTK (+ Xvfb), redis-server,
 *                                coturn
 */

const root = new URL("..", import.meta.url).pathname;

/** Debian package → a file that proves it is installed. */
const SYSTEM_PACKAGES: Record<string, string> = {
  chromium: "/usr/bin/chromium",
  "firefox-esr": "/usr/bin/firefox-esr",
  "redis-server": "/usr/bin/redis-server",
  coturn: "/usr/bin/turnserver",
  // WebKit: WebKitGTK's MiniBrowser and its WebDriver, on an X display of its own.
  "webkit2gtk-driver": "/usr/bin/WebKitWebDriver",
  xvfb: "/usr/bin/Xvfb",
  // The fonts the screenshot baselines were taken with.
  "fonts-liberation": "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
  "fonts-dejavu-core": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "fonts-dejavu-extra": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",
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
  const isRoot = Deno.uid?.() === 0;
  if (!isRoot || !(await exists("/usr/bin/apt-get"))) {
    throw new Error(
      `setup: the tests need ${missing.join(", ")}; install them with ` +
        `"sudo apt-get install -y ${missing.join(" ")}" (Debian/Ubuntu) and run again.`,
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
