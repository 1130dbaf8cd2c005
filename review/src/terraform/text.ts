// The plan for a terminal: the same model as the comment, as readable text.
// Counts first, then what is destroyed or replaced and why, then every change
// grouped by action with its construct path and each changed attribute as
// `before → after`. Sensitive values are already redacted in the model;
// given strings are masked; nothing from the plan can drive the terminal.
import type { Masker } from "../mask";
import { oneLine, printable, type TextStyle } from "../text";
import { entriesText, maskedEntries } from "../value-diff-render";
import { constructPathFor, type PlanModel, type ResourceChange } from "./plan-model";
import { PLAN_DIFF_OPTIONS, forcingEntries, viewOf } from "./presentation";
import { ACTION_ORDER, REASONS, destructiveSummary, groupOf, planCountsText, replacementOrder, type ChangeGroup } from "./vocabulary";

export interface PlanTextOptions {
  readonly environment: string;
  readonly constructPaths: ReadonlyMap<string, string>;
  readonly mask: Masker;
  readonly digest?: string;
  readonly style: TextStyle;
}

const MAX_ENTRIES = 60;

/** Terraform's own markers: `+` create, `~` update, `-/+` replace (`+/-` create first), `-` destroy. */
const MARKS: Readonly<Record<ChangeGroup, { readonly mark: string; readonly colour: keyof TextStyle }>> = {
  delete: { mark: "-", colour: "red" },
  replace: { mark: "-/+", colour: "magenta" },
  update: { mark: "~", colour: "yellow" },
  create: { mark: "+", colour: "green" },
  forget: { mark: ".", colour: "dim" },
  "import-move": { mark: ">", colour: "cyan" },
  "no-op": { mark: " ", colour: "dim" },
  read: { mark: "<=", colour: "cyan" },
};

function resourceLines(change: ResourceChange, options: PlanTextOptions, group: ChangeGroup): string[] {
  const { style, mask } = options;
  const { mark, colour } = MARKS[group];
  const view = viewOf(change, mask);
  const constructPath = constructPathFor(options.constructPaths, change.address);
  const notes: string[] = [];
  if (change.moved && change.previousAddress) notes.push(`moved from ${oneLine(mask(change.previousAddress))}`);
  if (change.importing) {
    const identity = change.importing.identity ? Object.entries(change.importing.identity).map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`).join(", ") : "";
    const what = [change.importing?.id ? `id ${change.importing.id}` : "", identity ? `identity ${identity}` : ""].filter(Boolean).join(", ");
    notes.push(oneLine(mask(what ? `imported: ${what}` : "imported")));
  }
  const order = replacementOrder(change);
  if (order) notes.push(order.includes("downtime") ? style.red(order) : order);
  if ((change.action === "delete" || change.action === "replace" || change.action === "forget") && change.actionReason) {
    notes.push(printable(REASONS[change.actionReason] ?? change.actionReason));
  }
  if (view.knownAfterApply.length > 0) notes.push(style.dim(`${view.knownAfterApply.length} known after apply: ${oneLine(view.knownAfterApply.join(", "))}`));
  const heading = [`  ${style[colour](group === "replace" && change.rawActions[0] === "create" ? "+/-" : mark)} ${style.bold(oneLine(mask(change.address)))}`, constructPath ? style.dim(oneLine(mask(constructPath))) : undefined, ...notes]
    .filter(Boolean)
    .join("  ");
  const attributes = entriesText(view.entries.slice(0, MAX_ENTRIES), style, { indent: "      " });
  if (view.entries.length > MAX_ENTRIES) attributes.push(`      ${style.dim(`… ${view.entries.length - MAX_ENTRIES} more changed values`)}`);
  return [heading, ...attributes];
}

function cautionLine(change: ResourceChange, options: PlanTextOptions): string {
  const { style, mask } = options;
  const constructPath = constructPathFor(options.constructPaths, change.address);
  const parts = [`  - ${style.red(change.action === "delete" ? "destroy" : "replace")} ${oneLine(mask(change.address))}${constructPath ? ` (${oneLine(mask(constructPath))})` : ""}`];
  const order = replacementOrder(change);
  if (order) parts.push(order);
  const forcing = forcingEntries(viewOf(change, mask));
  if (forcing.length > 0) parts.push(`${entriesText(forcing.slice(0, 2).map((entry) => ({ ...entry, forcesReplacement: false })), style).map((line) => line.replace(/^\S+ /, "")).join(", ")} ${forcing.length === 1 ? "forces" : "force"} it`);
  const reasons: string[] = [];
  if (change.actionReason && (forcing.length === 0 || change.actionReason !== "replace_because_cannot_update")) reasons.push(printable(REASONS[change.actionReason] ?? change.actionReason));
  if (change.replacePaths.length > 0 && forcing.length === 0) reasons.push(`${change.replacePaths.map((path) => oneLine(mask(path))).join(", ")} forces replacement`);
  if (reasons.length === 0 && forcing.length === 0) reasons.push("no reason given by terraform");
  return [...parts, ...reasons].join("; ");
}

export function renderPlanText(model: PlanModel, options: PlanTextOptions): string {
  const { style, mask } = options;
  const lines: string[] = [style.bold(`Terraform plan · ${oneLine(mask(options.environment))}`), `Plan: ${planCountsText(model)}${model.outputChanges.length > 0 ? ` (and ${model.outputChanges.length} output${model.outputChanges.length === 1 ? "" : "s"} changing)` : ""}`];
  if (!model.hasChanges) lines.push("", style.green("No changes. The infrastructure matches the configuration."));
  if (model.errored) lines.push("", style.yellow("! Terraform reported errors while planning: this plan is incomplete."));

  const destructive = model.resourceChanges.filter((change) => change.action === "delete" || change.action === "replace");
  if (destructive.length > 0) {
    const destroyed = destructive.filter((change) => change.action === "delete").length;
    lines.push("", style.red(style.bold(`! This plan ${destructiveSummary(destroyed, destructive.length - destroyed)}:`)));
    for (const change of destructive) lines.push(cautionLine(change, options));
  }

  const section = (group: ChangeGroup): void => {
    const entry = ACTION_ORDER.find((candidate) => candidate.action === group)!;
    const changes = model.resourceChanges.filter((change) => groupOf(change) === group);
    if (changes.length === 0) return;
    lines.push("", style.bold(`${entry.title} (${changes.length})`));
    for (const change of changes) lines.push(...resourceLines(change, options, group));
  };
  section("delete");
  section("replace");
  if (model.actionInvocations.length > 0) {
    lines.push("", style.bold(`Actions to invoke (${model.actionInvocations.length})`), style.dim("  Applying this plan runs these provider actions, whether or not a resource changes."));
    for (const invocation of model.actionInvocations) lines.push(`  ${style.red("!")} ${style.bold(oneLine(mask(invocation.address)))}  ${oneLine(mask(invocation.trigger))}`);
  }
  if (model.drift.length > 0) {
    lines.push("", style.bold(`Changed outside Terraform (${model.drift.length})`), style.dim("  Differences between the last known state and the real infrastructure; the plan accounts for them."));
    for (const change of model.drift) lines.push(...resourceLines(change, options, groupOf(change)));
  }
  section("update");
  section("forget");
  section("import-move");
  if (model.outputChanges.length > 0) {
    lines.push("", style.bold(`Outputs (${model.outputChanges.length})`));
    lines.push(...entriesText(maskedEntries(model.outputChanges.map((output) => ({ path: output.name, before: output.before, after: output.after })), mask, PLAN_DIFF_OPTIONS), style, { indent: "  " }));
  }
  section("create");

  lines.push("", style.dim([`terraform ${printable(model.terraformVersion)}`, options.digest ? `plan digest ${options.digest}` : ""].filter(Boolean).join(" · ")));
  return lines.join("\n");
}

// eslint-disable-next-line no-control-regex -- terraform's colour codes, in case -no-color was not honoured
const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, "");

/** A terraform failure for a terminal: which command, its exit code and its (masked) output, all of it. */
export function renderPlanErrorText(options: { environment: string; step: string; exitCode: number; output: string; mask: Masker; style: TextStyle }): string {
  const output = printable(options.mask(stripAnsi(options.output)).trim() || "(no output)");
  return [
    options.style.red(options.style.bold(`Terraform plan failed · ${oneLine(options.mask(options.environment))}`)),
    `${options.step} exited with code ${options.exitCode}. Nothing was planned:`,
    "",
    output
      .split("\n")
      .map((line) => `  ${line}`)
      .join("\n"),
  ].join("\n");
}
