/**
 * Issue 13, "an npm package web developers can install": `npm pack` of this
 * checkout, installed with npm into a scratch project in a temp dir, used the
 * three ways web developers get components:
 *   1. a plain HTML page loading the module from the installed node_modules/;
 *   2. an app built with Vite that does `import "p2p-call"`, making a call in
 *      Chromium between two elements through the real service;
 *   3. the package's files on a CDN-like path (/npm/p2p-call@x.y.z/…) on
 *      another origin than the page: the lazy chunks must come from there,
 *      resolved against the module's URL, not the page's.
 * Also: the tarball holds what a user needs and nothing of the tests, and a
 * TypeScript app type-checks against the installed package (its `exports`
 * types, with Lit's types from its dependency).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { build } from "vite";
import {
  clickIn,
  expectRemoteFrames,
  launchBrowser,
  openPage,
  requireBuild,
  ROOT,
  startService,
  waitFor,
  waitForRegistered,
  waitForState,
  waitForUser,
} from "./harness.mjs";

const run = promisify(execFile);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const npmEnv = { ...process.env, npm_config_audit: "false", npm_config_fund: "false" };

// ---- serving a directory ---------------------------------------------------------------

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
};

/** Serves the files under `root` at `prefix` (e.g. "/npm/p2p-call@0.1.0/") on 127.0.0.1. */
function serveDirectory(root, { prefix = "/", headers = {} } = {}) {
  const server = createServer(async (request, response) => {
    let path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(root, path.slice(prefix.length)));
    try {
      if (path === "/favicon.ico") {
        response.writeHead(204, headers).end();
        return;
      }
      if (!path.startsWith(prefix) || !file.startsWith(root + sep)) {
        throw Object.assign(new Error("not here"), { code: "ENOENT" });
      }
      const body = await readFile(file);
      response.writeHead(200, {
        ...headers,
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      response.end(body);
    } catch (error) {
      response.writeHead(error.code === "ENOENT" || error.code === "EISDIR" ? 404 : 500, headers);
      response.end(String(error.message));
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: server.address().port,
        stop: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Every URL the page requested that got an answer, in order. */
function recordRequests(page) {
  const urls = [];
  page.on("requestfinished", (request) => urls.push(request.url()));
  return urls;
}

// ---- the package -----------------------------------------------------------------------

/** What a user of the package needs; `npm pack` adds package.json, README and LICENSE itself. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^custom-elements\.json$/,
  /^dist\/p2p-call\.(js|js\.map|d\.ts)$/,
  /^dist\/chunks\/[a-z0-9-]+-[A-Za-z0-9_-]{8}\.js(\.map|\.LEGAL\.txt)?$/,
  /^dist\/types\/(widget\/src|signaling)\/[a-z0-9/.-]+\.d\.ts$/,
];

describe("the npm package", { timeout: 240_000 }, () => {
  let scratch;
  let pack;
  let installed;
  let service;
  let browser;
  const servers = [];

  before(async () => {
    requireBuild();
    scratch = await mkdtemp(join(tmpdir(), "p2p-call-package-"));
    // As `npm publish` would, but from the build the suite tests (prepack would rebuild dist/).
    const { stdout } = await run(
      NPM,
      ["pack", "--ignore-scripts", "--json", "--pack-destination", scratch],
      { cwd: ROOT, env: npmEnv },
    );
    [pack] = JSON.parse(stdout);
    // A new project with nothing but the tarball; its dependency (Lit, for the types) comes
    // from the registry (or npm's cache).
    await writeFile(
      join(scratch, "package.json"),
      JSON.stringify({ name: "scratch-app", private: true, type: "module" }, null, 2),
    );
    await run(NPM, ["install", "--prefer-offline", join(scratch, pack.filename)], {
      cwd: scratch,
      env: npmEnv,
    });
    installed = join(scratch, "node_modules/p2p-call");
    [service, browser] = await Promise.all([startService(), launchBrowser()]);
  });

  after(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => server.stop()));
    await service?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("the tarball holds the bundle, its chunks, types, manifest, README and LICENSE, nothing else", async () => {
    const files = pack.files.map((file) => file.path).sort();
    const strays = files.filter((path) => !ALLOWED.some((pattern) => pattern.test(path)));
    assert.deepEqual(strays, [], "files a user does not need");
    for (
      const needed of [
        "package.json",
        "README.md",
        "LICENSE",
        "custom-elements.json",
        "dist/p2p-call.js",
        "dist/p2p-call.d.ts",
        "dist/types/widget/src/index.d.ts",
        "dist/types/widget/src/element/p2p-call.d.ts",
      ]
    ) {
      assert.ok(files.includes(needed), `${needed} is missing`);
    }
    // Every chunk of the build is in it (the entry loads them at run time).
    const { stdout } = await run("find", ["dist/chunks", "-type", "f"], { cwd: ROOT });
    for (const chunk of stdout.trim().split("\n")) {
      assert.ok(files.includes(chunk), `${chunk} is missing`);
    }
    const manifest = JSON.parse(await readFile(join(installed, "package.json"), "utf8"));
    assert.equal(manifest.private, undefined, "a private package cannot be published");
    assert.deepEqual(Object.keys(manifest.dependencies), ["lit"], "dependencies of a user");
    console.log(
      `${pack.filename}: ${pack.entryCount} files, ${pack.size} B packed, ` +
        `${pack.unpackedSize} B unpacked`,
    );
  });

  it("a TypeScript app type-checks against the installed package's types", async () => {
    const app = join(scratch, "typed");
    await run("mkdir", ["-p", app]);
    await writeFile(
      join(app, "main.ts"),
      `import { P2pErrorEvent } from "p2p-call";
const call = document.createElement("p2p-call");
call.addEventListener("p2p-error", (event: P2pErrorEvent) => console.log(event.kind));
const state: string = call.state;
console.log(state);
`,
    );
    const misuse = `import "p2p-call";\ndocument.createElement("p2p-call").noSuchMethod();\n`;
    await writeFile(join(app, "misuse.ts"), misuse);
    const tsconfig = (files) => ({
      compilerOptions: {
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "Bundler",
        lib: ["ES2022", "DOM", "DOM.Iterable"],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files,
    });
    await writeFile(join(app, "tsconfig.json"), JSON.stringify(tsconfig(["main.ts"])));
    await writeFile(join(app, "misuse.json"), JSON.stringify(tsconfig(["misuse.ts"])));
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    await run(process.execPath, [tsc, "-p", join(app, "tsconfig.json")], { cwd: app });
    // The types are real: a method that does not exist is an error.
    await assert.rejects(
      run(process.execPath, [tsc, "-p", join(app, "misuse.json")], { cwd: app }),
      (error) => /noSuchMethod/.test(error.stdout),
    );
  });

  it("1. a plain HTML page loads the module from node_modules/", async () => {
    await writeFile(
      join(scratch, "plain.html"),
      `<!doctype html>
<meta charset="utf-8" />
<title>plain page</title>
<script type="module" src="./node_modules/p2p-call/dist/p2p-call.js"></script>
<p2p-call signaling="${service.wsUrl}" name="plain" room="package-plain"></p2p-call>
`,
    );
    const site = await serveDirectory(scratch);
    servers.push(site);
    const { page, problems, close } = await openPage(browser);
    try {
      const requests = recordRequests(page);
      await page.goto(`http://127.0.0.1:${site.port}/plain.html`, { waitUntil: "load" });
      await waitForRegistered(page, "p2p-call", "plain");
      await waitFor(
        page,
        "the lobby",
        () => document.querySelector("p2p-call").shadowRoot.querySelector('[part~="debug-button"]'),
      );
      const chunks = requests.filter((url) => url.includes("/chunks/"));
      assert.ok(chunks.length > 0, "no chunk was loaded");
      for (const url of chunks) {
        assert.match(url, /\/node_modules\/p2p-call\/dist\/chunks\/[^/]+\.js$/);
      }
      assert.deepEqual(problems.pageErrors, []);
      assert.deepEqual(problems.consoleErrors, []);
    } finally {
      await close();
    }
  });

  it('2. an app built with Vite that does import "p2p-call" makes a call', async () => {
    const app = join(scratch, "vite-app");
    await run("mkdir", ["-p", app]);
    await writeFile(
      join(app, "index.html"),
      `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Vite app</title>
    <script type="module" src="./main.js"></script>
  </head>
  <body></body>
</html>
`,
    );
    await writeFile(
      join(app, "main.js"),
      // Only the side-effect import, as the README shows: the package's "sideEffects"
      // must keep the bundler from dropping it.
      `import "p2p-call";

const signaling = new URLSearchParams(location.search).get("signaling");
globalThis.states = [];
for (const name of ["alice", "bob"]) {
  const call = document.createElement("p2p-call");
  call.id = name;
  call.setAttribute("signaling", signaling);
  call.setAttribute("name", name);
  call.setAttribute("room", "package-vite");
  call.addEventListener("p2p-state-change", (event) => {
    globalThis.states.push(name + ":" + event.state);
  });
  document.body.append(call);
}
`,
    );
    // The scratch project's own node_modules/ is where Vite resolves "p2p-call" from.
    await build({
      root: app,
      logLevel: "warn",
      configFile: false,
      build: { outDir: join(app, "dist"), emptyOutDir: true },
    });
    const built = join(app, "dist");
    const html = await readFile(join(built, "index.html"), "utf8");
    assert.doesNotMatch(html, /node_modules/, "the built page points into node_modules");

    const site = await serveDirectory(built);
    servers.push(site);
    const { page, problems, close } = await openPage(browser);
    try {
      const requests = recordRequests(page);
      const query = new URLSearchParams({ signaling: service.wsUrl });
      await page.goto(`http://127.0.0.1:${site.port}/?${query}`, { waitUntil: "load" });
      await waitForUser(page, "#alice", "bob");
      await waitForUser(page, "#bob", "alice");
      await clickIn(page, "#alice", '[part~="call-button"]');
      await waitForState(page, "#bob", "ringing");
      await clickIn(page, "#bob", '[part~="accept-button"]');
      await waitForState(page, "#alice", "connected");
      await waitForState(page, "#bob", "connected");
      await expectRemoteFrames(page, "#alice");
      await expectRemoteFrames(page, "#bob");
      await clickIn(page, "#alice", '[part~="hangup-button"]');
      await waitForState(page, "#bob", "ended");
      const states = await page.evaluate(() => globalThis.states);
      assert.ok(states.includes("alice:connected") && states.includes("bob:connected"), states);
      // Everything came from the built app (Vite's own chunks), none from node_modules/.
      const strays = requests.filter((url) => !url.startsWith(`http://127.0.0.1:${site.port}/`));
      assert.deepEqual(strays.filter((url) => url.startsWith("http")), []);
      assert.ok(requests.every((url) => !url.includes("node_modules")), requests.join("\n"));
      assert.deepEqual(problems.pageErrors, []);
      assert.deepEqual(problems.consoleErrors, []);
    } finally {
      await close();
    }
  });

  it("3. from a CDN-like path on another origin, the lazy chunks load from the CDN", async () => {
    const { version } = JSON.parse(await readFile(join(installed, "package.json"), "utf8"));
    const prefix = `/npm/p2p-call@${version}/`;
    const cdn = await serveDirectory(installed, {
      prefix,
      headers: { "access-control-allow-origin": "*" },
    });
    servers.push(cdn);
    const cdnOrigin = `http://127.0.0.1:${cdn.port}`;
    const pages = await mkdtemp(join(scratch, "pages-"));
    await writeFile(
      join(pages, "index.html"),
      `<!doctype html>
<meta charset="utf-8" />
<title>page on its own origin</title>
<script type="module" src="${cdnOrigin}${prefix}dist/p2p-call.js"></script>
<p2p-call signaling="${service.wsUrl}" name="cdn" room="package-cdn"></p2p-call>
`,
    );
    const site = await serveDirectory(pages);
    servers.push(site);
    const { page, problems, close } = await openPage(browser);
    try {
      const requests = recordRequests(page);
      // localhost, not 127.0.0.1: another host, not only another port.
      await page.goto(`http://localhost:${site.port}/`, { waitUntil: "load" });
      await waitForRegistered(page, "p2p-call", "cdn");
      // A chunk loaded on first use: the debug report (debug/), after the call engine (call/).
      await clickIn(page, "p2p-call", '[part~="debug-button"]');
      await waitFor(
        page,
        "the debug report",
        () => document.querySelector("p2p-call").shadowRoot.querySelector('[part~="debug-report"]'),
      );
      const chunks = requests.filter((url) => url.includes("/chunks/"));
      assert.ok(chunks.some((url) => /\/debug-[A-Za-z0-9_-]{8}\.js$/.test(url)), chunks.join("\n"));
      assert.ok(chunks.some((url) => /\/call-[A-Za-z0-9_-]{8}\.js$/.test(url)), chunks.join("\n"));
      for (const url of chunks) assert.ok(url.startsWith(`${cdnOrigin}${prefix}dist/chunks/`), url);
      const fromPage = requests.filter((url) => url.startsWith(`http://localhost:${site.port}/`));
      assert.deepEqual(
        fromPage.filter((url) => !url.endsWith("/favicon.ico")),
        [`http://localhost:${site.port}/`],
        "only the page itself",
      );
      assert.deepEqual(problems.pageErrors, []);
      assert.deepEqual(problems.consoleErrors, []);
    } finally {
      await close();
    }
  });
});
