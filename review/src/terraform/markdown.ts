// The plan comment, laid out for a reviewer who decides in a minute, at any
// width: counts first, then what will be destroyed or replaced (with the value
// that forces it and whether it destroys first), then every change grouped by
// action with the decisive information first on each line (action, address,
// new value), values diffed structurally (value-diff.ts) in lists rather than
// tables (GitHub tables never wrap long values). Small plans show their
// changes open or inline; plans above LARGE_PLAN resources start with counts
// by resource type and every changing address, then as many value diffs as
// fit. Destroys, replacements and drift come before creates. The footer (tool
// version, plan digest, run link) is always there. Rendered from the plan
// model, with sensitive values redacted, given strings masked and all plan
// text escaped; sized to GitHub's limits with a link to the run when cut.
import type { Masker } from "../mask";
import { COMMENT_LIMIT, STEP_SUMMARY_LIMIT, buildWithinBudget, codeBlock, codeSpan, details, escapeHtml, escapeUrlAttribute, escapeText, inlineCode, measureBytes, type BudgetBlock } from "../markdown";
import { changeCount, codeValue, entriesMarkdown, fitsInline, inlineEntry, maskedEntries } from "../value-diff-render";
import { constructPathFor, type PlanModel, type ResourceChange } from "./plan-model";
import { PLAN_DIFF_OPTIONS, addressGroups, countsByType, foldNumberRuns, forcingEntries, viewOf, type ResourceView } from "./presentation";
import { type ApplyError, parseTerraformOutput } from "./terraform-output";
import { shorten } from "../text";
import { ACTION_ORDER, REASONS, destructiveSummary, groupOf, planCountsText, replacementOrder, type ChangeGroup } from "./vocabulary";

export interface PlanRenderOptions {
  readonly environment: string;
  /** Construct paths by address, from the stack's cdk.tf.json. */
  readonly constructPaths: ReadonlyMap<string, string>;
  /** Masks the `mask` input and every value terraform marks sensitive. */
  readonly mask: Masker;
  readonly runUrl?: string;
  readonly digest?: string;
  /** Characters the hidden marker line will take (measured by the caller); MARKER_ROOM when unknown. */
  readonly markerLength?: number;
}

export interface PlanRendering {
  /** For the PR comment: ≤ COMMENT_LIMIT minus the marker's room. */
  readonly comment: string;
  /** Everything, for the step summary (≤ 1 MiB). */
  readonly summary: string;
  readonly omittedFromComment: number;
}

/** Most characters the marker's change list may take; a longer plan's marker carries only the digest. */
export const MARKER_CHANGES_ROOM = 8000;
/** Room for the marker's ids and digest (its JSON without the change list), with a margin. */
export const MARKER_BASE_ROOM = 600;
/** The most room the hidden marker line can need (ids, digest and the longest change list). */
export const MARKER_ROOM = MARKER_BASE_ROOM + MARKER_CHANGES_ROOM;
/** Up to this many resource changes, every resource's changes are shown open. */
export const SMALL_PLAN = 10;
/** Above this many resource changes, the comment starts with counts by type and every changing address. */
export const LARGE_PLAN = 30;
/** A resource whose changes fit in this many characters shows them in its summary line. */
const MAX_ENTRIES = 60;
const MAX_DIFF_LINES = 80;

/** Why a resource is destroyed or replaced, in words (markdown context). */
export function describeReason(change: ResourceChange, mask: Masker): string {
  const parts: string[] = [];
  if (change.actionReason) parts.push(escapeText(REASONS[change.actionReason] ?? change.actionReason));
  if (change.replacePaths.length > 0 && change.attributeChanges.every((attribute) => !attribute.forcesReplacement)) {
    parts.push(`${change.replacePaths.map((path) => inlineCode(mask(path))).join(", ")} forces replacement`);
  }
  return parts.length > 0 ? parts.join("; ") : "no reason given by terraform";
}

const countsLine = (model: PlanModel): string => `**Plan:** ${planCountsText(model)}${model.outputChanges.length > 0 ? ` (and ${model.outputChanges.length} output${model.outputChanges.length === 1 ? "" : "s"} changing)` : ""}`;

const symbolOf = (group: ChangeGroup): string => ACTION_ORDER.find((entry) => entry.action === group)!.symbol;

/** The notes after an address: moved, imported (id or identity), why it goes, in which order it is replaced. */
function notesOf(change: ResourceChange, mask: Masker): string[] {
  const notes: string[] = [];
  if (change.moved && change.previousAddress) notes.push(`moved from <code>${escapeHtml(mask(change.previousAddress))}</code>`);
  if (change.importing) {
    const identity = change.importing.identity
      ? Object.entries(change.importing.identity)
          .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
          .join(", ")
      : undefined;
    const what = [change.importing?.id ? `id <code>${escapeHtml(mask(change.importing.id))}</code>` : "", identity ? `identity <code>${escapeHtml(mask(identity))}</code>` : ""].filter(Boolean).join(", ");
    notes.push(what ? `imported: ${what}` : "imported");
  }
  const order = replacementOrder(change);
  if (order) notes.push(order.includes("downtime") ? `<b>${order}</b>` : order);
  if ((change.action === "delete" || change.action === "replace" || change.action === "forget") && change.actionReason) notes.push(escapeHtml(REASONS[change.actionReason] ?? change.actionReason));
  return notes;
}

const knownAfterApplyNote = (view: ResourceView): string | undefined =>
  view.knownAfterApply.length === 0 ? undefined : `<i>${view.knownAfterApply.length} known after apply</i>`;

interface ResourceBlockOptions {
  readonly symbol: string;
  readonly constructPath: string | undefined;
  readonly open: boolean;
  readonly mask: Masker;
  /** Other addresses with exactly the same changes (large plans). */
  readonly alike?: readonly string[];
  /** Said after the address, such as "deleted outside Terraform". */
  readonly note?: string;
}

/** One resource: a line with its changes inline when they are short, else a block with its changes listed. */
export function renderResourceView(view: ResourceView, options: ResourceBlockOptions): string {
  const { change } = view;
  const { mask } = options;
  const style = { added: change.action === "create" ? "assign" : "plus" } as const;
  const inline = fitsInline(view.entries);
  const alike = options.alike ?? [];
  const head = [
    `${options.symbol} <code>${escapeHtml(mask(change.address))}</code>${alike.length > 0 ? ` and ${alike.length} more alike` : ""}`,
    options.note,
    ...(inline ? view.entries.map((entry) => inlineEntry(entry, "html", style)) : []),
    ...notesOf(change, mask),
    !inline && view.entries.length > 0 ? changeCount(view.entries.length) : undefined,
    knownAfterApplyNote(view),
    options.constructPath ? `<i>${escapeHtml(mask(options.constructPath))}</i>` : undefined,
  ]
    .filter(Boolean)
    .join(" · ");
  const alikeLine = alike.length > 0 ? `- <i>the same for:</i> ${inlineCode(foldNumberRuns(alike).join(", "))}` : "";
  if (inline || view.entries.length === 0) {
    if (alike.length === 0) return `<p>${head}</p>`;
    return details(head, alikeLine);
  }
  const known = view.knownAfterApply.length > 0 ? `\n- <i>known after apply:</i> ${inlineCode(view.knownAfterApply.slice(0, 12).join(", ") + (view.knownAfterApply.length > 12 ? `, … ${view.knownAfterApply.length - 12} more` : ""))}` : "";
  const body = `${entriesMarkdown(view.entries, { ...style, maxEntries: MAX_ENTRIES, maxDiffLines: MAX_DIFF_LINES })}${known}${alikeLine ? `\n${alikeLine}` : ""}`;
  return details(head, body, options.open);
}

/** The CAUTION lines: one per destroyed or replaced resource; in a large plan, resources with the same line folded into one. */
function cautionRows(views: readonly ResourceView[], options: PlanRenderOptions, fold: boolean): string[] {
  const { mask } = options;
  const rows = views.map((view) => ({ view, tail: cautionTail(view, constructPathFor(options.constructPaths, view.change.address), mask) }));
  const verb = (view: ResourceView) => `**${view.change.action === "delete" ? "destroy" : "replace"}**`;
  if (!fold) return rows.map(({ view, tail }) => `> - ${verb(view)} ${inlineCode(mask(view.change.address))}${tail}`);
  const byTail = new Map<string, ResourceView[]>();
  for (const { view, tail } of rows) {
    const key = `${view.change.action}\u0000${tail}`;
    byTail.set(key, [...(byTail.get(key) ?? []), view]);
  }
  return [...byTail.entries()].map(([key, group]) => {
    const tail = key.slice(key.indexOf("\u0000") + 1);
    const names = group.length === 1 ? mask(group[0]!.change.address) : foldNumberRuns(group.map((view) => mask(view.change.address))).join(", ");
    return `> - ${verb(group[0]!)} ${group.length > 1 ? `${group.length}: ` : ""}${inlineCode(names)}${tail}`;
  });
}

/** What follows the address on a CAUTION line: in which order, forced by which value, why, where. */
function cautionTail(view: ResourceView, constructPath: string | undefined, mask: Masker): string {
  const { change } = view;
  const parts: string[] = [];
  const order = replacementOrder(change);
  if (order) parts.push(order.includes("downtime") ? `**${order}**` : order);
  const forcing = forcingEntries(view);
  if (forcing.length > 0) {
    const shown = forcing.slice(0, 2).map((entry) => inlineEntry({ ...entry, forcesReplacement: false }, "markdown"));
    parts.push(`${shown.join(", ")}${forcing.length > 2 ? ` and ${forcing.length - 2} more` : ""} ${forcing.length === 1 ? "forces" : "force"} it`);
  }
  const reason = describeReason(change, mask);
  if (forcing.length === 0 || change.actionReason !== "replace_because_cannot_update") parts.push(reason);
  if (constructPath) parts.push(`<i>${escapeText(mask(constructPath))}</i>`);
  return parts.map((part) => ` · ${part}`).join("");
}

/** Resources of one section, with resources whose changes are identical folded into one row (large plans). */
function resourceRows(views: readonly ResourceView[], options: PlanRenderOptions, symbol: string, open: boolean, foldAlike: boolean, noteOf: (change: ResourceChange) => string | undefined = () => undefined): string[] {
  const pathOf = (change: ResourceChange) => constructPathFor(options.constructPaths, change.address);
  if (!foldAlike) return views.map((view) => renderResourceView(view, { symbol, constructPath: pathOf(view.change), open, mask: options.mask, note: noteOf(view.change) }));
  const byKey = new Map<string, ResourceView[]>();
  for (const view of views) {
    const key = view.entries.length === 0 ? `\u0000${view.change.address}` : JSON.stringify([view.change.action, view.entries, view.knownAfterApply, notesOf(view.change, options.mask)]);
    const group = byKey.get(key) ?? [];
    group.push(view);
    byKey.set(key, group);
  }
  return [...byKey.values()].map(([first, ...rest]) =>
    renderResourceView(first!, { symbol, constructPath: rest.length === 0 ? pathOf(first!.change) : undefined, open, mask: options.mask, alike: rest.map((view) => options.mask(view.change.address)), note: noteOf(first!.change) }),
  );
}

function blocks(model: PlanModel, options: PlanRenderOptions): BudgetBlock[] {
  const { mask } = options;
  const result: BudgetBlock[] = [];
  const large = model.resourceChanges.length > LARGE_PLAN;
  const open = model.resourceChanges.length + model.drift.length <= SMALL_PLAN;
  result.push({ kind: "text", text: `### Terraform plan · ${codeSpan(mask(options.environment))}` });
  result.push({ kind: "text", text: model.hasChanges ? countsLine(model) : `${countsLine(model)}\n\n**No changes.** The infrastructure matches the configuration.` });
  if (model.errored) result.push({ kind: "text", text: "> [!WARNING]\n> Terraform reported errors while planning: this plan is incomplete." });

  const views = new Map(model.resourceChanges.map((change) => [change, viewOf(change, mask)]));
  const viewsOf = (group: ChangeGroup) => model.resourceChanges.filter((change) => groupOf(change) === group).map((change) => views.get(change)!);

  const destructive = model.resourceChanges.filter((change) => change.action === "delete" || change.action === "replace");
  if (destructive.length > 0) {
    const destroyed = destructive.filter((change) => change.action === "delete").length;
    result.push({
      kind: "section",
      header: `> [!CAUTION]\n> **This plan ${destructiveSummary(destroyed, destructive.length - destroyed)}:**`,
      rows: cautionRows(
        destructive.map((change) => views.get(change)!),
        options,
        large,
      ),
      noun: "destroyed or replaced resources",
      rowSeparator: "\n",
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

  if (large) {
    const order = ACTION_ORDER.map((entry) => entry.action);
    result.push({
      kind: "section",
      header: "#### Changes by resource type",
      rows: countsByType(model.resourceChanges).map(
        (type) => `- ${inlineCode(mask(type.label))}: ${order.filter((group) => type.counts.has(group)).map((group) => `${symbolOf(group)} ${type.counts.get(group)}`).join(" · ")}`,
      ),
      noun: "resource types",
      rowSeparator: "\n",
    });
    result.push({
      kind: "section",
      header: `#### Every address that changes (${model.resourceChanges.length})`,
      rows: addressGroups(model.resourceChanges, order, mask).map(
        (group) => `- ${symbolOf(group.group)} ${ACTION_ORDER.find((entry) => entry.action === group.group)!.verb} ${inlineCode(group.prefix.replace(/\.$/, ""))} (${group.count}): ${inlineCode(group.names.join(", "))}`,
      ),
      noun: "address groups",
      rowSeparator: "\n",
    });
  }

  const section = (group: ChangeGroup): void => {
    const entry = ACTION_ORDER.find((candidate) => candidate.action === group)!;
    const groupViews = viewsOf(group);
    if (groupViews.length === 0) return;
    // In a large plan, destroys are named in the CAUTION block and the address list; they have no values to show.
    if (large && (group === "delete" || group === "forget")) return;
    result.push({
      kind: "section",
      header: `#### ${entry.symbol} ${entry.title} (${groupViews.length})`,
      rows: resourceRows(groupViews, options, entry.symbol, open, large),
      noun: "resources",
    });
  };

  section("delete");
  section("replace");
  if (model.drift.length > 0) {
    result.push({
      kind: "section",
      header: `#### 🌪️ Changed outside Terraform (${model.drift.length})\n\nTerraform found these differences between the last known state and the real infrastructure; the plan accounts for them.`,
      rows: resourceRows(
        model.drift.map((change) => viewOf(change, mask)),
        options,
        "🌪️",
        open,
        large,
        (change) => (change.action === "delete" ? "<b>deleted outside Terraform</b>" : undefined),
      ),
      noun: "drifted resources",
    });
  }
  section("update");
  section("forget");
  section("import-move");
  if (model.outputChanges.length > 0) {
    const entries = maskedEntries(
      model.outputChanges.map((output) => ({ path: output.name, before: output.before, after: output.after })),
      mask,
      PLAN_DIFF_OPTIONS,
    );
    result.push({ kind: "section", header: `#### Outputs (${model.outputChanges.length})`, rows: entries.map((entry) => entriesMarkdown([entry], { maxDiffLines: MAX_DIFF_LINES })), noun: "outputs", rowSeparator: "\n" });
  }
  section("create");

  const footer = [
    `terraform ${escapeText(model.terraformVersion)}`,
    options.digest ? `plan digest <code>${escapeHtml(options.digest)}</code>` : "",
    options.runUrl ? `<a href="${escapeUrlAttribute(options.runUrl)}">workflow run</a>` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  result.push({ kind: "text", text: `<sub>${footer}</sub>`, keep: true });
  return result;
}

export function renderPlan(model: PlanModel, options: PlanRenderOptions): PlanRendering {
  const all = blocks(model, options);
  const markerRoom = options.markerLength ?? MARKER_ROOM;
  const comment = buildWithinBudget(all, { limit: COMMENT_LIMIT - markerRoom, fullOutputUrl: options.runUrl, separator: "\n\n" });
  const summary = buildWithinBudget(all, { limit: STEP_SUMMARY_LIMIT - 4096, measure: measureBytes, fullOutputUrl: options.runUrl, separator: "\n\n" });
  return { comment: comment.text, summary: summary.text, omittedFromComment: comment.omitted };
}

/** Shown values are escaped for raw HTML; exported for the tests that check the inline form. */
export const htmlValue = (text: string): string => codeValue(text, "html");

// eslint-disable-next-line no-control-regex -- terraform's colour codes, in case -no-color was not honoured
const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, "");

/** The comment for a terraform failure: which command, its exit code, its `Error:` lines, then its (masked) output. */
const MAX_CAUTION_ERRORS = 10;
const MAX_CAUTION_LINE = 300;
/** The CAUTION block's share of a comment; errors past it are counted, not shown. */
const CAUTION_ROOM = 16_000;

/**
 * terraform's `Error:` blocks as items of a CAUTION block, text that wraps (a code block would hide
 * them off the right edge): at most 10 and 16,000 characters, each line cut at 300 characters, so
 * the block stays a fraction of a comment (the whole output is below it and in the run).
 */
export function errorCautionItems(errors: readonly ApplyError[], moreWhere: string): string[] {
  const line = (text: string): string => escapeText(shorten(text.trim(), MAX_CAUTION_LINE));
  const items: string[] = [];
  let used = 0;
  for (const error of errors.slice(0, MAX_CAUTION_ERRORS)) {
    const room = CAUTION_ROOM - used;
    let item = `> - **Error: ${line(error.summary)}**`;
    if (items.length > 0 && item.length > room) break;
    for (const detail of error.details.filter((text) => text !== "")) {
      const next = `<br>${line(detail)}`;
      if (item.length + next.length > room) {
        item += "<br>…";
        break;
      }
      item += next;
    }
    items.push(item);
    used += item.length;
  }
  if (errors.length > items.length) items.push(`> - … ${errors.length - items.length} more errors ${moreWhere}`);
  return items;
}

export function renderPlanError(options: { environment: string; step: string; exitCode: number; output: string; mask: Masker; runUrl?: string }): string {
  const output = options.mask(stripAnsi(options.output)).trim() || "(no output)";
  // The errors first, as text that wraps; the output (where they also are) in a code block below.
  const { errors } = parseTerraformOutput(output);
  const caution = errors.length === 0 ? "" : `> [!CAUTION]\n${errorCautionItems(errors, "below").join("\n")}`;
  // Terraform's errors come last: keep the end when the output is long, in the room the rest leaves.
  const limit = COMMENT_LIMIT - MARKER_ROOM - 2000 - caution.length;
  const tail = output.length > limit ? `… (${output.length - limit} earlier characters not shown, full output in the run)\n${output.slice(-limit)}` : output;
  return [
    `### ❌ Terraform plan failed · ${codeSpan(options.mask(options.environment))}`,
    `\`${options.step}\` exited with code ${options.exitCode}. Nothing was planned; fix the error below and push again.`,
    caution,
    codeBlock(tail, "text"),
    options.runUrl ? `<sub><a href="${escapeUrlAttribute(options.runUrl)}">workflow run</a></sub>` : "",
  ]
    .filter(Boolean)
    .join("\n\n");
}
