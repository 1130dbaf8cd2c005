// What the deploy gate reports, in the step summary and on the merged pull request.
import { codeBlock, codeSpan, details, escapeText } from "../markdown";
import { lastLines } from "../text";
import type { PlanModel } from "../terraform/plan-model";
import { planCountsText } from "../terraform/vocabulary";
import { errorCautionItems } from "../terraform/markdown";
import { parseTerraformOutput } from "../terraform/terraform-output";

const MAX_COMPLETED = 50;
/** The most characters of terraform's output shown, from its end: the comment stays within GitHub's limit whatever the lines hold. */
const MAX_OUTPUT_CHARACTERS = 20_000;

/** Nothing was applied, and why (no reviewed plan, an errored plan). */
export const renderNotApplied = (environment: string, reason: string): string => `### ⛔ ${escapeText(environment)}: not applied\n\n${reason}`;

export const renderUpToDate = (environment: string, pullRequestNumber: number, digest: string): string =>
  `### ✅ ${escapeText(environment)}: already up to date\n\nThe plan after merging #${pullRequestNumber} has no changes; nothing to apply. Digest ${codeSpan(digest)}.`;

/**
 * A failed apply: terraform's `Error:` lines first, as text that wraps (a code
 * block would hide them off the right edge), then what completed before the
 * failure, then the last lines of the output, collapsed.
 */
export function renderApplyFailed(options: { environment: string; pullRequestNumber: number; model: PlanModel; output: string; runUrl: string }): string {
  const { errors, completed } = parseTerraformOutput(options.output);
  const parts = [
    `### ❌ ${escapeText(options.environment)}: apply failed`,
    `The reviewed plan from #${options.pullRequestNumber} (${planCountsText(options.model)}) failed to apply; some changes may have been made.`,
  ];
  if (errors.length > 0) {
    const items = errorCautionItems(errors, "in the output below and in the run");
    parts.push(`> [!CAUTION]\n> **terraform stopped with ${errors.length === 1 ? "this error" : `${errors.length} errors`}:**\n${items.join("\n")}`);
  } else {
    parts.push("terraform printed no `Error:` line; see its output below.");
  }
  if (completed.length > 0) {
    const shown = completed.slice(0, MAX_COMPLETED).map((change) => `${codeSpan(change.address)} ${change.action}`);
    parts.push(`**Completed before the failure (${completed.length}):** ${shown.join(", ")}${completed.length > MAX_COMPLETED ? `, … ${completed.length - MAX_COMPLETED} more` : ""}. They are in the state now; the next plan starts from them.`);
  } else {
    parts.push("**Nothing completed before the failure.**");
  }
  const last = lastLines(options.output);
  const shown = last.length > MAX_OUTPUT_CHARACTERS ? `… ${last.slice(-MAX_OUTPUT_CHARACTERS)}` : last;
  parts.push(details("The last lines of terraform's output", codeBlock(shown, "text")));
  parts.push(`[Run](${options.runUrl})`);
  return parts.join("\n\n");
}

export const renderApplied = (options: { environment: string; pullRequestNumber: number; model: PlanModel; digest: string; runUrl: string }): string =>
  `### ✅ ${escapeText(options.environment)}: applied\n\nThe plan reviewed on #${options.pullRequestNumber} (${planCountsText(options.model)}) was applied by [this run](${options.runUrl}). Digest ${codeSpan(options.digest)}.`;
