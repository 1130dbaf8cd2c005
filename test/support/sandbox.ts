import { createHash } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { repoRoot } from "./environments";
import { TEST_LAMBDA_BUNDLE_DIR } from "./global-synth";

/** What a sandbox copies of the repository: everything a synth reads. */
export const SANDBOX_ENTRIES = ["stacks", "synth", "scripts", "environments", "package.json", "cdktf.json"] as const;

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
 * A sandbox whose bundled synth app is already built: the cache record of
 * `from`'s app (by default the repository's own, which jest's globalSetup has
 * just built) and its bundle, copied into the sandbox's `.build/synth/`. The
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

/** Copies `from`'s bundled synth app (cache record and bundle) into `dir`'s `.build/synth/`, when there is one. */
export function copyBundledApp(from: string, dir: string): void {
  const cacheDir = join(from, ".build", "synth");
  const record = join(cacheDir, "stacks-main-ts.json");
  if (!existsSync(record)) return;
  const bundle = (JSON.parse(readFileSync(record, "utf8")) as { bundle?: unknown }).bundle;
  if (typeof bundle !== "string" || !existsSync(join(from, bundle))) return;
  mkdirSync(join(dir, ".build", "synth"), { recursive: true });
  copyFileSync(join(from, bundle), join(dir, bundle));
  copyFileSync(record, join(dir, ".build", "synth", "stacks-main-ts.json"));
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
