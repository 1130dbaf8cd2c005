// The runner's contract with an action, as plain functions over an injected
// environment and file system so tests can pass real temp files.
import { randomUUID } from "node:crypto";
import { STEP_SUMMARY_LIMIT, measureBytes } from "../../markdown";

export type RunnerEnv = Readonly<Record<string, string | undefined>>;

/** The file operations actions need; `node:fs` satisfies it. */
export interface RunnerFs {
  readFileSync(path: string, encoding: "utf8"): string;
  appendFileSync(path: string, data: string, encoding: "utf8"): void;
  existsSync(path: string): boolean;
}

/** Where log lines and workflow commands go (stdout in a real run). */
export type LogSink = (line: string) => void;

export { InputError } from "../../input-error";
import { InputError } from "../../input-error";

/**
 * The value of a kebab-case input as the runner passes it: `INPUT_` + the
 * name upper-cased, spaces as `_`, hyphens kept (`github-token` → `INPUT_GITHUB-TOKEN`).
 */
export function getInput(env: RunnerEnv, name: string, options: { required?: boolean; default?: string } = {}): string {
  const value = (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
  if (value !== "") return value;
  if (options.required) throw new InputError(`Input "${name}" is required but was not given.`);
  return options.default ?? "";
}

export function getBooleanInput(env: RunnerEnv, name: string, defaultValue: boolean): boolean {
  const value = getInput(env, name);
  if (value === "") return defaultValue;
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new InputError(`Input "${name}": found "${value}", expected true or false.`);
}

export interface RunnerContext {
  readonly apiUrl: string;
  readonly serverUrl: string;
  readonly owner: string;
  readonly repo: string;
  readonly eventName: string;
  /** The webhook payload, `{}` when there is no event file. */
  readonly event: Record<string, unknown>;
  /** The pull request (or PR-backed issue) the event is about, if any. */
  readonly pullRequestNumber: number | undefined;
  readonly runId: number;
  readonly runAttempt: number;
  readonly sha: string;
  /** Link to this workflow run, named in every "not shown" note. */
  readonly runUrl: string;
  readonly outputPath: string | undefined;
  readonly summaryPath: string | undefined;
  readonly workspace: string | undefined;
}

/** Reads the runner's variables; a missing or malformed one gets a clear error. */
export function readRunnerContext(env: RunnerEnv, fs: RunnerFs): RunnerContext {
  const repository = env.GITHUB_REPOSITORY ?? "";
  const [owner, repo, ...rest] = repository.split("/");
  if (!owner || !repo || rest.length > 0) {
    throw new InputError(`GITHUB_REPOSITORY: found "${repository}", expected "owner/name".`);
  }
  const eventPath = env.GITHUB_EVENT_PATH;
  let event: Record<string, unknown> = {};
  if (eventPath && fs.existsSync(eventPath)) {
    try {
      event = JSON.parse(fs.readFileSync(eventPath, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new InputError(`GITHUB_EVENT_PATH ${eventPath}: not valid JSON (${(error as Error).message}).`);
    }
  }
  const serverUrl = (env.GITHUB_SERVER_URL ?? "https://github.com").replace(/\/+$/, "");
  const runId = Number(env.GITHUB_RUN_ID ?? 0);
  return {
    apiUrl: (env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/+$/, ""),
    serverUrl,
    owner,
    repo,
    eventName: env.GITHUB_EVENT_NAME ?? "",
    event,
    pullRequestNumber: pullRequestNumberOf(event),
    runId: Number.isFinite(runId) ? runId : 0,
    runAttempt: Number(env.GITHUB_RUN_ATTEMPT ?? 1) || 1,
    sha: env.GITHUB_SHA ?? "",
    runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID ?? ""}`,
    outputPath: env.GITHUB_OUTPUT || undefined,
    summaryPath: env.GITHUB_STEP_SUMMARY || undefined,
    workspace: env.GITHUB_WORKSPACE || undefined,
  };
}

/** `pull_request`/`pull_request_target` payloads, and `issue_comment` on a PR. */
export function pullRequestNumberOf(event: Record<string, unknown>): number | undefined {
  const pullRequest = event.pull_request as { number?: unknown } | undefined;
  if (typeof pullRequest?.number === "number") return pullRequest.number;
  const issue = event.issue as { number?: unknown; pull_request?: unknown } | undefined;
  if (issue?.pull_request && typeof issue.number === "number") return issue.number;
  return undefined;
}

/** Appends `name=value` to GITHUB_OUTPUT (multi-line safe); without the file, logs it. */
export function setOutput(context: Pick<RunnerContext, "outputPath">, fs: RunnerFs, name: string, value: string, log: LogSink = () => {}): void {
  if (!context.outputPath) {
    log(`output ${name}=${value}`);
    return;
  }
  let delimiter = `ghadelimiter_${randomUUID()}`;
  while (value.includes(delimiter)) delimiter = `ghadelimiter_${randomUUID()}`;
  fs.appendFileSync(context.outputPath, `${name}<<${delimiter}\n${value}\n${delimiter}\n`, "utf8");
}

/**
 * Appends markdown to the step summary. The caller keeps one rendering under
 * the 1 MiB cap (see `buildWithinBudget`); this refuses to exceed it so a
 * second append cannot make the runner drop the whole summary.
 */
export function appendSummary(context: Pick<RunnerContext, "summaryPath">, fs: RunnerFs, markdown: string, log: LogSink = () => {}): boolean {
  if (!context.summaryPath) {
    log("No GITHUB_STEP_SUMMARY: the summary is not written.");
    return false;
  }
  const existing = fs.existsSync(context.summaryPath) ? measureBytes(fs.readFileSync(context.summaryPath, "utf8")) : 0;
  const text = `${markdown}\n`;
  if (existing + measureBytes(text) > STEP_SUMMARY_LIMIT) {
    log(workflowCommand("warning", `The step summary would exceed ${STEP_SUMMARY_LIMIT} bytes; this part was not written.`));
    return false;
  }
  fs.appendFileSync(context.summaryPath, text, "utf8");
  return true;
}

const escapeData = (text: string): string => text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (text: string): string => escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");

/** A workflow command line (`::notice file=a.ts,line=3::message`), escaped as the runner expects. */
export function workflowCommand(
  command: "notice" | "warning" | "error" | "debug" | "add-mask",
  message: string,
  properties: Readonly<Record<string, string | number | undefined>> = {},
): string {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== undefined && value !== "")
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(",");
  return `::${command}${props ? ` ${props}` : ""}::${escapeData(message)}`;
}
