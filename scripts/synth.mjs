#!/usr/bin/env node
// Fast synth: the CDKTF app bundled with esbuild and run by node (see
// synth/run-bundled.mjs), writing cdktf.out/ exactly as `cdktf synth` does.
// What `npm run synth`, `npm run synth:bootstrap` and cdktf.json's `app` run.
// `--entry=<file>` synthesizes another app (npm run synth:bootstrap); the
// remaining arguments reach that app's own argv parsing untouched.
import { join } from "node:path";
import { placeholderProblems, readEnvironments } from "./environments.mjs";
import { SettingError } from "../synth/cdktf-patches.mjs";
import { runBundled } from "../synth/run-bundled.mjs";

const entryFlag = process.argv.findIndex((argument) => argument.startsWith("--entry="));
const entry = entryFlag === -1 ? join("stacks", "main.ts") : process.argv.splice(entryFlag, 1)[0].slice("--entry=".length);
if (entryFlag === -1) warnAboutPlaceholders(process.argv.slice(2).flatMap((argument) => argument.split(",")).filter(Boolean));
try {
  await runBundled(entry);
} catch (error) {
  // The app reports its own errors; these are the runner's: a setting it cannot use, or a build error esbuild has printed.
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
