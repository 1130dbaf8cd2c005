// Runs an action's run() in this process the way the runner would, with the
// real @actions/core and @actions/github: process.env is replaced by the
// runner's variables for the duration of the run and restored after (core
// reads process.env), what core prints is captured, and core.summary and
// github.context are fresh instances of their classes made inside that
// environment (the packages' own are built once per process, at import).
// Throttling and back-off are shortened so nothing sleeps.
import * as fs from "node:fs";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as core from "@actions/core";
import * as github from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck";
import type { Exec } from "../../review/src/exec";
import { spawnExec } from "../../review/src/exec";
import type { RequestTiming } from "../../review/src/notify/github/client";
import type { ActionRuntime, ActionsToolkit } from "../../review/src/notify/github/runtime";

/** Back-off units of 5 ms, no sleeping before a comment is retried, no minimum gap between writes. */
export function testTiming(delays: number[] = []): RequestTiming {
  return {
    unitMs: 5,
    sleep: async (milliseconds) => void delays.push(milliseconds),
    throttleGroups: { write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }), notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }) },
  };
}

/** The toolkit an action's entry passes, with a summary and context of this run (call inside `withRunnerEnv`). */
export function freshToolkit(): ActionsToolkit {
  const Summary = core.summary.constructor as new () => typeof core.summary;
  const Context = github.context.constructor as new () => typeof github.context;
  return { core: { ...core, summary: new Summary() }, context: new Context(), getOctokit: github.getOctokit, octokitPlugins: [retry, throttling] };
}

/** Runs `body` with process.env exactly `env` and stdout captured; both restored after, whatever happens. */
export async function withRunnerEnv<T>(env: Readonly<Record<string, string>>, body: () => Promise<T>): Promise<{ result: T; stdout: string }> {
  const saved = { ...process.env };
  const write = process.stdout.write;
  const printed: string[] = [];
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, env);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await body(), stdout: printed.join("") };
  } finally {
    process.stdout.write = write;
    for (const key of Object.keys(process.env)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

export interface RunnerFiles {
  readonly dir: string;
  readonly event: string;
  readonly output: string;
  readonly summary: string;
}

/** A runner temp folder with the event payload, an empty GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. */
export function runnerFiles(event: unknown): RunnerFiles {
  const dir = mkdtempSync(join(tmpdir(), "runner-"));
  const files = { dir, event: join(dir, "event.json"), output: join(dir, "output.txt"), summary: join(dir, "summary.md") };
  writeFileSync(files.event, JSON.stringify(event));
  writeFileSync(files.output, "");
  writeFileSync(files.summary, "");
  return files;
}

/** The runner's variables for those files; `inputs` become INPUT_<NAME> as the runner names them. */
export function runnerEnv(files: RunnerFiles, options: { apiUrl: string; eventName?: string; runId?: number; inputs?: Readonly<Record<string, string>>; extra?: Readonly<Record<string, string>> }): Record<string, string> {
  const env: Record<string, string> = {
    GITHUB_ACTIONS: "true",
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: "https://github.example",
    GITHUB_REPOSITORY: "acme/infra",
    GITHUB_EVENT_NAME: options.eventName ?? "pull_request",
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_RUN_ID: String(options.runId ?? 1001),
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_SHA: "abc123",
    ...options.extra,
  };
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;
  return env;
}

/** A tool's own variables (terraform's CLI config and TF_VAR_s, PATH, HOME) from an environment: nothing of the runner's. */
export const toolVariables = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && /^(TF_|CHECKPOINT_|PATH$|HOME$)/.test(entry[0])));

/** GITHUB_OUTPUT's `name<<delimiter` blocks. */
export function readOutputs(path: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const match of readFileSync(path, "utf8").matchAll(/^([\w-]+)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm)) result[match[1]!] = match[3]!;
  return result;
}

export interface ActionRun<T> {
  readonly result: T;
  /** Everything the action printed, workflow commands included. */
  readonly stdout: string;
  /** The `::command ...::message` lines. */
  readonly commands: string[];
}

/**
 * Runs `run` with the runner environment `env`, in `cwd`, with the real
 * toolkit, short timing and `exec` (real processes by default).
 */
export async function runActionInProcess<T>(
  run: (runtime: ActionRuntime) => Promise<T>,
  env: Readonly<Record<string, string>>,
  options: { cwd: string; exec?: Exec; timing?: RequestTiming },
): Promise<ActionRun<T>> {
  const { result, stdout } = await withRunnerEnv(env, () =>
    run({ toolkit: freshToolkit(), env: process.env, fs, exec: options.exec ?? spawnExec, cwd: options.cwd, timing: options.timing ?? testTiming() }),
  );
  return { result, stdout, commands: stdout.split("\n").filter((line) => line.startsWith("::")) };
}
