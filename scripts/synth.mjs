#!/usr/bin/env node
// Fast synth: bundle the CDKTF app with esbuild (dependencies stay in
// node_modules) and run it in this process, instead of ts-node type-checking
// the whole provider on every run. Type checking is `npm run typecheck`.
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
// `--entry=<file>` synthesizes another app (npm run synth:bootstrap); the
// remaining arguments reach that app's own argv parsing untouched.
const entryFlag = process.argv.findIndex((argument) => argument.startsWith("--entry="));
const entry = entryFlag === -1 ? join("stacks", "main.ts") : process.argv.splice(entryFlag, 1)[0].slice("--entry=".length);
const outfile = join(repoRoot, ".build", "synth", `main-${process.pid}.cjs`);
mkdirSync(dirname(outfile), { recursive: true });

buildSync({
  entryPoints: [resolve(repoRoot, entry)],
  outfile,
  bundle: true,
  packages: "external",
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "inline",
  logLevel: "warning",
});

// Construct stack traces in cdk.tf.json then point at the TypeScript lines
// that created each resource (the lint comment relies on this).
process.setSourceMapsEnabled(true);
try {
  createRequire(import.meta.url)(outfile);
} finally {
  const { rmSync } = await import("node:fs");
  rmSync(outfile, { force: true });
}
