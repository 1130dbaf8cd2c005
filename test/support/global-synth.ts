// jest's globalSetup/globalTeardown (jest.config.js): synthesizes every real
// environment once per `npm test`, exactly as `npm run synth` does (the
// bundled app, local state), before any worker starts. The test files that
// read synthesized JSON (test/support/synth.ts) share this output instead of
// each synthesizing in its own worker; workers inherit the folder through
// SYNTHESIZED_STACKS_DIR. Tests of synth itself still synthesize on their own.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The environment variable naming the shared synth's folder (its cdktf.out/ inside). */
export const SYNTHESIZED_STACKS_DIR = "SYNTHESIZED_STACKS_DIR";

const repoRoot = join(__dirname, "..", "..");

/**
 * The Lambda packages of every test synth that is not about the caches themselves: the shared synth
 * fills it first, and the bundler keys each package by the content of its inputs and writes it
 * atomically, so test files and sandboxes running at once share it safely.
 */
export const TEST_LAMBDA_BUNDLE_DIR = join(repoRoot, ".build", "lambda-test");

export function synthesizeForTests(): string {
  const workDir = mkdtempSync(join(tmpdir(), "trading-synth-"));
  const result = spawnSync(process.execPath, [join(repoRoot, "scripts", "synth.mjs")], {
    cwd: repoRoot,
    encoding: "utf8",
    env: {
      ...process.env,
      TF_BACKEND: "local",
      CDKTF_OUTDIR: join(workDir, "cdktf.out"),
      TF_LOCAL_STATE_DIR: join(workDir, ".terraform-state"),
      LAMBDA_BUNDLE_DIR: TEST_LAMBDA_BUNDLE_DIR,
    },
  });
  if (result.status !== 0) {
    rmSync(workDir, { recursive: true, force: true });
    throw new Error(`The tests' shared synth (node scripts/synth.mjs, TF_BACKEND=local) failed with exit code ${result.status}:\n${result.stderr}${result.stdout}`);
  }
  return workDir;
}

export default function globalSetup(): void {
  process.env[SYNTHESIZED_STACKS_DIR] = synthesizeForTests();
}

export function globalTeardown(): void {
  const dir = process.env[SYNTHESIZED_STACKS_DIR];
  if (dir) rmSync(dir, { recursive: true, force: true });
}
