// scripts/run-when-executed.mjs, through a script that uses it (scripts/environments.mjs).
import { spawnSync } from "node:child_process";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../support/environments";

const run = (script: string, args: string[]) => spawnSync(process.execPath, [script, ...args], { cwd: repoRoot, encoding: "utf8" });

describe("runWhenExecuted", () => {
  const real = join(repoRoot, "scripts", "environments.mjs");

  it("runs the script's main when node is given its path, also through a symlinked folder (node loads the real path)", () => {
    const linked = join(mkdtempSync(join(tmpdir(), "scripts-link-")), "scripts");
    symlinkSync(join(repoRoot, "scripts"), linked);
    const direct = run(real, []);
    expect(direct.status).toBe(2);
    expect(direct.stderr).toMatch(/^usage: environments\.mjs /);
    const throughLink = run(join(linked, "environments.mjs"), []);
    expect({ status: throughLink.status, stderr: throughLink.stderr }).toEqual({ status: direct.status, stderr: direct.stderr });
  });

  it("prints an error's message alone and exits 1", () => {
    const result = run(real, ["describe", "no-such-environment"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("no-such-environment");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("does nothing when the module is imported", () => {
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", `await import(${JSON.stringify(real)}); console.log("imported");`], { cwd: repoRoot, encoding: "utf8" });
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ status: 0, stdout: "imported\n", stderr: "" });
  });
});
