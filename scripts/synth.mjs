#!/usr/bin/env node
// Fast synth: bundle the CDKTF app with esbuild (dependencies stay in
// node_modules) and run it in this process, instead of ts-node type-checking
// the whole provider on every run. Type checking is `npm run typecheck`.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { filesUnchanged, fingerprintFiles } from "./input-fingerprints.mjs";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
// `--entry=<file>` synthesizes another app (npm run synth:bootstrap); the
// remaining arguments reach that app's own argv parsing untouched.
const entryFlag = process.argv.findIndex((argument) => argument.startsWith("--entry="));
const entry = entryFlag === -1 ? join("stacks", "main.ts") : process.argv.splice(entryFlag, 1)[0].slice("--entry=".length);
const cacheDir = join(repoRoot, ".build", "synth");
mkdirSync(cacheDir, { recursive: true });

/**
 * The bundled app and the packages it imports, rebuilt only when a source
 * file it was built from changed (see input-fingerprints.mjs).
 */
async function bundledApp() {
  const entrySlug = entry.replace(/[^A-Za-z0-9]+/g, "-");
  const cacheFile = join(cacheDir, `${entrySlug}.json`);
  try {
    const cached = JSON.parse(readFileSync(cacheFile, "utf8"));
    if (cached.esbuildOptions === JSON.stringify(BUILD_OPTIONS) && existsSync(cached.outfile) && filesUnchanged(cached.inputs, repoRoot)) return cached;
  } catch {
    // No cache yet, or an unreadable one: build.
  }
  const { buildSync } = await import("esbuild");
  // outfile only places the source map's paths: the bundle is written below, under its content hash.
  const result = buildSync({ ...BUILD_OPTIONS, entryPoints: [resolve(repoRoot, entry)], outfile: join(cacheDir, "app.cjs"), absWorkingDir: repoRoot, write: false });
  const code = result.outputFiles[0].contents;
  // Named by content, so concurrent synths of different trees never overwrite each other's bundle.
  const outfile = join(cacheDir, `${entrySlug}-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.cjs`);
  const partial = `${outfile}.${process.pid}.partial`;
  writeFileSync(partial, code);
  renameSync(partial, outfile);
  for (const file of readdirSync(cacheDir)) {
    if (file.startsWith(`${entrySlug}-`) && file.endsWith(".cjs") && join(cacheDir, file) !== outfile) rmSync(join(cacheDir, file), { force: true });
  }
  const packages = [
    ...new Set(
      Object.values(result.metafile.outputs)
        .flatMap((output) => output.imports)
        .filter((imported) => imported.external && !imported.path.startsWith("node:"))
        .map((imported) => imported.path),
    ),
  ];
  const cache = { esbuildOptions: JSON.stringify(BUILD_OPTIONS), outfile, packages, inputs: fingerprintFiles(Object.keys(result.metafile.inputs), repoRoot) };
  writeFileSync(`${cacheFile}.${process.pid}.partial`, JSON.stringify(cache));
  renameSync(`${cacheFile}.${process.pid}.partial`, cacheFile);
  return cache;
}

const BUILD_OPTIONS = {
  bundle: true,
  packages: "external",
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "inline",
  sourcesContent: false,
  metafile: true,
  logLevel: "warning",
};
const app = await bundledApp();

// Construct stack traces in cdk.tf.json then point at the TypeScript lines
// that created each resource (the lint comment relies on this). Node parses
// the source map of every module loaded while maps are on, and cdktf and the
// provider ship one inline in each file; loading the app's packages first
// leaves only our own bundle's map to parse.
const requireFromRepo = createRequire(join(repoRoot, "package.json"));
for (const specifier of app.packages) requireFromRepo(specifier);
process.setSourceMapsEnabled(true);
requireFromRepo(app.outfile);
