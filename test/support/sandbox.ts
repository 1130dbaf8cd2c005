import { createHash } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { repoRoot } from "./environments";
import { TEST_LAMBDA_BUNDLE_DIR } from "./global-synth";

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

/**
 * A sandbox whose bundled synth apps are already built: the cache records of
 * `from`'s synth entries (by default the repository's own; jest's globalSetup
 * has just built the environments' app) and their bundles, copied into the
 * sandbox's `.build/synth/`. The
 * record names its inputs relative to the tree and by content
 * (synth/run-bundled.mjs), so the sandbox's synth reuses the bundle while its
 * sources are the same and rebuilds once a test edits one; without a record to
 * copy it is a plain sandbox that bundles on its first synth. Tests of the
 * cache itself use plain sandboxes (test/synth/run-bundled.test.ts).
 */
export function sandboxWithBundledApp(from: string = repoRoot): string {
  const dir = sandbox();
  copyBundledApp(from, dir);
  return dir;
}

/** The synth entries' cache records (synth/run-bundled.mjs names them after the entry): the environments' app and the bootstrap app. */
const BUNDLED_APP_RECORDS = ["stacks-main-ts.json", "stacks-bootstrap-main-ts.json"] as const;

/**
 * Copies `from`'s bundled synth apps (cache record and bundle) into `dir`'s
 * `.build/synth/`, those there are. A bundle that another synth of `from`
 * replaces meanwhile is left out: that sandbox bundles it itself.
 */
export function copyBundledApp(from: string, dir: string): void {
  for (const name of BUNDLED_APP_RECORDS) {
    const record = join(from, ".build", "synth", name);
    try {
      const bundle = (JSON.parse(readFileSync(record, "utf8")) as { bundle?: unknown }).bundle;
      if (typeof bundle !== "string") continue;
      mkdirSync(join(dir, ".build", "synth"), { recursive: true });
      copyFileSync(join(from, bundle), join(dir, bundle));
      copyFileSync(record, join(dir, ".build", "synth", name));
    } catch (error) {
      if ((error as { code?: string }).code !== "ENOENT") throw error;
    }
  }
}

/**
 * One Lambda package folder for every sandbox (pass it as LAMBDA_BUNDLE_DIR):
 * the tests' shared one, which jest's globalSetup synth has filled, so
 * sandboxes find their packages up to date (the cache is keyed by the content
 * of every input, relative to each sandbox) instead of bundling from cold.
 */
export const sharedLambdaBundles = (): string => TEST_LAMBDA_BUNDLE_DIR;

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
