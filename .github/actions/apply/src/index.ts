// Entry of the bundled action: the real process, file system, terraform and GitHub.
import * as fs from "node:fs";
import { createGitHubClient } from "../../../../review/src/notify/github/client";
import { run } from "./run";
import { createExec } from "../../../../review/src/exec";

void run({
  env: process.env,
  fs,
  // Values to hide are registered with `::add-mask::` before terraform starts, so the runner masks the streamed lines.
  exec: createExec((chunk) => process.stdout.write(chunk)),
  log: (line) => process.stdout.write(`${line}\n`),
  createClient: createGitHubClient,
  cwd: process.cwd(),
}).then((exitCode) => {
  process.exitCode = exitCode;
});
