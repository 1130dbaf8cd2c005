// The synth comment: per stack, what the change does to the configuration.
import { COMMENT_LIMIT, STEP_SUMMARY_LIMIT, buildWithinBudget, codeBlock, codeSpan, details, escapeHtml, escapeUrlAttribute, escapeText, inlineCode, measureBytes, type BudgetBlock } from "../markdown";
import { changeCount, entriesMarkdown, fitsInline, inlineEntry, maskedEntries } from "../value-diff-render";
import { isEmptyDiff, type ChangedResource, type ResourceDiff, type StackDiff } from "./config-diff";

export interface StackDiffResult {
  readonly environment: string;
  readonly stackName: string;
  /** Undefined when the base could not be synthesized for this stack (see `baseNote`). */
  readonly diff: StackDiff | undefined;
  /** Why there is no diff, or that the stack is new at this ref. */
  readonly baseNote?: string;
}

/** Up to this many changed resources per stack, their values are shown open. */
const OPEN_CHANGED = 10;
const MAX_ENTRIES = 60;
const DIFF_OPTIONS = { maxValueLength: 160, context: 2 } as const;

const where = (resource: ResourceDiff): string => (resource.constructPath ? ` · <i>${escapeHtml(resource.constructPath)}</i>` : "");

export function summarizeDiff(diff: StackDiff): string {
  return `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`;
}

/** A changed resource: its values inline when short, else listed (open in a small diff). */
function changedRow(resource: ChangedResource, open: boolean): string {
  const entries = maskedEntries(resource.changes, (text) => text, DIFF_OPTIONS);
  const head = `✏️ <code>${escapeHtml(resource.address)}</code>`;
  if (fitsInline(entries)) return `<p>${head} · ${entries.map((entry) => inlineEntry(entry, "html")).join(" · ")}${where(resource)}</p>`;
  return details(`${head} · ${changeCount(entries.length)}${where(resource)}`, entriesMarkdown(entries, { maxEntries: MAX_ENTRIES, maxDiffLines: 80 }), open);
}

function stackBlocks(result: StackDiffResult): BudgetBlock[] {
  const heading = `#### ${escapeText(result.stackName)}`;
  if (!result.diff) return [{ kind: "text", text: `${heading}\n\n${escapeText(result.baseNote ?? "No diff.")}` }];
  const diff = result.diff;
  const note = result.baseNote ? `\n\n${escapeText(result.baseNote)}` : "";
  if (isEmptyDiff(diff)) return [{ kind: "text", text: `${heading}\n\nNo configuration change (${diff.total} resources).${note}` }];
  const blocks: BudgetBlock[] = [{ kind: "text", text: `${heading}\n\n**${summarizeDiff(diff)}** (${diff.total} resources).${note}` }];
  const list = (rows: string[]): void => {
    if (rows.length > 0) blocks.push({ kind: "section", header: "", rows, noun: "resources", rowSeparator: "\n" });
  };
  // What goes away first, then what changes (with its values), then what is new.
  list(diff.removed.map((resource) => `- 🗑️ removed ${inlineCode(resource.address)}${resource.constructPath ? ` · <i>${escapeText(resource.constructPath)}</i>` : ""}`));
  if (diff.changed.length > 0) {
    blocks.push({ kind: "section", header: "", rows: diff.changed.map((resource) => changedRow(resource, diff.changed.length <= OPEN_CHANGED)), noun: "resources", rowSeparator: "\n\n" });
  }
  list(diff.added.map((resource) => `- ➕ added ${inlineCode(resource.address)}${resource.constructPath ? ` · <i>${escapeText(resource.constructPath)}</i>` : ""}`));
  return blocks;
}

export interface SynthRendering {
  readonly comment: string;
  readonly summary: string;
}

export function renderSynthDiff(options: { baseRef: string; results: readonly StackDiffResult[]; runUrl?: string }): SynthRendering {
  const blocks: BudgetBlock[] = [
    {
      kind: "text",
      text: [
        `### CDKTF configuration diff against ${codeSpan(options.baseRef)}`,
        options.results.map((result) => `**${escapeText(result.stackName)}:** ${result.diff ? summarizeDiff(result.diff) : "no diff"}`).join("  \n"),
        "Computed from the synthesized `cdk.tf.json` files (no state, no credentials); Lambda bundle hashes and asset paths are left out. The plan comment shows what Terraform will do.",
      ].join("\n\n"),
    },
    ...options.results.flatMap(stackBlocks),
  ];
  if (options.runUrl) blocks.push({ kind: "text", text: `<sub><a href="${escapeUrlAttribute(options.runUrl)}">workflow run</a></sub>` });
  return {
    comment: buildWithinBudget(blocks, { limit: COMMENT_LIMIT - 600, fullOutputUrl: options.runUrl, separator: "\n\n" }).text,
    summary: buildWithinBudget(blocks, { limit: STEP_SUMMARY_LIMIT - 4096, measure: measureBytes, fullOutputUrl: options.runUrl, separator: "\n\n" }).text,
  };
}

/** The comment when synth itself fails. */
export function renderSynthError(options: { environments: string; output: string; runUrl?: string }): string {
  // The error is at the end of the output: keep the end when it is long.
  const output = options.output.trim().slice(-50_000);
  return [
    `### ❌ CDKTF synth failed (${escapeText(options.environments)})`,
    codeBlock(output || "(no output)", "text"),
    options.runUrl ? `<sub><a href="${escapeUrlAttribute(options.runUrl)}">workflow run</a></sub>` : "",
  ]
    .filter(Boolean)
    .join("\n\n");
}

/** The step summary without a base ref: each environment's stack folder. */
export function renderSynthStacks(stacks: readonly { readonly environment: string; readonly folder: string }[]): string {
  const rows = stacks.map((stack) => `| ${escapeText(stack.environment)} | ${inlineCode(stack.folder)} |`);
  return ["### CDKTF synth", "", "| environment | stack folder |", "|---|---|", ...rows].join("\n");
}
