// The synth review: synthesize the environments, and with a base ref, the
// configuration diff of each stack against it. The synth action and
// `npm run preview` both run it.
import { relative } from "node:path";
import type { ReviewDependencies } from "../dependencies";
import type { Publisher, Report } from "../notify/publisher";
import { synthesizeBase } from "./base-ref";
import { diffStacks, isEmptyDiff } from "./config-diff";
import { renderSynthDiff, renderSynthError, renderSynthStacks, type StackDiffResult } from "./markdown";
import { readStackJson, runSynth, type SynthesizedStackFile } from "./synthesize";
import { renderSynthDiffText, renderSynthErrorText, renderSynthStacksText } from "./text";

/** `dev,prod` → ["dev","prod"]; `all` or empty → [] (every environment). */
export function parseEnvironments(input: string): string[] {
  const names = input
    .split(/[,\s]+/)
    .map((name) => name.trim())
    .filter(Boolean);
  return names.includes("all") ? [] : [...new Set(names)];
}

export interface SynthReviewRequest {
  /** Environment names as given (`dev,prod`, `all`). */
  readonly environments: string;
  /** The git ref to diff against; without it, no diff. */
  readonly baseRef?: string;
  /** Key of the sticky comment (one synth comment per value). */
  readonly commentEnvironment: string;
  /** TF_BACKEND for the synth. */
  readonly backend: string;
  /** The checkout (holds scripts/synth.mjs). */
  readonly root: string;
  /** Where the stacks are written (CDKTF_OUTDIR), absolute. */
  readonly outdir: string;
}

export type SynthReviewResult =
  | {
      readonly ok: true;
      readonly stacks: readonly SynthesizedStackFile[];
      /** With a base ref: whether some stack differs, or why there is no diff. */
      readonly diff?: { readonly ok: true; readonly hasDiff: boolean; readonly results: readonly StackDiffResult[] } | { readonly ok: false; readonly reason: string };
    }
  | { readonly ok: false; readonly output: string };

export async function reviewSynth(request: SynthReviewRequest, dependencies: ReviewDependencies, publisher: Publisher): Promise<SynthReviewResult> {
  const { fs, exec, env } = dependencies;
  const { root, outdir, backend, baseRef } = request;
  const environments = parseEnvironments(request.environments);
  const report = (markdown: string | { comment: string; summary: string }, text: Report["text"]): Report => ({
    kind: "synth",
    environment: request.commentEnvironment,
    markdown: () => (typeof markdown === "string" ? { comment: markdown, summary: markdown } : markdown),
    text,
  });

  const head = await runSynth({ exec, fs, root, outdir, environments, backend, env });
  if (!head.ok) {
    const markdown = renderSynthError({ environments: request.environments, output: head.output, runUrl: publisher.links.run });
    await publisher.publish(report(markdown, (style) => renderSynthErrorText(request.environments, head.output, style)));
    publisher.annotate({ level: "error", message: `Synth of ${request.environments} failed; see the comment or the step summary.` });
    return { ok: false, output: head.output };
  }
  const folderOf = (stack: SynthesizedStackFile): string => relative(root, stack.directory) || ".";
  publisher.output("stacks", JSON.stringify(Object.fromEntries(head.stacks.map((stack) => [stack.environment, folderOf(stack)]))));
  publisher.log(`Synthesized ${head.stacks.map((stack) => stack.name).join(", ")}.`);
  if (!baseRef) {
    const folders = head.stacks.map((stack) => ({ environment: stack.environment, folder: folderOf(stack) }));
    await publisher.summarize(report(renderSynthStacks(folders), (style) => renderSynthStacksText(folders, style)));
    return { ok: true, stacks: head.stacks };
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
  if (!base.ok) publisher.annotate({ level: "warning", message: `No configuration diff against ${baseRef}: ${base.reason}.` });
  const hasDiff = results.some((result) => result.diff !== undefined && !isEmptyDiff(result.diff));
  publisher.output("has-diff", String(hasDiff));
  await publisher.publish(report(renderSynthDiff({ baseRef, results, runUrl: publisher.links.run }), (style) => renderSynthDiffText({ baseRef, results, style })));
  return { ok: true, stacks: head.stacks, diff: base.ok ? { ok: true, hasDiff, results } : { ok: false, reason: base.reason } };
}
