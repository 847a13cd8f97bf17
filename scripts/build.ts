/**
 * `deno task build`: bundles the widget into dist/p2p-call.js (one minified ES
 * module with Lit inside, plus its source map), emits its type declarations
 * (dist/p2p-call.d.ts), and prints every file's size, min and gzip, with the
 * size of the initial load against the budget of issue 7.
 *
 * Code split out with dynamic import() lands beside it in dist/chunks/, so a
 * host page still needs only the one script tag.
 *
 * `deno task build --analyze` also lists the biggest inputs of every file of
 * the initial load.
 */
import * as esbuild from "esbuild";
import ts from "typescript";
import { gzipSync } from "node:zlib";
import { dirname, resolve } from "node:path";
import * as terser from "terser";
import { decode, encode } from "@jridgewell/sourcemap-codec";

const root = new URL("..", import.meta.url).pathname;
const outdir = `${root}dist`;
const analyze = Deno.args.includes("--analyze");
/**
 * Gzip budget of the initial load (issue 7): what a page must fetch before
 * the element is usable — the entry, every chunk it imports, and the chunks
 * those import statically. Chunks loaded on first use are not part of it.
 */
const INITIAL_LOAD_BUDGET_BYTES = 12 * 1024;

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

// ---- template minification ------------------------------------------------------

/**
 * esbuild minifies code, not the text inside Lit's `css` and `html` tagged
 * templates. This strips their indentation and comments before bundling.
 * Line breaks are kept, so the source map still points at the right lines
 * (the source text it embeds shows the templates without indentation).
 */
function minifyTemplates(): esbuild.Plugin {
  return {
    name: "minify-lit-templates",
    setup(build) {
      build.onLoad({ filter: WIDGET_SOURCE, namespace: "file" }, async ({ path }) => {
        const source = await Deno.readTextFile(path);
        return { contents: minifyTemplatesIn(path, source), loader: "ts" };
      });
    },
  };
}

/** The element's module: index.ts imports it where there is a DOM. */
const ELEMENT_MODULE = "widget/src/p2p-call.ts";

const WIDGET_SOURCE = /[\\/]widget[\\/]src[\\/].*\.ts$/;

// ---- Lit in the element's chunk ----------------------------------------------------

/**
 * Puts Lit in the same file as the element. esbuild has no manual chunks
 * (evanw/esbuild#207): it groups modules by the set of entry points (the
 * bundle's entry and every dynamic import()) that reach them. Lit is reached
 * from the element and from the lazily loaded modules, the element's own
 * modules from the element only, so Lit would be a chunk of its own: one more
 * file, and about 0.3 KiB more gzip, before the element works. So each lazy
 * module is loaded through a wrapper that also imports the element module:
 * then both are reached from the same entry points. (The element module has
 * been evaluated by then: only it and what it loads import lazy modules.)
 */
function litWithTheElement(elementModule: string): esbuild.Plugin {
  return {
    name: "lit-with-the-element",
    setup(build) {
      build.onResolve({ filter: /^\./ }, ({ path, kind, importer, resolveDir }) => {
        if (kind !== "dynamic-import" || !WIDGET_SOURCE.test(importer)) return undefined;
        const target = resolve(resolveDir, path);
        return target === elementModule ? undefined : { path: target, namespace: "lazy-module" };
      });
      build.onLoad({ filter: /.*/, namespace: "lazy-module" }, ({ path }) => ({
        contents: `import ${JSON.stringify(elementModule)};\nexport * from ${
          JSON.stringify(path)
        };\n`,
        loader: "ts",
        resolveDir: dirname(path),
      }));
    },
  };
}

/** Rewrites the literal parts of every css`` and html`` template in `source`. */
function minifyTemplatesIn(fileName: string, source: string): string {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag)) {
      const minify = node.tag.text === "css"
        ? minifyCss
        : node.tag.text === "html"
        ? minifyHtml
        : null;
      if (minify) {
        const template = node.template;
        // Literal text between the backtick / `}` and the backtick / `${`.
        const parts: ts.Node[] = ts.isNoSubstitutionTemplateLiteral(template)
          ? [template]
          : [template.head, ...template.templateSpans.map((span) => span.literal)];
        for (const part of parts) {
          const start = part.getStart(file) + 1;
          const end = part.getEnd() - (part.kind === ts.SyntaxKind.TemplateHead ||
              part.kind === ts.SyntaxKind.TemplateMiddle
            ? 2
            : 1);
          const raw = source.slice(start, end);
          const text = minify(raw);
          if (text !== raw) edits.push({ start, end, text });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let result = source;
  for (const { start, end, text } of edits.sort((a, b) => b.start - a.start)) {
    result = result.slice(0, start) + text + result.slice(end);
  }
  return result;
}

/** The line breaks of `text` (at least one space), so line numbers stay the same. */
const lineBreaksOf = (text: string): string => "\n".repeat(text.split("\n").length - 1) || " ";

/** Whitespace and comments of CSS text; quoted strings are left alone. */
function minifyCss(text: string): string {
  return text.split(/("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/).map((piece, index) =>
    index % 2 === 1 ? piece : piece
      .replace(/\/\*[\s\S]*?\*\//g, lineBreaksOf)
      .replace(/\s+/g, lineBreaksOf)
      // Not around ":" or ">": `a :hover` and `a > b` keep their meaning only
      // with the space before ":" and are cheap either way.
      .replace(/ ?([{};,]) ?/g, "$1")
      .replace(/;(\n*)}/g, "$1}")
  ).join("");
}

/**
 * Whitespace that contains a line break becomes just the line breaks: the
 * same to HTML rendering and to Lit. The content of <pre> and <textarea> is
 * kept as written.
 */
function minifyHtml(text: string): string {
  return text.split(/(<(pre|textarea)\b[\s\S]*?<\/\2>)/i).map((piece, index) =>
    // split() returns [text, element, tag name, text, …].
    index % 3 === 0 ? piece.replace(/\s*\n\s*/g, lineBreaksOf) : index % 3 === 1 ? piece : ""
  ).join("");
}

// ---- bundle ----------------------------------------------------------------------

await Deno.remove(outdir, { recursive: true }).catch(() => {});

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { "p2p-call": "widget/src/index.ts" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  target: ["es2022", "chrome100", "firefox100", "safari16"],
  // Lit's exports map its development build to the "development" condition;
  // never ask for it.
  conditions: ["production"],
  minify: true,
  // Module scripts are always decoded as UTF-8: "…" need not be "\u2026".
  charset: "utf8",
  sourcemap: "linked",
  legalComments: "external",
  chunkNames: "chunks/[name]-[hash]",
  metafile: true,
  logLevel: "warning",
  plugins: [litWithTheElement(`${root}${ELEMENT_MODULE}`), minifyTemplates()],
});

await esbuild.stop();

const { outputs } = result.metafile;

// ---- one request less -------------------------------------------------------------

/**
 * The element module's own output is only a facade: its code is in the chunk
 * it shares with Lit (litWithTheElement). The entry would fetch the facade,
 * and only then that chunk: one round trip more before the element works. So
 * the entry imports the chunk directly (the facade's other import, the
 * events chunk, it imports already), and the facade is not shipped. The
 * entry's source map is shifted to match.
 */
async function skipElementFacade(entry: string, elementModule: string): Promise<void> {
  const facadePath = Object.keys(outputs).find((path) =>
    outputs[path].entryPoint === elementModule
  );
  const facade = facadePath ? outputs[facadePath] : undefined;
  const chunk = facade?.imports.find(({ path }) => outputs[path]?.inputs[elementModule]);
  const ownCode = Object.values(facade?.inputs ?? {}).some((input) => input.bytesInOutput > 0);
  if (!facadePath || !facade || !chunk || ownCode) {
    throw new Error(`build: ${elementModule} is not a facade of one chunk any more`);
  }
  const importers = Object.keys(outputs).filter((path) =>
    outputs[path].imports.some((imported) => imported.path === facadePath)
  );
  if (importers.length !== 1 || importers[0] !== entry) {
    throw new Error(
      `build: ${facadePath} is imported by ${importers.join(", ")}, not only ${entry}`,
    );
  }
  const relative = (path: string) => `./${path.slice(dirname(entry).length + 1)}`;
  const [from, to] = [JSON.stringify(relative(facadePath)), JSON.stringify(relative(chunk.path))];
  const code = await Deno.readTextFile(`${root}${entry}`);
  // Only a bare `await import(…);`: the facade's export names are not the chunk's.
  const statement = `await import(${from});`;
  const at = code.indexOf(statement) + "await import(".length;
  if (at < "await import(".length || code.indexOf(from, at + 1) >= 0) {
    throw new Error(`build: ${entry} uses ${from} other than in one bare \`${statement}\``);
  }
  await Deno.writeTextFile(
    `${root}${entry}`,
    code.slice(0, at) + to + code.slice(at + from.length),
  );
  // Columns after the replaced text on its line move by the difference in length.
  const line = code.slice(0, at).split("\n").length - 1;
  const column = at - (code.lastIndexOf("\n", at - 1) + 1);
  const map = JSON.parse(await Deno.readTextFile(`${root}${entry}.map`));
  const mappings = decode(map.mappings);
  for (const segment of mappings[line] ?? []) {
    if (segment[0] > column) segment[0] += to.length - from.length;
  }
  map.mappings = encode(mappings);
  await Deno.writeTextFile(`${root}${entry}.map`, JSON.stringify(map));
  for (const imported of outputs[entry].imports) {
    if (imported.path === facadePath) imported.path = chunk.path;
  }
  await Deno.remove(`${root}${facadePath}`);
  await Deno.remove(`${root}${facadePath}.map`);
  delete outputs[facadePath];
}

const entry = Object.keys(outputs).find((path) => path.endsWith("dist/p2p-call.js"));
if (!entry) throw new Error("build: esbuild wrote no dist/p2p-call.js");
await skipElementFacade(entry, ELEMENT_MODULE);

// ---- a second minifier pass ---------------------------------------------------------

/**
 * Terser after esbuild: its repeated compress passes find what one esbuild
 * pass leaves (about 1.5% of the gzip size). The source maps are chained,
 * so they still point at the TypeScript sources, whose text they carry.
 * Licences are in the .LEGAL.txt files esbuild writes beside the chunks.
 */
async function minifyAgain(path: string): Promise<void> {
  const file = `${root}${path}`;
  const name = path.slice(path.lastIndexOf("/") + 1);
  const code = (await Deno.readTextFile(file)).replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
  const minified = await terser.minify(code, {
    module: true,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
    sourceMap: {
      content: await Deno.readTextFile(`${file}.map`),
      url: `${name}.map`,
      // The sources' text, as esbuild put it in: the service serves only dist/.
      includeSources: true,
    },
  });
  await Deno.writeTextFile(file, minified.code!);
  await Deno.writeTextFile(`${file}.map`, minified.map as string);
}

await Promise.all(Object.keys(outputs).filter((path) => path.endsWith(".js")).map(minifyAgain));

const devInputs = Object.values(outputs).flatMap((output) =>
  Object.keys(output.inputs).filter((input) => /[\\/]development[\\/]/.test(input))
);
if (devInputs.length > 0) {
  console.error(`build: a development build was bundled:\n  ${devInputs.join("\n  ")}`);
  Deno.exit(1);
}

// ---- the initial load ------------------------------------------------------------

/**
 * The entry and what it imports, statically or dynamically (index.ts awaits
 * the element module at top level); from there, only static imports: a
 * dynamic import() inside a chunk loads on first use.
 */
function initialLoad(entry: string): string[] {
  const files = [entry];
  const add = (path: string) => {
    if (files.includes(path) || !outputs[path]) return;
    files.push(path);
    for (const imported of outputs[path].imports) {
      if (imported.kind === "import-statement") add(imported.path);
    }
  };
  for (const imported of outputs[entry].imports) add(imported.path);
  return files;
}

const initial = new Set(initialLoad(entry));

const minSizes = new Map<string, number>();
const gzipSizes = new Map<string, number>();
for (const path of Object.keys(outputs)) {
  if (!path.endsWith(".js")) continue;
  const bytes = await Deno.readFile(`${root}${path}`);
  minSizes.set(path, bytes.length);
  gzipSizes.set(path, gzipSync(bytes, { level: 9 }).length);
}

console.log("dist/                                                min       gzip");
const jsFiles = [...gzipSizes.keys()].sort((a, b) =>
  Number(initial.has(b)) - Number(initial.has(a)) || gzipSizes.get(b)! - gzipSizes.get(a)!
);
for (const path of jsFiles) {
  const mark = initial.has(path) ? "*" : " ";
  console.log(
    `${mark} ${path.replace(/^dist\//, "").padEnd(44)} ${kib(minSizes.get(path)!).padStart(10)} ${
      kib(gzipSizes.get(path)!).padStart(10)
    }`,
  );
}

if (analyze) {
  for (const path of jsFiles.filter((path) => initial.has(path))) {
    const output = outputs[path];
    const gzip = gzipSizes.get(path)!;
    console.log(`\n${path}: biggest inputs (min bytes; gzip estimated by share)`);
    const inputs = Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .sort(([, a], [, b]) => b.bytesInOutput - a.bytesInOutput)
      .slice(0, 15);
    for (const [input, { bytesInOutput }] of inputs) {
      const share = bytesInOutput / output.bytes;
      console.log(
        `  ${input.padEnd(52)} ${String(bytesInOutput).padStart(6)} B  ~${
          kib(share * gzip).padStart(9)
        }  ${(share * 100).toFixed(0).padStart(3)}%`,
      );
    }
  }
  console.log();
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

const initialMin = [...initial].reduce((sum, path) => sum + minSizes.get(path)!, 0);
const initialGzip = [...initial].reduce((sum, path) => sum + gzipSizes.get(path)!, 0);
const verdict = initialGzip <= INITIAL_LOAD_BUDGET_BYTES ? "within" : "OVER";
const margin = Math.abs(INITIAL_LOAD_BUDGET_BYTES - initialGzip);
console.log(
  `initial load (* above: p2p-call.js and the chunks it needs before the element works): ` +
    `${kib(initialMin)} min, ${initialGzip} B = ${(initialGzip / 1024).toFixed(2)} KiB gzip — ` +
    `${verdict} the ${INITIAL_LOAD_BUDGET_BYTES} B (${kib(INITIAL_LOAD_BUDGET_BYTES)}) budget, ` +
    `${margin} B ${verdict === "OVER" ? "over" : "to spare"}`,
);
if (verdict === "OVER" && !analyze) {
  console.log("  (`deno task build --analyze` lists what the initial load is made of)");
}
