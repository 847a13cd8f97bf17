/**
 * `deno task build`: bundles the widget the way Lit's production guide does
 * (Rollup; `manualChunks`; template literals minified by Lit's plugin; terser),
 * into dist/p2p-call.js plus the chunks it loads from dist/chunks/, with
 * source maps and type declarations (dist/p2p-call.d.ts). It prints every
 * file's size and fails when the initial load is over its budget or holds
 * code of a chunk that should load later.
 *
 * Each folder of widget/src is one chunk (`manualChunks`): element/ (with
 * Lit) and api/ are what a page loads before the element works, every other
 * folder loads later, when the element or the call first needs it.
 *
 * `deno task build --analyze` also lists the biggest modules of every file of
 * the initial load.
 */
import { type OutputChunk, rollup } from "rollup";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import terserPlugin from "@rollup/plugin-terser";
import esbuild from "rollup-plugin-esbuild";
import minifyHtmlLiterals from "@lit-labs/rollup-plugin-minify-html-literals";
import ts from "typescript";
import { gzipSync } from "node:zlib";

// Its types are read as CommonJS (its package.json has no "type"), its code loads as ES.
const terser = terserPlugin as unknown as typeof terserPlugin.default;

const root = new URL("..", import.meta.url).pathname;
const outdir = `${root}dist`;
const analyze = Deno.args.includes("--analyze");
/**
 * Gzip budget of the initial load (issue 7): the entry and every chunk it
 * needs before the element is usable. Chunks loaded on first use are not part of it.
 */
const INITIAL_LOAD_BUDGET_BYTES = 12 * 1024;
/** The folders (chunks) of the initial load; `lit` is Lit, in the element's chunk. */
const INITIAL_CHUNKS = ["api", "element"];

const LIT = /[\\/]node_modules[\\/](lit|lit-html|lit-element|@lit[\\/]reactive-element)[\\/]/;
/** The chunk of a module: its folder under widget/src; Lit ships with the element. */
function chunkOf(id: string): string | undefined {
  if (LIT.test(id)) return "element";
  return /[\\/]widget[\\/]src[\\/]([^\\/]+)[\\/]/.exec(id)?.[1];
}

// ---- bundle ----------------------------------------------------------------------

await Deno.remove(outdir, { recursive: true }).catch(() => {});

const bundle = await rollup({
  input: { "p2p-call": `${root}widget/src/index.ts` },
  plugins: [
    // Lit's exports map its development build to "development": never ask for it.
    nodeResolve({ browser: true, exportConditions: ["production"] }),
    minifyHtmlLiterals({
      failOnError: true,
      options: { minifyOptions: { removeAttributeQuotes: true } },
    }),
    esbuild({
      tsconfig: `${root}widget/tsconfig.json`,
      target: ["es2022", "chrome100", "firefox100", "safari16"],
      // Module scripts are always decoded as UTF-8: "…" need not be "\u2026".
      charset: "utf8",
      minify: true,
    }),
  ],
  onwarn(warning) {
    throw new Error(`build: ${warning.message}`);
  },
});
const { output } = await bundle.write({
  dir: outdir,
  format: "es",
  sourcemap: true,
  chunkFileNames: "chunks/[name]-[hash].js",
  manualChunks: chunkOf,
  plugins: [terser({ module: true, compress: { passes: 2 }, format: { comments: false } })],
});
await bundle.close();

const chunks = output.filter((file): file is OutputChunk => file.type === "chunk");
const entry = chunks.find((chunk) => chunk.isEntry)!;

// Terser drops comments, Lit's licence headers too: its licence goes beside its chunk.
const litLicence = await Deno.readTextFile(`${root}node_modules/lit/LICENSE`);
for (
  const chunk of chunks.filter((chunk) => Object.keys(chunk.modules).some((id) => LIT.test(id)))
) {
  await Deno.writeTextFile(`${outdir}/${chunk.fileName}.LEGAL.txt`, `Lit:\n${litLicence}`);
}

// ---- what loads first --------------------------------------------------------------

/**
 * The entry, the chunk it awaits (index.ts imports the element at top level
 * where there is a DOM), and what those import statically. A dynamic
 * import() anywhere else loads on first use.
 */
const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
const initial = new Set<OutputChunk>();
const add = (chunk: OutputChunk | undefined) => {
  if (!chunk || initial.has(chunk)) return;
  initial.add(chunk);
  chunk.imports.forEach((name) => add(byName.get(name)));
};
add(entry);
entry.dynamicImports.forEach((name) => add(byName.get(name)));

const problems: string[] = [];
for (const chunk of initial) {
  for (const id of Object.keys(chunk.modules)) {
    const folder = chunkOf(id);
    if (/[\\/]development[\\/]/.test(id)) problems.push(`a development build: ${id}`);
    if (folder !== undefined && !INITIAL_CHUNKS.includes(folder)) {
      problems.push(`${id.replace(root, "")} (chunk ${folder}) is in ${chunk.fileName}`);
    }
  }
}

// ---- sizes -----------------------------------------------------------------------

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const gzip = new Map(chunks.map((chunk) => [chunk, gzipSync(chunk.code, { level: 9 }).length]));
const rows = [...chunks].sort((a, b) =>
  Number(initial.has(b)) - Number(initial.has(a)) || gzip.get(b)! - gzip.get(a)!
);
console.log("dist/                                            min       gzip");
for (const chunk of rows) {
  console.log(
    `${initial.has(chunk) ? "*" : " "} ${chunk.fileName.padEnd(40)} ${
      kib(chunk.code.length).padStart(10)
    } ${kib(gzip.get(chunk)!).padStart(10)}`,
  );
  if (!analyze || !initial.has(chunk)) continue;
  const modules = Object.entries(chunk.modules).sort(([, a], [, b]) =>
    b.renderedLength - a.renderedLength
  );
  for (const [id, { renderedLength }] of modules.slice(0, 15)) {
    console.log(`    ${id.replace(root, "").padEnd(56)} ${String(renderedLength).padStart(6)} B`);
  }
}

// ---- type declarations ------------------------------------------------------------

/**
 * Declarations of the public entry, emitted by tsc into dist/types/ (the
 * repository's layout, since the protocol types live in signaling/), with
 * `.ts` specifiers rewritten to `.js` so a consumer without
 * allowImportingTsExtensions resolves them; dist/p2p-call.d.ts re-exports them
 * beside the bundle. The element's base class comes from `lit`'s types.
 */
function emitDeclarations(): void {
  const program = ts.createProgram([`${root}widget/src/index.ts`], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
    strict: true,
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    useDefineForClassFields: true,
    skipLibCheck: true,
    types: [],
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: root,
    outDir: `${outdir}/types`,
  });
  // Type errors are `deno task check`'s to report; only a failure to write
  // declarations fails the build.
  const emitted = program.emit(undefined, (fileName, text) => {
    const rewritten = text.replace(
      /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']*?)\.ts(["'])/g,
      "$1$2.js$3",
    );
    Deno.mkdirSync(fileName.slice(0, fileName.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(fileName, rewritten);
  });
  if (emitted.diagnostics.length > 0 || emitted.emitSkipped) {
    console.error(ts.formatDiagnostics(emitted.diagnostics, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => root,
      getNewLine: () => "\n",
    }));
    Deno.exit(1);
  }
  Deno.writeTextFileSync(
    `${outdir}/p2p-call.d.ts`,
    '// Types of p2p-call.js (generated by `deno task build`).\nexport * from "./types/widget/src/index.js";\n',
  );
}

emitDeclarations();
console.log("types: dist/p2p-call.d.ts (declarations in dist/types/)");

// ---- verdict ------------------------------------------------------------------------

const initialMin = [...initial].reduce((sum, chunk) => sum + chunk.code.length, 0);
const initialGzip = [...initial].reduce((sum, chunk) => sum + gzip.get(chunk)!, 0);
const over = initialGzip > INITIAL_LOAD_BUDGET_BYTES;
console.log(
  `initial load (* above): ${kib(initialMin)} min, ${initialGzip} B gzip — ` +
    `${over ? "OVER" : "within"} the ${INITIAL_LOAD_BUDGET_BYTES} B budget, ` +
    `${Math.abs(INITIAL_LOAD_BUDGET_BYTES - initialGzip)} B ${over ? "over" : "to spare"}`,
);
if (over) problems.push("the initial load is over its budget (`--analyze` lists what it holds)");
if (problems.length > 0) {
  console.error(`build failed:\n  ${problems.join("\n  ")}`);
  Deno.exit(1);
}
