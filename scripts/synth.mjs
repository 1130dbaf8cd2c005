#!/usr/bin/env node
// Fast synth: the CDKTF app bundled with esbuild and run by node (see
// run-bundled.mjs), writing cdktf.out/ exactly as `cdktf synth` does.
// `--entry=<file>` synthesizes another app (npm run synth:bootstrap); the
// remaining arguments reach that app's own argv parsing untouched.
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { placeholderProblems, readEnvironments } from "./environments.mjs";
import { copyProviderLock } from "./provider-lock.mjs";
import { runBundled } from "./run-bundled.mjs";

const entryFlag = process.argv.findIndex((argument) => argument.startsWith("--entry="));
const entry = entryFlag === -1 ? join("stacks", "main.ts") : process.argv.splice(entryFlag, 1)[0].slice("--entry=".length);
if (entryFlag === -1) warnAboutPlaceholders(process.argv.slice(2).flatMap((argument) => argument.split(",")).filter(Boolean));
await runBundled(entry);
// Every stack folder gets the committed provider lock file, so terraform verifies provider checksums there.
if (!process.exitCode) copyProviderLock({ root: fileURLToPath(new URL("..", import.meta.url)), outdir: resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out") });

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
