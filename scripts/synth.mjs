#!/usr/bin/env node
// Fast synth: the CDKTF app bundled with esbuild and run by node (see
// run-bundled.mjs), writing cdktf.out/ exactly as `cdktf synth` does.
// `--entry=<file>` synthesizes another app (npm run synth:bootstrap); the
// remaining arguments reach that app's own argv parsing untouched.
import { join } from "node:path";
import { runBundled } from "./run-bundled.mjs";

const entryFlag = process.argv.findIndex((argument) => argument.startsWith("--entry="));
const entry = entryFlag === -1 ? join("stacks", "main.ts") : process.argv.splice(entryFlag, 1)[0].slice("--entry=".length);
await runBundled(entry);
