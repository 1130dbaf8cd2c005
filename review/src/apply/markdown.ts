// What the deploy gate reports, in the step summary and on the merged pull request.
import { codeBlock, codeSpan, escapeText } from "../markdown";
import type { PlanModel } from "../terraform/plan-model";

const countsLine = (model: PlanModel): string =>
  `${model.counts.add} to add, ${model.counts.change} to change, ${model.counts.replace} to replace, ${model.counts.destroy} to destroy`;

/** Nothing was applied, and why (no reviewed plan, an errored plan). */
export const renderNotApplied = (environment: string, reason: string): string => `### ⛔ ${escapeText(environment)}: not applied\n\n${reason}`;

export const renderUpToDate = (environment: string, pullRequestNumber: number, digest: string): string =>
  `### ✅ ${escapeText(environment)}: already up to date\n\nThe plan after merging #${pullRequestNumber} has no changes; nothing to apply. Digest ${codeSpan(digest)}.`;

export const renderApplyFailed = (options: { environment: string; pullRequestNumber: number; model: PlanModel; outputTail: string; runUrl: string }): string =>
  `### ❌ ${escapeText(options.environment)}: apply failed\n\nThe reviewed plan from #${options.pullRequestNumber} (${countsLine(options.model)}) failed to apply; some changes may have been made. The last lines of terraform's output:\n\n${codeBlock(options.outputTail)}\n\n[Run](${options.runUrl})`;

export const renderApplied = (options: { environment: string; pullRequestNumber: number; model: PlanModel; digest: string; runUrl: string }): string =>
  `### ✅ ${escapeText(options.environment)}: applied\n\nThe plan reviewed on #${options.pullRequestNumber} (${countsLine(options.model)}) was applied by [this run](${options.runUrl}). Digest ${codeSpan(options.digest)}.`;
