import { cpSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./environments";

/** A throwaway copy of the repo's synth inputs, so tests can break environment and account files safely. */
export function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), "synth-cli-"));
  for (const entry of ["stacks", "scripts", "environments", "package.json", "cdktf.json", ".terraform.lock.hcl"]) {
    cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  return dir;
}
