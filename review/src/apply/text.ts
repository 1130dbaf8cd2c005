// What the deploy gate reports, for a terminal.
import { oneLine, printable, type TextStyle } from "../text";
import type { PlanModel } from "../terraform/plan-model";
import { planCountsText } from "../terraform/vocabulary";
import { parseTerraformOutput } from "../terraform/terraform-output";
import { diffChanges } from "./plan-difference";
import type { ChangeSummary } from "./reviewed-plan";

const countsLine = (model: PlanModel): string => planCountsText(model);

export const renderNotAppliedText = (environment: string, reason: string, style: TextStyle): string => `${style.red(style.bold(`${oneLine(environment)}: not applied`))}\n${printable(reason)}`;

export const renderUpToDateText = (environment: string, pullRequestNumber: number, digest: string, style: TextStyle): string =>
  `${style.green(style.bold(`${oneLine(environment)}: already up to date`))}\nThe plan after merging #${pullRequestNumber} has no changes; nothing to apply. Digest ${digest}.`;

/** A failed apply for a terminal: the `Error:` lines first, then what completed, then the whole output. */
export function renderApplyFailedText(options: { environment: string; pullRequestNumber: number; model: PlanModel; output: string }, style: TextStyle): string {
  const { errors, completed } = parseTerraformOutput(options.output);
  const lines = [
    style.red(style.bold(`${oneLine(options.environment)}: apply failed`)),
    `The reviewed plan from #${options.pullRequestNumber} (${countsLine(options.model)}) failed to apply; some changes may have been made.`,
  ];
  for (const error of errors) lines.push("", style.red(`Error: ${printable(error.summary)}`), ...error.details.map((line) => `  ${printable(line)}`));
  lines.push("", completed.length > 0 ? `Completed before the failure (${completed.length}): ${completed.map((change) => `${oneLine(change.address)} ${change.action}`).join(", ")}` : "Nothing completed before the failure.");
  lines.push("", style.dim("terraform's output:"), printable(options.output.trimEnd()));
  return lines.join("\n");
}

export const renderAppliedText = (options: { environment: string; pullRequestNumber: number; model: PlanModel; digest: string }, style: TextStyle): string =>
  `${style.green(style.bold(`${oneLine(options.environment)}: applied`))}\nThe plan reviewed on #${options.pullRequestNumber} (${countsLine(options.model)}) was applied. Digest ${options.digest}.`;

const list = (changes: readonly ChangeSummary[]): string[] => (changes.length > 0 ? changes.map((change) => `  - ${oneLine(change.actions.join(", "))} ${oneLine(change.address)}`) : ["  - (none)"]);

export function renderMismatchText(
  options: { environment: string; pullRequestNumber: number; reviewedDigest: string; reviewedRunId: number; currentDigest: string; reviewed: readonly ChangeSummary[] | undefined; current: readonly ChangeSummary[] },
  style: TextStyle,
): string {
  const lines = [
    style.red(style.bold(`${oneLine(options.environment)}: not applied, the plan differs from the reviewed one`)),
    `  reviewed on #${options.pullRequestNumber} (run ${options.reviewedRunId}): ${oneLine(options.reviewedDigest)}`,
    `  planned now: ${oneLine(options.currentDigest)}`,
  ];
  if (options.reviewed) {
    const difference = diffChanges(options.reviewed, options.current);
    lines.push("Only in the plan now:", ...list(difference.onlyInCurrent), "Only in the reviewed plan:", ...list(difference.onlyInReviewed), "Different actions:");
    lines.push(...(difference.changedActions.length > 0 ? difference.changedActions.map((change) => `  - ${oneLine(change.address)}: reviewed ${change.reviewed.join(", ")}, now ${change.current.join(", ")}`) : ["  - (none)"]));
  } else {
    lines.push("The reviewed comment does not list its changes; the plan now changes:", ...list(options.current));
  }
  return lines.join("\n");
}
