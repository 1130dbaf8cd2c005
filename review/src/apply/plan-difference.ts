// What a person needs to see when the plan about to be applied is not the
// one that was reviewed: both digests, and which resources differ.
import { codeSpan, escapeText } from "../markdown";
import type { ChangeSummary } from "./reviewed-plan";

export interface PlanDifference {
  readonly onlyInCurrent: readonly ChangeSummary[];
  readonly onlyInReviewed: readonly ChangeSummary[];
  /** Same address, different actions. */
  readonly changedActions: readonly { readonly address: string; readonly reviewed: readonly string[]; readonly current: readonly string[] }[];
}

const key = (actions: readonly string[]): string => actions.join(",");

/** Compares two change lists by address and actions. Same lists, same values changed: no difference found here. */
export function diffChanges(reviewed: readonly ChangeSummary[], current: readonly ChangeSummary[]): PlanDifference {
  const reviewedByAddress = new Map(reviewed.map((change) => [change.address, change]));
  const currentByAddress = new Map(current.map((change) => [change.address, change]));
  return {
    onlyInCurrent: current.filter((change) => !reviewedByAddress.has(change.address)),
    onlyInReviewed: reviewed.filter((change) => !currentByAddress.has(change.address)),
    changedActions: current
      .filter((change) => reviewedByAddress.has(change.address) && key(reviewedByAddress.get(change.address)!.actions) !== key(change.actions))
      .map((change) => ({ address: change.address, reviewed: reviewedByAddress.get(change.address)!.actions, current: change.actions })),
  };
}

const MAX_LISTED = 200;

function list(changes: readonly ChangeSummary[]): string[] {
  const lines = changes.slice(0, MAX_LISTED).map((change) => `- ${codeSpan(change.actions.join(", "))} ${codeSpan(change.address)}`);
  if (changes.length > MAX_LISTED) lines.push(`- … ${changes.length - MAX_LISTED} more`);
  return lines.length > 0 ? lines : ["- (none)"];
}

/** Markdown explaining the refusal, for the step summary and the pull request. */
export function renderMismatch(options: {
  readonly environment: string;
  readonly pullRequestNumber: number;
  readonly reviewedDigest: string;
  readonly reviewedRunId: number;
  readonly currentDigest: string;
  readonly reviewed: readonly ChangeSummary[] | undefined;
  readonly current: readonly ChangeSummary[];
  readonly runUrl: string;
}): string {
  const lines = [
    `### ⛔ ${escapeText(options.environment)}: not applied, the plan differs from the reviewed one`,
    "",
    // A list, not a table: a digest is a long unbroken value, and GitHub's tables do not wrap.
    `- reviewed on #${options.pullRequestNumber} (run ${options.reviewedRunId}): ${codeSpan(options.reviewedDigest)}`,
    `- planned now ([run](${options.runUrl})): ${codeSpan(options.currentDigest)}`,
    "",
    "The environment or the branch changed since the plan was reviewed (another merge, a manual change, a provider update).",
    "Open a pull request (or re-run this one's plan) to review the current plan, then deploy again.",
    "",
  ];
  if (options.reviewed) {
    const difference = diffChanges(options.reviewed, options.current);
    lines.push("**Only in the plan now:**", ...list(difference.onlyInCurrent), "", "**Only in the reviewed plan:**", ...list(difference.onlyInReviewed), "");
    lines.push("**Different actions:**");
    lines.push(
      ...(difference.changedActions.length > 0
        ? difference.changedActions.map((change) => `- ${codeSpan(change.address)}: reviewed ${codeSpan(change.reviewed.join(", "))}, now ${codeSpan(change.current.join(", "))}`)
        : ["- (none)"]),
    );
    if (difference.onlyInCurrent.length + difference.onlyInReviewed.length + difference.changedActions.length === 0) {
      lines.push("", "The same resources change with the same actions, so some attribute values differ.");
    }
  } else {
    lines.push("The reviewed comment does not list its changes; the plan now changes:", ...list(options.current));
  }
  return lines.join("\n");
}
