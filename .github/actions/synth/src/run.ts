// The synth action: synthesize the environments, output their stack folders,
// and with base-ref, comment the configuration diff against the base.
import { relative, resolve } from "node:path";
import { publishComment } from "../../../../review/src/notify/github/comments";
import type { ActionDependencies, ActionResult } from "../../../../review/src/notify/github/entry";
import { escapeText, inlineCode } from "../../../../review/src/markdown";
import { appendSummary, getInput, readRunnerContext, setOutput, workflowCommand } from "../../../../review/src/notify/github/runner";
import { synthesizeBase } from "../../../../review/src/synth-diff/base-ref";
import { diffStacks, isEmptyDiff } from "../../../../review/src/synth-diff/config-diff";
import { renderSynthDiff, renderSynthError, type StackDiffResult } from "../../../../review/src/synth-diff/markdown";
import { readStackJson, runSynth } from "../../../../review/src/synth-diff/synthesize";

/** `dev,prod` → ["dev","prod"]; `all` or empty → [] (every environment). */
export function parseEnvironments(input: string): string[] {
  const names = input
    .split(/[,\s]+/)
    .map((name) => name.trim())
    .filter(Boolean);
  return names.includes("all") ? [] : [...new Set(names)];
}

export async function run(dependencies: ActionDependencies): Promise<ActionResult> {
  const { env, fs, log, exec } = dependencies;
  const context = readRunnerContext(env, fs);
  const environmentsInput = getInput(env, "environments", { default: "all" });
  const environments = parseEnvironments(environmentsInput);
  const baseRef = getInput(env, "base-ref");
  const commentEnvironment = getInput(env, "environment", { default: "all" });
  const backend = getInput(env, "backend", { default: "local" });
  const root = resolve(dependencies.cwd, getInput(env, "working-directory", { default: "." }));
  const outdir = resolve(root, getInput(env, "output-directory", { default: "cdktf.out" }));
  const token = getInput(env, "github-token");
  const client = token ? dependencies.createClient({ baseUrl: context.apiUrl, token, log }) : undefined;
  const publish = (content: string, summary?: string) =>
    publishComment({ client, context, fs, log, kind: "synth", environment: commentEnvironment, content, summary, sleep: dependencies.sleep });

  const head = await runSynth({ exec, fs, root, outdir, environments, backend, env });
  if (!head.ok) {
    await publish(renderSynthError({ environments: environmentsInput, output: head.output, runUrl: context.runUrl }));
    log(workflowCommand("error", `Synth of ${environmentsInput} failed; see the comment or the step summary.`));
    return { ok: false };
  }
  const stacks = Object.fromEntries(head.stacks.map((stack) => [stack.environment, relative(root, stack.directory) || "."]));
  setOutput(context, fs, "stacks", JSON.stringify(stacks), log);
  log(`Synthesized ${head.stacks.map((stack) => stack.name).join(", ")}.`);
  if (!baseRef) {
    const rows = head.stacks.map((stack) => `| ${escapeText(stack.environment)} | ${inlineCode(relative(root, stack.directory) || ".")} |`);
    appendSummary(context, fs, ["### CDKTF synth", "", "| environment | stack folder |", "|---|---|", ...rows].join("\n"), log);
    return { ok: true };
  }

  const base = await synthesizeBase({ exec, fs, root, ref: baseRef, environments, backend, env });
  const results: StackDiffResult[] = head.stacks.map((stack) => {
    const headJson = readStackJson(fs, stack);
    if (!base.ok) return { environment: stack.environment, stackName: stack.name, diff: undefined, baseNote: `No diff: ${base.reason}.` };
    const baseJson = base.stacks.get(stack.environment);
    return {
      environment: stack.environment,
      stackName: stack.name,
      diff: diffStacks(baseJson, headJson),
      baseNote: baseJson === undefined ? `This stack does not exist at ${baseRef}: every resource is new.` : undefined,
    };
  });
  if (!base.ok) log(workflowCommand("warning", `No configuration diff against ${baseRef}: ${base.reason}.`));
  const hasDiff = results.some((result) => result.diff !== undefined && !isEmptyDiff(result.diff));
  setOutput(context, fs, "has-diff", String(hasDiff), log);
  const rendering = renderSynthDiff({ baseRef, results, runUrl: context.runUrl });
  await publish(rendering.comment, rendering.summary);
  return { ok: true };
}
