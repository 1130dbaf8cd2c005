// The plan for a terminal: the same model as the comment, as readable text.
// Counts first, then what is destroyed or replaced and why, then every change
// grouped by action with its construct path and each changed attribute as
// `before → after`. Sensitive values are already redacted in the model;
// given strings are masked; nothing from the plan can drive the terminal.
import type { Masker } from "../mask";
import { oneLine, printable, shorten, type TextStyle } from "../text";
import { KNOWN_AFTER_APPLY, constructPathFor, type AttributeChange, type PlanModel, type ResourceChange } from "./plan-model";
import { ACTION_ORDER, KEEPS_REPLACED_OBJECT, REASONS, countsText, groupOf, importNote, type ChangeGroup } from "./vocabulary";

export interface PlanTextOptions {
  readonly environment: string;
  readonly constructPaths: ReadonlyMap<string, string>;
  readonly mask: Masker;
  readonly digest?: string;
  readonly style: TextStyle;
}

const MAX_VALUE_LENGTH = 200;
const MAX_ATTRIBUTES = 60;

/** Terraform's own markers: `+` create, `~` update, `-/+` replace, `-` destroy. */
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

const value = (text: string, options: PlanTextOptions): string => {
  if (text === "(sensitive)" || text === KNOWN_AFTER_APPLY) return options.style.dim(text);
  return oneLine(shorten(options.mask(text), MAX_VALUE_LENGTH));
};

function attributeLine(change: AttributeChange, options: PlanTextOptions): string {
  const path = oneLine(options.mask(change.path));
  const forces = change.forcesReplacement ? `  ${options.style.red("# forces replacement")}` : "";
  if (change.before === undefined) return `${options.style.green("+")} ${path} = ${value(change.after ?? "null", options)}${forces}`;
  if (change.after === undefined) return `${options.style.red("-")} ${path} = ${value(change.before, options)}${forces}`;
  return `${options.style.yellow("~")} ${path}: ${value(change.before, options)} → ${value(change.after, options)}${forces}`;
}

function resourceLines(change: ResourceChange, options: PlanTextOptions, group: ChangeGroup): string[] {
  const { style, mask } = options;
  const { mark, colour } = MARKS[group];
  const constructPath = constructPathFor(options.constructPaths, change.address);
  const notes: string[] = [];
  if (change.moved && change.previousAddress) notes.push(`moved from ${oneLine(mask(change.previousAddress))}`);
  if (change.importing) notes.push(importNote(change.importing, (text) => oneLine(mask(text))));
  if (change.keepsReplacedObject) notes.push(KEEPS_REPLACED_OBJECT);
  if ((change.action === "delete" || change.action === "replace" || change.action === "forget") && change.actionReason) {
    notes.push(printable(REASONS[change.actionReason] ?? change.actionReason));
  }
  const heading = [
    `  ${style[colour](mark)} ${style.bold(oneLine(mask(change.address)))}`,
    constructPath ? style.dim(oneLine(mask(constructPath))) : undefined,
    ...notes,
  ]
    .filter(Boolean)
    .join("  ");
  const attributes = change.attributeChanges.slice(0, MAX_ATTRIBUTES).map((attribute) => `      ${attributeLine(attribute, options)}`);
  if (change.attributeChanges.length > MAX_ATTRIBUTES) attributes.push(`      ${style.dim(`… ${change.attributeChanges.length - MAX_ATTRIBUTES} more attributes`)}`);
  return [heading, ...attributes];
}

function reasonOf(change: ResourceChange, mask: Masker): string {
  const parts: string[] = [];
  if (change.actionReason) parts.push(printable(REASONS[change.actionReason] ?? change.actionReason));
  if (change.replacePaths.length > 0) parts.push(`${change.replacePaths.map((path) => oneLine(mask(path))).join(", ")} forces replacement`);
  return parts.length > 0 ? parts.join("; ") : "no reason given by terraform";
}

export function renderPlanText(model: PlanModel, options: PlanTextOptions): string {
  const { style, mask } = options;
  const lines: string[] = [style.bold(`Terraform plan · ${oneLine(mask(options.environment))}`), `Plan: ${countsText(model)}`];
  if (!model.hasChanges) lines.push("", style.green("No changes. The infrastructure matches the configuration."));
  if (model.errored) lines.push("", style.yellow("! Terraform reported errors while planning: this plan is incomplete."));

  const destructive = model.resourceChanges.filter((change) => change.action === "delete" || change.action === "replace");
  if (destructive.length > 0) {
    const destroyed = destructive.filter((change) => change.action === "delete").length;
    const replaced = destructive.length - destroyed;
    const what = [destroyed > 0 ? `destroys ${destroyed}` : "", replaced > 0 ? `replaces ${replaced}` : ""].filter(Boolean).join(" and ");
    lines.push("", style.red(style.bold(`! This plan ${what} resource${destructive.length === 1 ? "" : "s"}:`)));
    for (const change of destructive) {
      const constructPath = constructPathFor(options.constructPaths, change.address);
      const where = constructPath ? ` (${oneLine(mask(constructPath))})` : "";
      const kept = change.keepsReplacedObject ? ` (${KEEPS_REPLACED_OBJECT})` : "";
      lines.push(`  - ${style.red(change.action === "delete" ? "destroy" : "replace")} ${oneLine(mask(change.address))}${where}: ${reasonOf(change, mask)}${kept}`);
    }
  }

  for (const group of ACTION_ORDER) {
    const changes = model.resourceChanges.filter((change) => groupOf(change) === group.action);
    if (changes.length === 0) continue;
    lines.push("", style.bold(`${group.title} (${changes.length})`));
    for (const change of changes) lines.push(...resourceLines(change, options, group.action));
  }

  if (model.actionInvocations.length > 0) {
    lines.push("", style.bold(`Actions to invoke (${model.actionInvocations.length})`), style.dim("  Applying this plan runs these provider actions, whether or not a resource changes."));
    for (const invocation of model.actionInvocations) lines.push(`  ${style.cyan("!")} ${style.bold(oneLine(mask(invocation.address)))}  ${oneLine(mask(invocation.trigger))}`);
  }

  if (model.drift.length > 0) {
    lines.push("", style.bold(`Changed outside Terraform (${model.drift.length})`), style.dim("  Differences between the last known state and the real infrastructure; the plan above accounts for them."));
    for (const change of model.drift) lines.push(...resourceLines(change, options, groupOf(change)));
  }

  if (model.outputChanges.length > 0) {
    lines.push("", style.bold(`Outputs (${model.outputChanges.length})`));
    for (const output of model.outputChanges) {
      const before = output.before === undefined ? "" : `${value(output.before, options)} → `;
      lines.push(`  ${oneLine(mask(output.name))} (${output.action}): ${before}${output.after === undefined ? style.dim("(removed)") : value(output.after, options)}`);
    }
  }

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
