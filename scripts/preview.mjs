#!/usr/bin/env node
// npm run preview -- <env> [--base <ref>]: the pull-request pipeline on a
// workstation (synth, config diff, and plan/cost/lint where their tools and
// credentials are present), printing what the actions would report as readable text.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runBundled } from "../synth/run-bundled.mjs";

process.env.PREVIEW_ROOT ??= join(dirname(fileURLToPath(import.meta.url)), "..");
await runBundled(join("scripts", "preview", "main.ts"));
