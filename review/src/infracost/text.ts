// The cost estimate for a terminal: the same report as the comment, every
// resource listed, amounts first and right-aligned: what changes the cost
// (added, changed, removed, with the cost component that moves most), then
// what does not.
import { columns, oneLine, printable, type TextStyle } from "../text";
import { Decimal } from "./decimal";
import { changeAmount, changedResources, componentText, costMovement, costOrder, formatMoney, formatPercent, headline } from "./markdown";
import type { CostReport, ResourceCost } from "./report";

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;

export function renderCostText(report: CostReport, options: { readonly environment: string; readonly usageFile?: string; readonly style: TextStyle }): string {
  const { style } = options;
  const currency = report.currency;
  const multiProject = report.projects.length > 1;
  const label = (resource: ResourceCost): string => oneLine(resource.address) + (multiProject ? style.dim(` (${oneLine(resource.project)})`) : "");
  const lines: string[] = [style.bold(`Cost estimate · ${oneLine(options.environment)}`), headline(report, style.bold)];

  const failed = report.projects.filter((project) => project.errors.length > 0);
  if (failed.length > 0) {
    lines.push("", style.red(`! infracost could not estimate ${plural(failed.length, "project")}; the totals leave ${failed.length === 1 ? "it" : "them"} out:`));
    for (const project of failed) for (const error of project.errors) lines.push(`  - ${oneLine(project.label)}: ${oneLine(error.message)}${error.code === undefined ? "" : ` (code ${error.code})`}`);
  }
  const warnings = report.projects.flatMap((project) => project.warnings.map((warning) => `  - ${oneLine(project.label)}: ${oneLine(warning.message)}`));
  if (warnings.length > 0) lines.push("", style.yellow("! infracost warnings:"), ...warnings);

  if (multiProject) {
    lines.push("", style.bold("Projects"));
    const rows = report.projects.map((project) => {
      if (project.failed) return ["n/a", oneLine(project.label) + style.red(" (could not be estimated)"), project.path ? style.dim(oneLine(project.path)) : ""];
      const percent = formatPercent(project.monthlyDelta, project.pastMonthlyCost);
      return [
        `${formatMoney(project.monthlyDelta, currency, { signed: true })}${percent ? ` (${percent})` : ""}`,
        `${oneLine(project.label)}  ${formatMoney(project.pastMonthlyCost, currency)} → ${formatMoney(project.monthlyCost, currency)}`,
        project.path && project.path !== project.label ? style.dim(oneLine(project.path)) : "",
      ];
    });
    lines.push(...columns(rows, { indent: "  ", align: ["right", "left", "left"] }));
  }

  const changed = changedResources(report);
  if (changed.length > 0) {
    lines.push("", style.bold(`What changes the cost (${changed.length})`));
    const marks = { added: style.green("+ added"), changed: style.yellow("~ changed"), removed: style.red("- removed"), unchanged: "" };
    const rows = changed.map((resource) => [
      changeAmount(resource, currency),
      `${marks[resource.change]} ${label(resource)}`,
      [costMovement(resource, currency), componentText(resource.topComponent, currency)].filter(Boolean).map((text) => printable(text!)).join(" · "),
    ]);
    lines.push(...columns(rows, { indent: "  ", align: ["right", "left", "left"] }));
  }

  const unchanged = [...report.resources.filter((resource) => resource.change === "unchanged")].sort(costOrder);
  if (unchanged.length > 0) {
    lines.push("", style.bold(`Unchanged resources by monthly cost (${unchanged.length})`));
    const rows = unchanged.map((resource) => [resource.monthlyCost === null ? "n/a (usage-based)" : formatMoney(resource.monthlyCost, currency), label(resource)]);
    lines.push(...columns(rows, { indent: "  ", align: ["right", "left"] }));
    const total = unchanged.reduce<Decimal>((sum, resource) => sum.plus(resource.monthlyCost ?? Decimal.ZERO), Decimal.ZERO);
    lines.push(style.dim(`  ${plural(unchanged.length, "resource")}, ${formatMoney(total, currency)} per month together.`));
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
