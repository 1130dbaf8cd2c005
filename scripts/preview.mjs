#!/usr/bin/env node
// npm run preview -- <env> [--base <ref>]: the pull-request pipeline on a
// workstation (synth, config diff, and plan/cost/lint where their tools and
// credentials are present), printing the comments the actions would post.
// Bundles scripts/preview/main.ts with esbuild, as scripts/synth.mjs does.
import { mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(repoRoot, ".build", "preview", `main-${process.pid}.cjs`);
mkdirSync(dirname(outfile), { recursive: true });
buildSync({
  entryPoints: [join(repoRoot, "scripts", "preview", "main.ts")],
  outfile,
  bundle: true,
  packages: "external",
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: "inline",
  logLevel: "warning",
});
process.setSourceMapsEnabled(true);
process.env.PREVIEW_ROOT ??= repoRoot;
try {
  createRequire(import.meta.url)(outfile);
} finally {
  rmSync(outfile, { force: true });
}
