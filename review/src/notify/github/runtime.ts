// What an action runs with: @actions/core and @actions/github (passed in by
// the action's entry, so nothing here touches the process at import), the
// file system, tools, and the timing of GitHub requests. Tests pass the real
// toolkit with a fresh summary and context, a loopback GitHub and short timing.
import * as nodeFs from "node:fs";
import type * as Core from "@actions/core";
import type * as GitHub from "@actions/github";
import type { ReviewDependencies } from "../../dependencies";
import { spawnExec } from "../../exec";
import { InputError } from "../../input-error";
import type { RequestTiming } from "./client";

/** The parts of @actions/core the actions use. */
export type ActionsCore = Pick<typeof Core, "getInput" | "setOutput" | "setSecret" | "setFailed" | "info" | "notice" | "warning" | "error" | "summary">;
/** @actions/github's `context`: the event payload and the run's variables. */
export type ActionsContext = typeof GitHub.context;
export type GetOctokit = typeof GitHub.getOctokit;
export type OctokitPlugin = Parameters<GetOctokit>[2];

export interface ActionsToolkit {
  readonly core: ActionsCore;
  readonly context: ActionsContext;
  readonly getOctokit: GetOctokit;
  /** Added to every client: @octokit/plugin-retry and @octokit/plugin-throttling. */
  readonly octokitPlugins: readonly OctokitPlugin[];
}

export interface ActionRuntime extends ReviewDependencies {
  readonly toolkit: ActionsToolkit;
  /** Retry and throttling timing: production's unless a test shortens it. */
  readonly timing?: RequestTiming;
}

export interface ActionResult {
  /** False fails the step (exit code 1). */
  readonly ok: boolean;
}

/** What the run is: repository, event, pull request and links, from `context` and the runner's variables. */
export interface RunContext {
  readonly owner: string;
  readonly repo: string;
  readonly apiUrl: string;
  readonly serverUrl: string;
  readonly eventName: string;
  /** The pull request (or pull-request-backed issue) the event is about, if any. */
  readonly pullRequestNumber: number | undefined;
  readonly runId: number;
  readonly runAttempt: number;
  readonly sha: string;
  /** Link to this workflow run, named in every "not shown" note. */
  readonly runUrl: string;
  /** GITHUB_STEP_SUMMARY, which core.summary appends to. */
  readonly summaryPath: string | undefined;
}

export function runContext(context: ActionsContext, env: ReviewDependencies["env"]): RunContext {
  let owner: string | undefined;
  let repo: string | undefined;
  try {
    ({ owner, repo } = context.repo);
  } catch {
    // No GITHUB_REPOSITORY and no repository in the payload: the message below names the variable.
  }
  if (!owner || !repo) throw new InputError(`GITHUB_REPOSITORY: found "${env.GITHUB_REPOSITORY ?? ""}", expected "owner/name".`);
  const serverUrl = context.serverUrl.replace(/\/+$/, "");
  const runId = Number.isFinite(context.runId) ? context.runId : 0;
  return {
    owner,
    repo,
    apiUrl: context.apiUrl.replace(/\/+$/, ""),
    serverUrl,
    eventName: context.eventName ?? "",
    pullRequestNumber: pullRequestNumberOf(context.payload as Record<string, unknown>),
    runId,
    runAttempt: Number.isFinite(context.runAttempt) && context.runAttempt > 0 ? context.runAttempt : 1,
    sha: context.sha ?? "",
    runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID ?? ""}`,
    summaryPath: env.GITHUB_STEP_SUMMARY || undefined,
  };
}

/**
 * `pull_request`/`pull_request_target` payloads, and `issue_comment` on a
 * pull request (`context.issue.number` would also take a plain issue's).
 */
export function pullRequestNumberOf(event: Record<string, unknown>): number | undefined {
  const pullRequest = event.pull_request as { number?: unknown } | undefined;
  if (typeof pullRequest?.number === "number") return pullRequest.number;
  const issue = event.issue as { number?: unknown; pull_request?: unknown } | undefined;
  if (issue?.pull_request && typeof issue.number === "number") return issue.number;
  return undefined;
}

/** An input as action.yml declares it; `default` mirrors a literal default there (a test keeps them equal). */
export interface InputSpec {
  readonly required?: boolean;
  readonly default?: string;
}

export type InputSpecs = Readonly<Record<string, InputSpec>>;

/** The runner's variable for an input: `INPUT_` + the name upper-cased, spaces as `_` (`github-token` → `INPUT_GITHUB-TOKEN`). */
export const inputVariable = (name: string): string => `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;

/**
 * The action's inputs. An `INPUT_` variable that the declarations do not name
 * fails the step with its name and the declared list: the runner passes an
 * unknown `with:` key on with only a warning (actions/runner#429), so a
 * misspelt input would otherwise silently fall back to its default.
 */
export function readInputs<S extends InputSpecs>(runtime: Pick<ActionRuntime, "toolkit" | "env">, specs: S): (name: keyof S & string) => string {
  const declared = Object.keys(specs);
  const known = new Set(declared.map(inputVariable));
  const unknown = Object.keys(runtime.env)
    .filter((key) => key.startsWith("INPUT_") && !known.has(key))
    .map((key) => key.slice("INPUT_".length).toLowerCase());
  if (unknown.length > 0) {
    const names = unknown.map((name) => `"${name}"`).join(", ");
    throw new InputError(
      `Input${unknown.length === 1 ? "" : "s"} ${names} ${unknown.length === 1 ? "is" : "are"} not declared by this action; its action.yml declares ${declared.join(", ")}. Check the step's \`with:\`.`,
    );
  }
  return (name) => {
    const spec = specs[name]!;
    let value: string;
    try {
      value = runtime.toolkit.core.getInput(name, { required: spec.required === true });
    } catch (error) {
      throw new InputError(error instanceof Error ? error.message : String(error));
    }
    return value || (spec.default ?? "");
  };
}

/**
 * Runs an action in the real process: its environment, file system, working
 * directory and tools. Called only from an action's entry (index.ts), which
 * passes the toolkit it imported. A thrown error fails the step with its
 * message; `{ ok: false }` fails it after the action said why.
 */
export function runAction(run: (runtime: ActionRuntime) => Promise<ActionResult>, toolkit: ActionsToolkit, overrides: Partial<Pick<ActionRuntime, "exec">> = {}): void {
  const runtime: ActionRuntime = { toolkit, env: process.env, fs: nodeFs, exec: spawnExec, cwd: process.cwd(), ...overrides };
  run(runtime).then(
    (result) => {
      if (!result.ok) process.exitCode = 1;
    },
    (error: unknown) => {
      toolkit.core.setFailed(error instanceof Error ? error.message : String(error));
      // A bad input is explained by its message; anything else is a bug worth its stack.
      if (error instanceof Error && !(error instanceof InputError) && error.stack) toolkit.core.info(error.stack);
    },
  );
}
