/**
 * `deno task build`: bundles the widget into dist/p2p-call.js (one minified ES
 * module with Lit inside, plus its source map) and prints its size.
 *
 * Code split out with dynamic import() lands beside it in dist/chunks/, so a
 * host page still needs only the one script tag.
 */
import * as esbuild from "esbuild";
import { gzipSync } from "node:zlib";

const root = new URL("..", import.meta.url).pathname;
const outdir = `${root}dist`;
/** Gzip budget for the entry module a page loads (issue 7). */
const ENTRY_BUDGET_BYTES = 12 * 1024;

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

await Deno.remove(outdir, { recursive: true }).catch(() => {});

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { "p2p-call": "widget/src/index.ts" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  target: ["es2022", "chrome100", "firefox100", "safari16"],
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  chunkNames: "chunks/[name]-[hash]",
  metafile: true,
  logLevel: "warning",
});
await esbuild.stop();

let entryGzip = 0;
console.log("dist/");
for (const [path, output] of Object.entries(result.metafile.outputs)) {
  if (!path.endsWith(".js")) continue;
  const bytes = await Deno.readFile(`${root}${path}`);
  const gzip = gzipSync(bytes, { level: 9 }).length;
  if (path.endsWith("dist/p2p-call.js")) entryGzip = gzip;
  console.log(`  ${path.replace(/^dist\//, "").padEnd(36)} ${kib(output.bytes).padStart(10)} min  ${kib(gzip).padStart(9)} gzip`);
}
const verdict = entryGzip <= ENTRY_BUDGET_BYTES ? "within" : "OVER";
console.log(`entry p2p-call.js: ${kib(entryGzip)} gzip, ${verdict} the ${kib(ENTRY_BUDGET_BYTES)} budget`);
