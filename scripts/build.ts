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
      build.onLoad({ filter: /[\\/]widget[\\/]src[\\/].*\.ts$/ }, async ({ path }) => {
        const source = await Deno.readTextFile(path);
        return { contents: minifyTemplatesIn(path, source), loader: "ts" };
      });
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
  sourcemap: "linked",
  legalComments: "linked",
  chunkNames: "chunks/[name]-[hash]",
  metafile: true,
  logLevel: "warning",
  plugins: [minifyTemplates()],
});
await esbuild.stop();

const { outputs } = result.metafile;
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

const entry = Object.keys(outputs).find((path) => path.endsWith("dist/p2p-call.js"));
if (!entry) throw new Error("build: esbuild wrote no dist/p2p-call.js");
const initial = new Set(initialLoad(entry));

const gzipSizes = new Map<string, number>();
for (const path of Object.keys(outputs)) {
  if (!path.endsWith(".js")) continue;
  gzipSizes.set(path, gzipSync(await Deno.readFile(`${root}${path}`), { level: 9 }).length);
}

console.log("dist/                                                min       gzip");
const jsFiles = [...gzipSizes.keys()].sort((a, b) =>
  Number(initial.has(b)) - Number(initial.has(a)) || gzipSizes.get(b)! - gzipSizes.get(a)!
);
for (const path of jsFiles) {
  const mark = initial.has(path) ? "*" : " ";
  console.log(
    `${mark} ${path.replace(/^dist\//, "").padEnd(44)} ${kib(outputs[path].bytes).padStart(10)} ${
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

const initialMin = [...initial].reduce((sum, path) => sum + outputs[path].bytes, 0);
const initialGzip = [...initial].reduce((sum, path) => sum + gzipSizes.get(path)!, 0);
const verdict = initialGzip <= INITIAL_LOAD_BUDGET_BYTES ? "within" : "OVER";
console.log(
  `initial load (* above: p2p-call.js and the chunks it needs before the element works): ` +
    `${kib(initialMin)} min, ${kib(initialGzip)} gzip — ${verdict} the ${
      kib(INITIAL_LOAD_BUDGET_BYTES)
    } gzip budget` +
    (verdict === "OVER" ? ` by ${kib(initialGzip - INITIAL_LOAD_BUDGET_BYTES)}` : ""),
);
if (verdict === "OVER" && !analyze) {
  console.log("  (`deno task build --analyze` lists what the initial load is made of)");
}
