// Compares two synth outputs for a refactoring that must not change the infrastructure
// (test/support/synth-equivalence.ts says what counts as the same):
//
//   TF_BACKEND=local CDKTF_OUTDIR=/tmp/before node scripts/synth.mjs          # on the base commit
//   TF_BACKEND=local CDKTF_OUTDIR=/tmp/after node scripts/synth.mjs           # on the change
//   npx tsx test/support/compare-synth.ts /tmp/before /tmp/after --before-ref=<base commit>
//
// The base commit's files are read with `git show`, the change's from the working tree.
// Exits 1 when the outputs differ.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compareSynthOutputs, describeComparison, isEquivalent } from "./synth-equivalence";
import { repoRoot } from "./environments";

// synth/construct-stack-traces.ts keeps at most this many frames per trace.
const MAX_TRACE_FRAMES = 8;

const args = process.argv.slice(2);
const beforeRef = args.find((argument) => argument.startsWith("--before-ref="))?.slice("--before-ref=".length);
const [beforeDir, afterDir] = args.filter((argument) => !argument.startsWith("--"));
if (!beforeDir || !afterDir || !beforeRef) {
  console.error("usage: npx tsx test/support/compare-synth.ts <before cdktf.out> <after cdktf.out> --before-ref=<commit the before output was synthesized from>");
  process.exit(2);
}

const readOrUndefined = (read: () => string): string | undefined => {
  try {
    return read();
  } catch {
    return undefined;
  }
};
const comparison = compareSynthOutputs(beforeDir, afterDir, {
  beforeSource: (file) => readOrUndefined(() => execFileSync("git", ["show", `${beforeRef}:${file}`], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })),
  afterSource: (file) => readOrUndefined(() => readFileSync(join(repoRoot, file), "utf8")),
  maxFrames: MAX_TRACE_FRAMES,
});
for (const line of describeComparison(comparison)) console.log(line);
process.exitCode = isEquivalent(comparison) ? 0 : 1;
