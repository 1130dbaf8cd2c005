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

const { metafile } = buildSync({
  entryPoints: [resolve(repoRoot, entry)],
  outfile,
  bundle: true,
  packages: "external",
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "inline",
  sourcesContent: false,
  metafile: true,
  logLevel: "warning",
});

// Construct stack traces in cdk.tf.json then point at the TypeScript lines
// that created each resource (the lint comment relies on this). Node parses
// the source map of every module loaded while maps are on, and cdktf and the
// provider ship one inline in each file; loading the app's packages first
// leaves only our own bundle's map to parse.
const requireFromRepo = createRequire(join(repoRoot, "package.json"));
const packages = new Set(
  Object.values(metafile.outputs)
    .flatMap((output) => output.imports)
    .filter((imported) => imported.external && !imported.path.startsWith("node:"))
    .map((imported) => imported.path),
);
for (const specifier of packages) requireFromRepo(specifier);
process.setSourceMapsEnabled(true);
try {
  requireFromRepo(outfile);
} finally {
  const { rmSync } = await import("node:fs");
  rmSync(outfile, { force: true });
}
