// The cost estimate for a terminal: the same report as the comment, every
// resource listed, amounts right-aligned.
import { columns, oneLine, printable, type TextStyle } from "../text";
import { Decimal } from "./decimal";
import { changeOrder, costOrder, formatMoney, formatPercent, headline } from "./markdown";
import type { CostReport, ResourceCost } from "./report";

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;

const changeText = (resource: ResourceCost, currency: string): string => {
  if (resource.removed) return `${formatMoney(resource.monthlyDelta ?? null, currency, { signed: true })} (removed)`;
  if (resource.monthlyDelta === undefined) return "";
  return formatMoney(resource.monthlyDelta, currency, { signed: true });
};

export function renderCostText(report: CostReport, options: { readonly environment: string; readonly usageFile?: string; readonly style: TextStyle }): string {
  const { style } = options;
  const currency = report.currency;
  const multiProject = report.projects.length > 1;
  const label = (resource: ResourceCost): string => oneLine(resource.address) + (multiProject ? style.dim(` (${oneLine(resource.project)})`) : "");
  const lines: string[] = [style.bold(`Cost estimate · ${oneLine(options.environment)}`), headline(report, style.bold)];

  const failed = report.projects.filter((project) => project.errors.length > 0);
  if (failed.length > 0) {
    lines.push("", style.red(`! infracost could not estimate ${plural(failed.length, "project")}; the totals leave ${failed.length === 1 ? "it" : "them"} out:`));
    for (const project of failed) for (const error of project.errors) lines.push(`  - ${oneLine(project.name)}: ${oneLine(error.message)}${error.code === undefined ? "" : ` (code ${error.code})`}`);
  }
  const warnings = report.projects.flatMap((project) => project.warnings.map((warning) => `  - ${oneLine(project.name)}: ${oneLine(warning.message)}`));
  if (warnings.length > 0) lines.push("", style.yellow("! infracost warnings:"), ...warnings);

  if (multiProject) {
    lines.push("", style.bold("Projects"));
    const rows = report.projects.map((project) => {
      const percent = formatPercent(project.monthlyDelta, project.pastMonthlyCost);
      return [
        oneLine(project.name) + (project.errors.length > 0 ? style.red(" (error)") : ""),
        formatMoney(project.pastMonthlyCost, currency),
        formatMoney(project.monthlyCost, currency),
        `${formatMoney(project.monthlyDelta, currency, { signed: true })}${percent ? ` (${percent})` : ""}`,
      ];
    });
    lines.push(...columns([["project", "previous", "new", "change"].map(style.dim), ...rows], { indent: "  ", align: ["left", "right", "right", "right"] }));
  }

  const priced = [...report.resources.filter((resource) => !resource.removed)].sort(costOrder);
  if (priced.length > 0) {
    lines.push("", style.bold("Resources by monthly cost"));
    const rows = priced.map((resource) => [label(resource), resource.monthlyCost === null ? "n/a (usage-based)" : formatMoney(resource.monthlyCost, currency), changeText(resource, currency)]);
    lines.push(...columns([["resource", "monthly", "change"].map(style.dim), ...rows], { indent: "  ", align: ["left", "right", "right"] }));
    const total = priced.reduce<Decimal>((sum, resource) => sum.plus(resource.monthlyCost ?? Decimal.ZERO), Decimal.ZERO);
    lines.push(style.dim(`  ${plural(priced.length, "resource")}, ${formatMoney(total, currency)} per month together.`));
  }

  const changed = [...report.resources.filter((resource) => resource.removed || (resource.monthlyDelta != null && !resource.monthlyDelta.round(2).isZero()))].sort(changeOrder);
  if (changed.length > 0) {
    lines.push("", style.bold("Changes"));
    const rows = changed.map((resource) => [label(resource), changeText(resource, currency), formatMoney(resource.monthlyCost, currency)]);
    lines.push(...columns([["resource", "change", "monthly after"].map(style.dim), ...rows], { indent: "  ", align: ["left", "right", "right"] }));
  }

  const summary = report.summary;
  const notes: string[] = [];
  const types = (counts: ReadonlyArray<readonly [string, number]>): string => counts.map(([type, count]) => `${oneLine(type)} ×${count}`).join(", ");
  if (summary.detected !== undefined) notes.push(`${plural(summary.detected, "resource")} detected, ${summary.supported ?? 0} priced.`);
  if ((summary.noPrice ?? 0) > 0 || summary.noPriceCounts.length > 0) {
    notes.push(`${summary.noPrice ?? summary.noPriceCounts.reduce((total, [, count]) => total + count, 0)} have no price (free): ${types(summary.noPriceCounts)}.`);
  }
  if ((summary.unsupported ?? 0) > 0 || summary.unsupportedCounts.length > 0) {
    notes.push(
      style.yellow(`${summary.unsupported ?? summary.unsupportedCounts.reduce((total, [, count]) => total + count, 0)} are not supported by infracost, so their cost is not counted: ${types(summary.unsupportedCounts)}.`),
    );
  }
  if ((summary.usageBased ?? 0) > 0) notes.push(`${summary.usageBased} have usage-based costs, estimated from ${options.usageFile ? oneLine(options.usageFile) : "infracost's defaults (no usage file)"}.`);
  if (notes.length > 0) lines.push("", ...notes.map((note) => style.dim(note)));
  return lines.join("\n");
}

/** infracost itself failed: its message and its whole (masked) output. */
export function renderCostErrorText(environment: string, message: string, output: string, style: TextStyle): string {
  return [style.red(style.bold(`Cost estimate failed · ${oneLine(environment)}`)), printable(message), "", printable(output.trim() || "(no output)")].join("\n");
}

export const renderCostSkippedText = (environment: string, reason: string, style: TextStyle): string =>
  `${style.bold(`Cost estimate · ${oneLine(environment)}`)}\nSkipped: ${printable(reason)}.`;
