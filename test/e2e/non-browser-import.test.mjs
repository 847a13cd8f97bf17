// Issue 6: importing the bundle outside a browser (server-side rendering,
// tooling, a Deno or Node script that only wants the event classes) must not
// throw, and must not try to define the element where there is no DOM.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const bundle = new URL("../../dist/p2p-call.js", import.meta.url);

describe("the bundle outside a browser", () => {
  it("imports in Node without throwing, exporting the event classes", async () => {
    assert.ok(existsSync(bundle), "dist/p2p-call.js is missing: run `deno task build` first");
    const module = await import(bundle.href);
    assert.equal(typeof module.P2pStateChangeEvent, "function");
    assert.equal(typeof module.P2pErrorEvent, "function");
    assert.equal(globalThis.customElements, undefined, "no DOM was faked to get here");
  });

  it("imports in Deno without throwing", async () => {
    const script =
      `const m = await import(${JSON.stringify(pathToFileURL(bundle.pathname).href)});` +
      `console.log(typeof m.P2pStateChangeEvent);`;
    const { stdout } = await promisify(execFile)("deno", ["eval", script], { timeout: 30_000 });
    assert.equal(stdout.trim(), "function");
  });
});
