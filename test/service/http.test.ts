/** HTTP routes, in-process: `await handler(new Request(...))` on temp directories. */
import {
  deepStrictEqual as assertEquals,
  notStrictEqual,
  ok,
  strictEqual,
} from "node:assert/strict";
import { createHandler, type SignalingHandler } from "../../signaling/handler.ts";
import { testConfig } from "./_service.ts";

interface Site {
  handler: SignalingHandler;
  root: string;
  get(path: string, headers?: HeadersInit, method?: string): Promise<Response>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A dist/, demo/ and fonts/ in a temp dir, a secret file beside them, and a handler serving them. */
async function site(): Promise<Site> {
  const root = await Deno.makeTempDir({ prefix: "p2p-call-http-" });
  const files: Record<string, string> = {
    "dist/p2p-call.js": "export class P2pCall {}\n//# sourceMappingURL=p2p-call.js.map\n",
    "dist/p2p-call.js.map": '{"version":3,"sources":[],"mappings":""}',
    "dist/chunks/media-ABC123.js": "export const media = 1;\n",
    "dist/p2p-call.js.LEGAL.txt": "MIT\n",
    "demo/index.html": "<!doctype html><title>demo</title>",
    "demo/cms.html": "<!doctype html><title>cms</title>",
    "demo/demo.css": "body { margin: 0 }",
    "fonts/inter/400.css": "@font-face { src: url(./files/inter-latin-400-normal.woff2) }",
    "fonts/inter/files/inter-latin-400-normal.woff2": "wOF2",
    "secret.txt": "top secret",
  };
  for (const [path, body] of Object.entries(files)) {
    await Deno.mkdir(`${root}/${path.split("/").slice(0, -1).join("/")}`, { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, body);
  }
  await Deno.symlink(`${root}/secret.txt`, `${root}/demo/leak.txt`);
  const handler = createHandler(
    testConfig({ distDir: `${root}/dist`, demoDir: `${root}/demo`, fontsDir: `${root}/fonts` }),
  );
  return {
    handler,
    root,
    get: (path, headers = {}, method = "GET") =>
      handler(new Request(`http://127.0.0.1:8000${path}`, { headers, method })),
    async [Symbol.asyncDispose]() {
      await handler.shutdown();
      await Deno.remove(root, { recursive: true });
    },
  };
}

Deno.test("/ serves the demo page as HTML", async () => {
  await using s = await site();
  const response = await s.get("/");
  strictEqual(response.status, 200);
  strictEqual(response.headers.get("content-type"), "text/html; charset=utf-8");
  strictEqual(await response.text(), "<!doctype html><title>demo</title>");
});

Deno.test("other demo files are served by name and under /demo/", async () => {
  await using s = await site();
  for (
    const [path, type, body] of [
      ["/cms.html", "text/html; charset=utf-8", "<!doctype html><title>cms</title>"],
      ["/demo/cms.html", "text/html; charset=utf-8", "<!doctype html><title>cms</title>"],
      ["/demo.css", "text/css; charset=utf-8", "body { margin: 0 }"],
      ["/demo/", "text/html; charset=utf-8", "<!doctype html><title>demo</title>"],
    ]
  ) {
    const response = await s.get(path);
    strictEqual(response.status, 200, path);
    strictEqual(response.headers.get("content-type"), type, path);
    strictEqual(await response.text(), body, path);
  }
});

Deno.test("the demo's fonts are served under /fonts/ with font and CSS types", async () => {
  await using s = await site();
  for (
    const [path, type, body] of [
      ["/fonts/inter/400.css", "text/css; charset=utf-8", "@font-face"],
      ["/fonts/inter/files/inter-latin-400-normal.woff2", "font/woff2", "wOF2"],
    ]
  ) {
    const response = await s.get(path);
    strictEqual(response.status, 200, path);
    strictEqual(response.headers.get("content-type"), type, path);
    ok((await response.text()).startsWith(body), path);
  }
  // Only under /fonts/: they are not files of the demo or the bundle.
  const response = await s.get("/inter/400.css");
  strictEqual(response.status, 404);
  await response.body?.cancel();
});

Deno.test("the bundle, its source map and its chunks are served from dist with JS/JSON types and CORS", async () => {
  await using s = await site();
  for (
    const [path, type] of [
      ["/p2p-call.js", "text/javascript; charset=utf-8"],
      ["/p2p-call.js.map", "application/json; charset=utf-8"],
      ["/chunks/media-ABC123.js", "text/javascript; charset=utf-8"],
      ["/p2p-call.js.LEGAL.txt", "text/plain; charset=utf-8"],
    ]
  ) {
    const response = await s.get(path, { origin: "https://cms.example" });
    strictEqual(response.status, 200, path);
    strictEqual(response.headers.get("content-type"), type, path);
    // Another origin loads the bundle with <script type="module">, a CORS request.
    strictEqual(response.headers.get("access-control-allow-origin"), "*", path);
    strictEqual(response.headers.get("cache-control"), "no-cache", path);
    strictEqual(response.headers.get("x-content-type-options"), "nosniff", path);
    await response.body?.cancel();
  }
  const demo = await s.get("/cms.html");
  strictEqual(demo.headers.get("access-control-allow-origin"), null, "demo pages are not shared");
  await demo.body?.cancel();
});

Deno.test("a CORS preflight for the bundle is answered", async () => {
  await using s = await site();
  const response = await s.get("/p2p-call.js", { origin: "https://cms.example" }, "OPTIONS");
  strictEqual(response.status, 204);
  strictEqual(response.headers.get("access-control-allow-origin"), "*");
  strictEqual(response.headers.get("access-control-allow-methods"), "GET, HEAD");
});

Deno.test("files carry a strong ETag; If-None-Match answers 304 until the file changes", async () => {
  await using s = await site();
  const first = await s.get("/p2p-call.js");
  const etag = first.headers.get("etag")!;
  ok(/^"[A-Za-z0-9_-]+"$/.test(etag), `strong etag: ${etag}`);
  await first.body?.cancel();

  for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
    const cached = await s.get("/p2p-call.js", { "if-none-match": ifNoneMatch });
    strictEqual(cached.status, 304, ifNoneMatch);
    strictEqual(cached.headers.get("etag"), etag);
    strictEqual(cached.headers.get("access-control-allow-origin"), "*");
    strictEqual(await cached.text(), "");
  }

  const stale = await s.get("/p2p-call.js", { "if-none-match": '"something-else"' });
  strictEqual(stale.status, 200);
  await stale.body?.cancel();

  await Deno.writeTextFile(`${s.root}/dist/p2p-call.js`, "export class P2pCall { v2() {} }\n");
  const rebuilt = await s.get("/p2p-call.js", { "if-none-match": etag });
  strictEqual(rebuilt.status, 200);
  notStrictEqual(rebuilt.headers.get("etag"), etag);
  strictEqual(await rebuilt.text(), "export class P2pCall { v2() {} }\n");
});

Deno.test("HEAD answers the headers without a body", async () => {
  await using s = await site();
  const size = (await Deno.stat(`${s.root}/dist/p2p-call.js`)).size;
  const response = await s.get("/p2p-call.js", {}, "HEAD");
  strictEqual(response.status, 200);
  strictEqual(response.headers.get("content-length"), String(size));
  strictEqual(response.body, null);
});

Deno.test("/healthz answers 200 JSON with ok, rooms and sockets", async () => {
  await using s = await site();
  const response = await s.get("/healthz");
  strictEqual(response.status, 200);
  strictEqual(response.headers.get("content-type"), "application/json");
  strictEqual(response.headers.get("cache-control"), "no-store");
  assertEquals(await response.json(), { ok: true, protocol: 1, rooms: 0, sockets: 0 });
});

Deno.test("unknown paths answer 404, other methods 405", async () => {
  await using s = await site();
  for (const path of ["/nope", "/nope.js", "/chunks/", "/demo/nope.html", "/dist/p2p-call.js"]) {
    const response = await s.get(path);
    strictEqual(response.status, 404, path);
    await response.body?.cancel();
  }
  const post = await s.get("/p2p-call.js", {}, "POST");
  strictEqual(post.status, 405);
  strictEqual(post.headers.get("allow"), "GET, HEAD, OPTIONS");
  await post.body?.cancel();
});

Deno.test("path traversal cannot reach files outside dist/, demo/ and fonts/", async () => {
  await using s = await site();
  for (
    const path of [
      "/../secret.txt",
      "/demo/../secret.txt",
      "/%2e%2e/secret.txt",
      "/demo/%2e%2e/secret.txt",
      "/..%2fsecret.txt",
      "/demo/..%2f..%2fsecret.txt",
      "/demo/%2e%2e%2fsecret.txt",
      "/demo/..%5csecret.txt",
      "/demo/%00index.html",
      "/demo/leak.txt", // a symlink pointing out of demo/
      "/demo/.hidden",
      "/%252e%252e/secret.txt",
      "/demo/%E0%A4%A",
      "/fonts/../secret.txt",
      "/fonts/%2e%2e/secret.txt",
      "/fonts/inter/..%2f..%2fsecret.txt",
    ]
  ) {
    const response = await s.get(path);
    strictEqual(response.status, 404, path);
    const body = await response.text();
    strictEqual(body.includes("top secret"), false, path);
  }
});
