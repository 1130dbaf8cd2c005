// `npm run preview -- <env> [--base <ref>]`: the only file here that touches the real process.
import * as fs from "node:fs";
import { resolve } from "node:path";
import { spawnExec, styleFor } from "../../review/src/index";
import { parsePreviewArguments, PreviewUsageError } from "./arguments";
import { preview } from "./pipeline";

async function main(): Promise<number> {
  const { environment, baseRef } = parsePreviewArguments(process.argv.slice(2));
  const steps = await preview({
    environment,
    baseRef,
    root: resolve(process.env.PREVIEW_ROOT ?? process.cwd()),
    env: process.env,
    fs,
    exec: spawnExec,
    write: (text) => void process.stdout.write(text),
    style: styleFor(process.stdout, process.env),
  });
  return steps.some((step) => step.status === "failed") ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof PreviewUsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = error instanceof PreviewUsageError ? 2 : 1;
  },
);
