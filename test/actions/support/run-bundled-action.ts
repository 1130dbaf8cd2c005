// Runs a committed `.github/actions/<name>/dist/index.js` the way the runner
// does: a node child process whose only contract is the environment (INPUT_*,
// GITHUB_*), the event file, and the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../support/environments";

export const OWNER = "acme";
export const REPO = "trading-infra";
export const PR_NUMBER = 42;

export interface BundledRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  /** `::command ...::message` lines the action printed. */
  readonly commands: string[];
}

export interface RunOptions {
  readonly action: "plan" | "cost" | "lint" | "synth";
  readonly inputs: Readonly<Record<string, string>>;
  readonly apiUrl: string;
  /** `pull_request` (default) or e.g. `push` (no pull request in the payload). */
  readonly eventName?: string;
  readonly runId?: number;
  /** The runner's working directory (GITHUB_WORKSPACE); a fresh temp dir by default. */
  readonly workspace?: string;
  /** Extra variables (e.g. INFRACOST_API_KEY); PATH and HOME are passed through. */
  readonly env?: Readonly<Record<string, string>>;
  /** Milliseconds before the child is killed (default 50 s). */
  readonly timeoutMs?: number;
}

export const distPath = (action: string): string => join(repoRoot, ".github", "actions", action, "dist", "index.js");

export function pullRequestEvent(): Record<string, unknown> {
  return {
    action: "synchronize",
    number: PR_NUMBER,
    pull_request: {
      number: PR_NUMBER,
      head: { ref: "feature/bigger-db", sha: "1111111111111111111111111111111111111111", repo: { full_name: `${OWNER}/${REPO}` } },
      base: { ref: "dev", sha: "2222222222222222222222222222222222222222", repo: { full_name: `${OWNER}/${REPO}` } },
    },
    repository: { full_name: `${OWNER}/${REPO}`, name: REPO, owner: { login: OWNER } },
  };
}

const pushEvent = (): Record<string, unknown> => ({
  ref: "refs/heads/dev",
  after: "3333333333333333333333333333333333333333",
  repository: { full_name: `${OWNER}/${REPO}`, name: REPO, owner: { login: OWNER } },
});

/** Reads GITHUB_OUTPUT's `name<<delimiter` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index += 1) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[index]!);
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (index += 1; index < lines.length && lines[index] !== delimiter; index += 1) value.push(lines[index]!);
    outputs[name!] = value.join("\n");
  }
  return outputs;
}

export async function runBundledAction(options: RunOptions): Promise<BundledRun> {
  const dist = distPath(options.action);
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run npm run build:actions`);
  const runnerTemp = mkdtempSync(join(tmpdir(), `runner-${options.action}-`));
  const eventName = options.eventName ?? "pull_request";
  const eventPath = join(runnerTemp, "event.json");
  writeFileSync(eventPath, JSON.stringify(eventName === "pull_request" ? pullRequestEvent() : pushEvent()));
  const outputPath = join(runnerTemp, "output");
  const summaryPath = join(runnerTemp, "summary.md");
  writeFileSync(outputPath, "");
  writeFileSync(summaryPath, "");
  const workspace = options.workspace ?? mkdtempSync(join(tmpdir(), "workspace-"));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? runnerTemp,
    GITHUB_ACTIONS: "true",
    GITHUB_API_URL: options.apiUrl,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_RUN_ID: String(options.runId ?? 1000),
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_SHA: "1111111111111111111111111111111111111111",
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    ...options.env,
  };
  // The runner's naming: INPUT_ + upper-cased name, hyphens kept.
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;

  const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [dist], { cwd: workspace, env, timeout: options.timeoutMs ?? 50_000, maxBuffer: 64 * 1024 * 1024 }, (error, out, err) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ exitCode: code, stdout: String(out), stderr: String(err) });
    });
  });
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputPath, "utf8")),
    summary: readFileSync(summaryPath, "utf8"),
    commands: stdout.split("\n").filter((line) => line.startsWith("::")),
  };
}
