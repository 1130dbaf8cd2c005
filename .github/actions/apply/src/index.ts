// Entry of the bundled action: the real process, file system, terraform and GitHub.
import * as fs from "node:fs";
import { createGitHubClient } from "../../shared/src/github-client";
import { run } from "./run";
import { streamingExec } from "./streaming-exec";

void run({
  env: process.env,
  fs,
  exec: streamingExec((chunk) => process.stdout.write(chunk)),
  log: (line) => process.stdout.write(`${line}\n`),
  createClient: createGitHubClient,
  cwd: process.cwd(),
}).then((exitCode) => {
  process.exitCode = exitCode;
});
