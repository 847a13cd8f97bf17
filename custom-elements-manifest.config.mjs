// Generates custom-elements.json from the element's JSDoc (@attr, @fires, @slot,
// @csspart, @cssproperty). `deno task manifest` writes it; `deno task check`
// fails when the committed file is stale.
export default {
  globs: ["widget/src/**/*.ts"],
  exclude: ["widget/src/**/*.test.ts"],
  outdir: ".",
  litelement: true,
  // package.json carries a fixed "customElements" entry; the --check run must not rewrite it.
  packagejson: false,
};
