/**
 * `deno task manifest` regenerates custom-elements.json from the widget's JSDoc;
 * `deno task manifest --check` (part of `deno task check`) fails when the
 * committed manifest differs from what the JSDoc says today.
 */
const root = new URL("..", import.meta.url).pathname;
const check = Deno.args.includes("--check");
// The analyzer joins --outdir to the working directory, so it must be relative.
const outdir = check ? "node_modules/.cache/cem-check" : ".";

const { code, stderr } = await new Deno.Command("node", {
  args: [
    "node_modules/@custom-elements-manifest/analyzer/cem.js",
    "analyze",
    "--config",
    "custom-elements-manifest.config.mjs",
    "--outdir",
    outdir,
  ],
  cwd: root,
  stdout: "null",
  stderr: "piped",
}).output();
if (code !== 0) {
  console.error(new TextDecoder().decode(stderr));
  Deno.exit(code);
}

// The analyzer lists modules in the order its file reads finish, which varies
// from run to run: sorted by path, the file only changes when the JSDoc does.
const written = `${root}${outdir}/custom-elements.json`;
const manifest = JSON.parse(await Deno.readTextFile(written)) as { modules: { path: string }[] };
manifest.modules.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
await Deno.writeTextFile(written, `${JSON.stringify(manifest, null, 2)}\n`);

if (check) {
  const fresh = await Deno.readTextFile(written);
  const committed = await Deno.readTextFile(`${root}custom-elements.json`).catch(() => "");
  if (fresh !== committed) {
    console.error("custom-elements.json is stale: run `deno task manifest` and commit it.");
    Deno.exit(1);
  }
  console.log("custom-elements.json is up to date.");
}
