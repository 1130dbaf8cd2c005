// The one place that binds an action to the real process: environment, file
// system, child processes, stdout and the GitHub API. Each action's index.ts
// calls runAction(run) and nothing else.
import * as fs from "node:fs";
import { spawnExec, type Exec } from "../../exec";
import { createGitHubClient, type GitHubClient, type GitHubClientOptions } from "./client";
import type { ReviewFs } from "../../dependencies";
import { workflowCommand, type LogSink, type RunnerEnv } from "./runner";

export interface ActionDependencies {
  readonly env: RunnerEnv;
  readonly fs: ReviewFs;
  readonly exec: Exec;
  readonly log: LogSink;
  readonly createClient: (options: GitHubClientOptions) => GitHubClient;
  readonly sleep?: (milliseconds: number) => Promise<void>;
  /** The directory commands run in (the runner's workspace). */
  readonly cwd: string;
}

export interface ActionResult {
  /** False fails the step (exit code 1). */
  readonly ok: boolean;
}

export function realDependencies(): ActionDependencies {
  return {
    env: process.env,
    fs,
    exec: spawnExec,
    log: (line) => void process.stdout.write(`${line}\n`),
    createClient: createGitHubClient,
    cwd: process.cwd(),
  };
}

/** Runs an action with the real dependencies; an unexpected error becomes an `::error::` and a failed step. */
export function runAction(run: (dependencies: ActionDependencies) => Promise<ActionResult>, overrides: Partial<ActionDependencies> = {}): void {
  const dependencies = { ...realDependencies(), ...overrides };
  run(dependencies).then(
    (result) => {
      if (!result.ok) process.exitCode = 1;
    },
    (error: unknown) => {
      dependencies.log(workflowCommand("error", error instanceof Error ? error.message : String(error)));
      if (error instanceof Error && error.stack) dependencies.log(error.stack);
      process.exitCode = 1;
    },
  );
}
