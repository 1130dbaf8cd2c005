// The plan comment: counts first, then what will be destroyed or replaced and
// why, then every change grouped by action with its construct path and its
// attributes collapsed. Rendered from the plan model (never terraform's text),
// with sensitive values redacted, given strings masked and all plan text
// escaped; sized to GitHub's limits with a link to the run when cut.
import type { Masker } from "../mask";
import {
  COMMENT_LIMIT,
  STEP_SUMMARY_LIMIT,
  buildWithinBudget,
  codeBlock,
  codeSpan,
  escapeHtml,
  escapeText,
  inlineCode,
  measureBytes,
  type BudgetBlock,
} from "../markdown";
import { constructPathFor, type AttributeChange, type PlanModel, type ResourceChange } from "./plan-model";
import { ACTION_ORDER, KEEPS_REPLACED_OBJECT, REASONS, countsText, groupOf, importNote } from "./vocabulary";

export interface PlanRenderOptions {
  readonly environment: string;
  /** Construct paths by address, from the stack's cdk.tf.json. */
  readonly constructPaths: ReadonlyMap<string, string>;
  /** Masks the `mask` input and every value terraform marks sensitive. */
  readonly mask: Masker;
  readonly runUrl?: string;
  readonly digest?: string;
}

export interface PlanRendering {
  /** For the PR comment: ≤ COMMENT_LIMIT minus room for the marker. */
  readonly comment: string;
  /** Everything, for the step summary (≤ 1 MiB). */
  readonly summary: string;
  readonly omittedFromComment: number;
}

/** Most characters the marker's change list may take; a longer plan's marker carries only the digest. */
export const MARKER_CHANGES_ROOM = 8000;
/** Room left in a comment for the hidden marker line (ids, digest and the change list). */
export const MARKER_ROOM = 600 + MARKER_CHANGES_ROOM;
const MAX_VALUE_LENGTH = 300;
const MAX_ATTRIBUTES = 60;

/** Why a resource is destroyed or replaced, in words. */
export function describeReason(change: ResourceChange, mask: Masker): string {
  const parts: string[] = [];
  if (change.actionReason) parts.push(REASONS[change.actionReason] ?? escapeText(change.actionReason));
  if (change.replacePaths.length > 0) {
    parts.push(`${change.replacePaths.map((path) => inlineCode(mask(path))).join(", ")} forces replacement`);
  }
  return parts.length > 0 ? parts.join("; ") : "no reason given by terraform";
}

const countsLine = (model: PlanModel): string => `**Plan:** ${countsText(model)}`;

function truncate(value: string | undefined): string | undefined {
  if (value === undefined || value.length <= MAX_VALUE_LENGTH) return value;
  return `${value.slice(0, MAX_VALUE_LENGTH)}… (${value.length - MAX_VALUE_LENGTH} more characters)`;
}

const cell = (value: string | undefined, mask: Masker): string => {
  if (value === undefined) return "";
  // Markers are words, not values: show them unquoted and uncoded.
  if (value === "(sensitive)" || value === "(known after apply)") return `_${value}_`;
  return inlineCode(truncate(mask(value))!);
};

function attributeTable(changes: readonly AttributeChange[], mask: Masker): string {
  const rows = changes.slice(0, MAX_ATTRIBUTES).map((change) => {
    const path = inlineCode(mask(change.path)) + (change.forcesReplacement ? " **forces replacement**" : "");
    return `| ${path} | ${cell(change.before, mask)} | ${cell(change.after, mask)} |`;
  });
  if (changes.length > MAX_ATTRIBUTES) rows.push(`| _… ${changes.length - MAX_ATTRIBUTES} more attributes_ | | |`);
  return ["| attribute | before | after |", "|---|---|---|", ...rows].join("\n");
}

/** One resource: a collapsed block with its attributes, or a single line when there are none. */
export function renderResource(change: ResourceChange, options: PlanRenderOptions, symbol: string): string {
  const { mask } = options;
  const constructPath = constructPathFor(options.constructPaths, change.address);
  const notes: string[] = [];
  if (change.moved && change.previousAddress) notes.push(`moved from <code>${escapeHtml(mask(change.previousAddress))}</code>`);
  if (change.importing) notes.push(importNote(change.importing, (text) => `<code>${escapeHtml(mask(text))}</code>`));
  if (change.keepsReplacedObject) notes.push(KEEPS_REPLACED_OBJECT);
  if (change.action === "delete" || change.action === "replace" || change.action === "forget") {
    if (change.actionReason) notes.push(escapeHtml(REASONS[change.actionReason] ?? change.actionReason));
  }
  const summary = [
    `${symbol} <code>${escapeHtml(mask(change.address))}</code>`,
    constructPath ? `<i>${escapeHtml(mask(constructPath))}</i>` : undefined,
    ...notes,
    change.attributeChanges.length > 0 ? `${change.attributeChanges.length} attribute${change.attributeChanges.length === 1 ? "" : "s"}` : undefined,
  ]
    .filter(Boolean)
    .join(" · ");
  if (change.attributeChanges.length === 0) return `<p>${summary}</p>`;
  return `<details><summary>${summary}</summary>\n\n${attributeTable(change.attributeChanges, mask)}\n\n</details>`;
}

function blocks(model: PlanModel, options: PlanRenderOptions): BudgetBlock[] {
  const { mask } = options;
  const result: BudgetBlock[] = [];
  const environment = codeSpan(mask(options.environment));
  result.push({ kind: "text", text: `### Terraform plan · ${environment}` });
  if (!model.hasChanges) {
    result.push({ kind: "text", text: `${countsLine(model)}\n\n**No changes.** The infrastructure matches the configuration.` });
  } else {
    result.push({ kind: "text", text: countsLine(model) });
  }
  if (model.errored) {
    result.push({ kind: "text", text: "> [!WARNING]\n> Terraform reported errors while planning: this plan is incomplete." });
  }

  const destructive = model.resourceChanges.filter((change) => change.action === "delete" || change.action === "replace");
  if (destructive.length > 0) {
    const destroyed = destructive.filter((change) => change.action === "delete").length;
    const replaced = destructive.length - destroyed;
    const what = [destroyed > 0 ? `destroys ${destroyed}` : "", replaced > 0 ? `replaces ${replaced}` : ""].filter(Boolean).join(" and ");
    result.push({
      kind: "section",
      header: `> [!CAUTION]\n> **This plan ${what} resource${destructive.length === 1 ? "" : "s"}:**`,
      rows: destructive.map((change) => {
        const constructPath = constructPathFor(options.constructPaths, change.address);
        const where = constructPath ? ` (${escapeText(mask(constructPath))})` : "";
        const kept = change.keepsReplacedObject ? ` (${KEEPS_REPLACED_OBJECT})` : "";
        return `> - **${change.action === "delete" ? "destroy" : "replace"}** ${inlineCode(mask(change.address))}${where}: ${describeReason(change, mask)}${kept}`;
      }),
      noun: "destroyed or replaced resources",
      rowSeparator: "\n",
    });
  }

  for (const group of ACTION_ORDER) {
    const changes = model.resourceChanges.filter((change) => groupOf(change) === group.action);
    if (changes.length === 0) continue;
    result.push({
      kind: "section",
      header: `#### ${group.symbol} ${group.title} (${changes.length})`,
      rows: changes.map((change) => renderResource(change, options, group.symbol)),
      noun: "resources",
    });
  }

  if (model.actionInvocations.length > 0) {
    result.push({
      kind: "section",
      header: `#### ⚡ Actions to invoke (${model.actionInvocations.length})\n\nApplying this plan runs these provider actions, whether or not a resource changes.`,
      rows: model.actionInvocations.map((invocation) => `- ${inlineCode(mask(invocation.address))}: ${escapeText(mask(invocation.trigger))}`),
      noun: "actions",
      rowSeparator: "\n",
    });
  }

  if (model.drift.length > 0) {
    result.push({
      kind: "section",
      header: `#### 🌪️ Changed outside Terraform (${model.drift.length})\n\nTerraform found these differences between the last known state and the real infrastructure; the plan above accounts for them.`,
      rows: model.drift.map((change) => renderResource(change, options, "🌪️")),
      noun: "drifted resources",
    });
  }

  if (model.outputChanges.length > 0) {
    result.push({
      kind: "section",
      header: `#### Outputs (${model.outputChanges.length})\n\n| output | action | before | after |\n|---|---|---|---|`,
      rows: model.outputChanges.map(
        (output) => `| ${inlineCode(mask(output.name))} | ${output.action} | ${cell(output.before, mask)} | ${cell(output.after, mask)} |`,
      ),
      noun: "outputs",
      rowSeparator: "\n",
    });
  }

  const footer = [`terraform ${escapeText(model.terraformVersion)}`, options.digest ? `plan digest <code>${escapeHtml(options.digest)}</code>` : "", options.runUrl ? `<a href="${escapeHtml(options.runUrl)}">workflow run</a>` : ""]
    .filter(Boolean)
    .join(" · ");
  result.push({ kind: "text", text: `\n<sub>${footer}</sub>` });
  return result;
}

export function renderPlan(model: PlanModel, options: PlanRenderOptions): PlanRendering {
  const all = blocks(model, options);
  const comment = buildWithinBudget(all, { limit: COMMENT_LIMIT - MARKER_ROOM, fullOutputUrl: options.runUrl, separator: "\n\n" });
  const summary = buildWithinBudget(all, { limit: STEP_SUMMARY_LIMIT - 4096, measure: measureBytes, fullOutputUrl: options.runUrl, separator: "\n\n" });
  return { comment: comment.text, summary: summary.text, omittedFromComment: comment.omitted };
}

// eslint-disable-next-line no-control-regex -- terraform's colour codes, in case -no-color was not honoured
const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, "");

/** The comment for a terraform failure: which command, its exit code, and its (masked) output. */
export function renderPlanError(options: { environment: string; step: string; exitCode: number; output: string; mask: Masker; runUrl?: string }): string {
  const output = options.mask(stripAnsi(options.output)).trim() || "(no output)";
  // Terraform's errors come last: keep the end when the output is long.
  const limit = COMMENT_LIMIT - MARKER_ROOM - 2000;
  const tail = output.length > limit ? `… (${output.length - limit} earlier characters not shown, full output in the run)\n${output.slice(-limit)}` : output;
  return [
    `### ❌ Terraform plan failed · ${codeSpan(options.mask(options.environment))}`,
    `\`${options.step}\` exited with code ${options.exitCode}. Nothing was planned; fix the error below and push again.`,
    codeBlock(tail, "text"),
    options.runUrl ? `<sub><a href="${escapeHtml(options.runUrl)}">workflow run</a></sub>` : "",
  ]
    .filter(Boolean)
    .join("\n\n");
}
