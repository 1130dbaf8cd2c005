#!/usr/bin/env node
// Fast synth: the CDKTF app bundled with esbuild and run by node (see
// synth/run-bundled.mjs), writing cdktf.out/ exactly as `cdktf synth` does.
// What `npm run synth`, `npm run synth:bootstrap` and cdktf.json's `app` run.
// `--entry=<file>` synthesizes another app (npm run synth:bootstrap); the
// remaining arguments reach that app's own argv parsing untouched.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chooseNode, majorOf, nodePackageName, requiredMajor } from "./node.mjs";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
// Run directly on an unsupported node (not through `npm run synth`, which picks the right one),
// synth stops here with the major it needs, before the app or cdktf can fail less clearly.
const required = requiredMajor(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")));
if (majorOf(process.version) < required) {
  const packageName = nodePackageName(process.platform, process.arch);
  const pinnedInstalled = existsSync(join(repoRoot, "node_modules", packageName, "bin"));
  const { problem } = chooseNode({ required, current: { version: process.version, execPath: process.execPath }, pinned: { installed: false, packageName } });
  console.error(
    pinnedInstalled
      ? `scripts/synth.mjs: this project runs on Node.js ${required} (package.json engines.node); this is Node.js ${process.version} (${process.execPath}). \`npm ci\` installed Node.js ${required} (node_modules/${packageName}): run \`npm run synth\`, or \`node scripts/node.mjs scripts/synth.mjs\`.`
      : `scripts/synth.mjs: ${problem}`,
  );
  process.exit(1);
}
const { placeholderProblems, readEnvironments } = await import("./environments.mjs");
const { SettingError } = await import("../synth/cdktf-patches.mjs");
const { runBundled } = await import("../synth/run-bundled.mjs");

const entryFlag = process.argv.findIndex((argument) => argument.startsWith("--entry="));
const entry = entryFlag === -1 ? join("stacks", "main.ts") : process.argv.splice(entryFlag, 1)[0].slice("--entry=".length);
if (entryFlag === -1) warnAboutPlaceholders(process.argv.slice(2).flatMap((argument) => argument.split(",")).filter(Boolean));
try {
  // The app reports its own errors (a lock file that does not fit the stacks among them: synth/provider-lock.mjs).
  await runBundled(entry, { synthesizes: true });
} catch (error) {
  // The runner's own: a setting it cannot use, or a build error esbuild has printed.
  console.error(error instanceof SettingError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
}

/** Synth works with example settings (tests, previews); it only says which ones a deploy will refuse. */
function warnAboutPlaceholders(names) {
  let environments;
  try {
    environments = readEnvironments();
  } catch {
    return; // the synth itself reports unusable files, with every problem
  }
  const wanted = names.length === 0 || names.includes("all") ? environments : environments.filter((environment) => names.includes(environment.name));
  for (const problem of wanted.flatMap(placeholderProblems)) console.error(`warning: ${problem.message} (a deploy refuses this).`);
}
