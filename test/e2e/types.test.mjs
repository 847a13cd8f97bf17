/**
 * The published types: a TypeScript page script (fixtures/consumer.ts) that
 * imports dist/p2p-call.js type-checks against the generated
 * dist/p2p-call.d.ts with ordinary compiler settings, and misuse (writing the
 * read-only `state`, calling a method that does not exist) is an error, so
 * the declarations are not `any` in disguise.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DIST, FIXTURES, requireBuild, ROOT } from "./harness.mjs";

const tsc = join(ROOT, "node_modules/typescript/bin/tsc");

function typeCheck(project) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsc, "-p", project],
      { cwd: ROOT },
      (error, stdout, stderr) =>
        resolve({ code: error ? error.code ?? 1 : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe("dist/p2p-call.d.ts", { timeout: 60_000 }, () => {
  it("is emitted beside the bundle", () => {
    requireBuild();
    assert.ok(existsSync(join(DIST, "p2p-call.d.ts")), "dist/p2p-call.d.ts is missing");
  });

  it("type-checks a consumer of dist/p2p-call.js", async () => {
    requireBuild();
    const { code, output } = await typeCheck(join(FIXTURES, "tsconfig.json"));
    assert.equal(code, 0, `tsc failed:\n${output}`);
  });
});
