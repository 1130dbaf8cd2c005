// Entry of the bundled action: the real process, file system, terraform and GitHub.
import * as fs from "node:fs";
import { spawnExec } from "../../shared/src/exec";
import { createGitHubClient } from "../../shared/src/github-client";
import { run } from "./run";

void run({
  env: process.env,
  fs,
  exec: spawnExec,
  log: (line) => process.stdout.write(`${line}\n`),
  createClient: createGitHubClient,
  cwd: process.cwd(),
}).then((exitCode) => {
  process.exitCode = exitCode;
});
