import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { repoRoot } from "./environments";

/** What a sandbox copies of the repository: everything a synth reads. */
export const SANDBOX_ENTRIES = ["stacks", "synth", "scripts", "environments", "package.json", "cdktf.json", ".terraform.lock.hcl"] as const;

/** A throwaway copy of the repo's synth inputs, so tests can break environment and account files safely. */
export function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), "synth-cli-"));
  for (const entry of SANDBOX_ENTRIES) {
    cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  return dir;
}

let lambdaBundles: string | undefined;

/**
 * One Lambda package folder for every sandbox of a test file (pass it as
 * LAMBDA_BUNDLE_DIR): the first synth bundles, the others find the packages
 * up to date (the cache is keyed by the content of every input, relative to
 * each sandbox), instead of each sandbox bundling from cold.
 */
export function sharedLambdaBundles(): string {
  lambdaBundles ??= mkdtempSync(join(tmpdir(), "synth-cli-lambda-"));
  return lambdaBundles;
}

/** Every file under `dir` (a synth's output): JSON as text, so a difference reads well; anything else (zips) by SHA-256. */
export function filesUnder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const content = readFileSync(path);
    files[relative(dir, path)] = path.endsWith(".json") ? content.toString("utf8") : createHash("sha256").update(content).digest("hex");
  }
  return files;
}
