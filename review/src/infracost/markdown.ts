import { COMMENT_LIMIT, STEP_SUMMARY_LIMIT, buildWithinBudget, codeBlock, codeSpan, escapeHtml, escapeText, measureBytes, type BudgetBlock } from "../markdown";
import { Decimal } from "./decimal";
import type { ComponentChange, CostChange, CostReport, ResourceCost } from "./report";

export interface CostRenderOptions {
  readonly environment: string;
  /** Character (comment) or byte (summary) budget for the whole text. */
  readonly limit: number;
  readonly measure?: (text: string) => number;
  /** Rows in "top resources"; the step summary passes Infinity. */
  readonly topResources?: number;
  /** Link to the workflow run, named when something is cut. */
  readonly runUrl?: string;
  /** The usage file the estimate used, if any. */
  readonly usageFile?: string;
}

/** Formats a cost in the report's currency, exact to the cent: `$1,303.28`; `n/a` for null. */
export function formatMoney(value: Decimal | null, currency: string, options: { signed?: boolean } = {}): string {
  if (value === null) return "n/a";
  const cents = value.toFixed(2);
  let formatter: Intl.NumberFormat;
  try {
    formatter = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
      signDisplay: options.signed ? "exceptZero" : "auto",
    });
  } catch {
    const sign = options.signed && !value.round(2).isZero() && !value.isNegative() ? "+" : "";
    return `${sign}${cents} ${currency}`;
  }
  // A decimal string keeps every digit (a number would round past 2^53).
  return formatter.format(cents as unknown as number);
}

/** `+100%`, `-4.5%`; undefined when the previous cost is zero or unknown. */
export function formatPercent(delta: Decimal | null, previous: Decimal | null): string | undefined {
  if (delta === null || previous === null) return undefined;
  const percent = delta.percentOf(previous, 1);
  if (percent === undefined) return undefined;
  const text = percent.toString();
  return percent.isNegative() || percent.isZero() ? `${text}%` : `+${text}%`;
}

const markdownStrong = (text: string): string => `**${text}**`;

/** One sentence: the new monthly total and how it moves against the prior state; `strong` marks the amounts (markdown bold by default). */
export function headline(report: CostReport, strong: (text: string) => string = markdownStrong): string {
  const atLeast = report.lowerBoundReasons.length > 0 && report.monthlyCost !== null ? "at least " : "";
  const total = `${atLeast}${formatMoney(report.monthlyCost, report.currency)}`;
  if (report.monthlyCost === null) return strong("The monthly cost could not be estimated.");
  const past = report.pastMonthlyCost;
  const delta = report.monthlyDelta;
  const lowerBound = atLeast ? ` Only a lower bound: ${report.lowerBoundReasons.join("; ")}.` : "";
  if (delta === null) return `${strong(`${total} per month.`)} (No prior state to compare with.)${lowerBound}`;
  if (delta.round(2).isZero()) return `${strong(`${total} per month`)}, no change from the current ${formatMoney(past, report.currency)}.${lowerBound}`;
  const direction = delta.isNegative() ? "down" : "up";
  const percent = formatPercent(delta, past);
  const change = `${formatMoney(delta, report.currency, { signed: true })}${percent ? ` (${percent})` : ""}`;
  const from = past === null || past.isZero() ? "from nothing today" : `from ${formatMoney(past, report.currency)}`;
  return `${strong(`${total} per month`)}, ${direction} ${strong(change)} ${from}.${lowerBound}`;
}

export const costOrder = (a: ResourceCost, b: ResourceCost): number => {
  if (a.monthlyCost === null || b.monthlyCost === null) return a.monthlyCost === null ? (b.monthlyCost === null ? 0 : 1) : -1;
  return b.monthlyCost.compare(a.monthlyCost) || a.address.localeCompare(b.address);
};

const changeOrder = (a: ResourceCost, b: ResourceCost): number => {
  const magnitude = (resource: ResourceCost) => resource.monthlyDelta?.abs() ?? Decimal.ZERO;
  return magnitude(b).compare(magnitude(a)) || a.address.localeCompare(b.address);
};

const CHANGE_MARKS: Readonly<Record<CostChange, string>> = { added: "➕ added", changed: "✏️ changed", removed: "🗑️ removed", unchanged: "" };

/** `Instance usage (Linux/UNIX, on-demand, t2.micro → t2.medium) +$25.40`: why a resource's cost moves. */
export function componentText(component: ComponentChange | undefined, currency: string): string | undefined {
  if (!component) return undefined;
  const amount = component.delta === null ? "usage-based" : formatMoney(component.delta, currency, { signed: true });
  return `${component.name} ${amount}`;
}

/** The amount a changed resource adds or saves, first on its line. */
export const changeAmount = (resource: ResourceCost, currency: string): string =>
  resource.monthlyDelta == null && resource.monthlyCost === null ? "n/a (usage-based)" : formatMoney(resource.monthlyDelta ?? null, currency, { signed: true });

/** Its monthly cost before → after, or what it cost when it goes. */
export function costMovement(resource: ResourceCost, currency: string): string | undefined {
  if (resource.change === "removed") return resource.pastMonthlyCost === undefined ? undefined : `was ${formatMoney(resource.pastMonthlyCost, currency)}`;
  if (resource.change === "changed" && resource.pastMonthlyCost !== undefined) return `${formatMoney(resource.pastMonthlyCost, currency)} → ${formatMoney(resource.monthlyCost, currency)}`;
  return undefined;
}

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;

const typeCounts = (counts: ReadonlyArray<readonly [string, number]>): string =>
  counts.map(([type, count]) => `${codeSpan(type)} ×${count}`).join(", ");

/** The resources whose cost changes, largest change first. */
export const changedResources = (report: CostReport): ResourceCost[] => [...report.resources.filter((resource) => resource.change !== "unchanged")].sort(changeOrder);

/** The cost comment (or, with a byte budget and no top-N, the step summary). */
export function renderCostComment(report: CostReport, options: CostRenderOptions): string {
  const currency = report.currency;
  const multiProject = report.projects.length > 1;
  const blocks: BudgetBlock[] = [];
  // Blocks are joined by one newline; text blocks stand between blank lines so a list or quote before them ends.
  const text = (value: string) => blocks.push({ kind: "text", text: `\n${value}\n` });
  const project = (resource: ResourceCost) => (multiProject ? ` · <sub>${escapeText(resource.project)}</sub>` : "");

  text(`### 💰 Cost estimate · ${codeSpan(options.environment)}`);
  text(headline(report));

  const failed = report.projects.filter((candidate) => candidate.errors.length > 0);
  if (failed.length > 0) {
    const lines = failed.flatMap((candidate) =>
      candidate.errors.map((error) => `> - ${codeSpan(candidate.label)}: ${escapeText(error.message)}${error.code === undefined ? "" : ` (code ${error.code})`}`),
    );
    text(
      `> [!CAUTION]\n> **infracost could not estimate ${failed.length === 1 ? "1 project" : `${failed.length} projects`}; ` +
        `the totals leave ${failed.length === 1 ? "it" : "them"} out, so they are only a lower bound.**\n${lines.join("\n")}`,
    );
  }
  const warnings = report.projects.flatMap((candidate) => candidate.warnings.map((warning) => `> - ${codeSpan(candidate.label)}: ${escapeText(warning.message)}`));
  if (warnings.length > 0) text(`> [!WARNING]\n${warnings.join("\n")}`);

  if (multiProject) {
    blocks.push({
      kind: "section",
      header: "\n#### Projects\n",
      rows: report.projects.map((candidate) => {
        if (candidate.failed) return `- **n/a** ${codeSpan(candidate.label)} · ⚠️ could not be estimated${candidate.path && candidate.path !== candidate.label ? ` · <sub>${escapeText(candidate.path)}</sub>` : ""}`;
        const percent = formatPercent(candidate.monthlyDelta, candidate.pastMonthlyCost);
        const amount = `**${formatMoney(candidate.monthlyDelta, currency, { signed: true })}${percent ? ` (${percent})` : ""}**`;
        return `- ${amount} ${codeSpan(candidate.label)} · ${formatMoney(candidate.pastMonthlyCost, currency)} → ${formatMoney(candidate.monthlyCost, currency)}${candidate.path && candidate.path !== candidate.label ? ` · <sub>${escapeText(candidate.path)}</sub>` : ""}`;
      }),
      noun: "projects",
    });
  }

  const top = options.topResources ?? 10;
  const changed = changedResources(report);
  if (changed.length > 0) {
    const shown = changed.slice(0, Number.isFinite(top) ? top + 5 : changed.length);
    const rest = changed.slice(shown.length);
    const restTotal = rest.reduce<Decimal>((total, resource) => total.plus(resource.monthlyDelta ?? Decimal.ZERO), Decimal.ZERO);
    blocks.push({
      kind: "section",
      header: `\n#### What changes the cost (${changed.length})\n`,
      rows: shown.map((resource) => {
        const parts = [
          `- **${changeAmount(resource, currency)}** ${CHANGE_MARKS[resource.change]} ${codeSpan(resource.address)}`,
          costMovement(resource, currency),
          componentText(resource.topComponent, currency) ? escapeText(componentText(resource.topComponent, currency)!) : undefined,
        ];
        return `${parts.filter(Boolean).join(" · ")}${project(resource)}`;
      }),
      footer: rest.length > 0 ? `\n_Not listed: ${plural(rest.length, "smaller change")}, ${formatMoney(restTotal, currency, { signed: true })} together._\n` : "",
      noun: "changes",
    });
  }

  const unchanged = [...report.resources.filter((resource) => resource.change === "unchanged")].sort(costOrder);
  if (unchanged.length > 0) {
    const shown = unchanged.slice(0, top);
    const rest = unchanged.slice(shown.length);
    const sum = (list: readonly ResourceCost[]) => list.reduce<Decimal>((total, resource) => total.plus(resource.monthlyCost ?? Decimal.ZERO), Decimal.ZERO);
    blocks.push({
      kind: "section",
      header: `\n<details><summary>${Number.isFinite(top) ? "Unchanged resources by monthly cost" : "Unchanged resources"} (${unchanged.length}, ${escapeHtml(formatMoney(sum(unchanged), currency))} together)</summary>\n`,
      rows: shown.map((resource) => `- **${resource.monthlyCost === null ? "n/a (usage-based)" : formatMoney(resource.monthlyCost, currency)}** ${codeSpan(resource.address)}${project(resource)}`),
      footer: `${rest.length > 0 ? `\n_Not listed: ${plural(rest.length, "resource")} costing ${formatMoney(sum(rest), currency)} per month together._\n` : ""}\n</details>\n`,
      noun: "resources",
    });
  }

  const summary = report.summary;
  const notes: string[] = [];
  if (summary.detected !== undefined) {
    notes.push(`${plural(summary.detected, "resource")} detected, ${summary.supported ?? 0} priced.`);
  }
  if ((summary.noPrice ?? 0) > 0 || summary.noPriceCounts.length > 0) {
    notes.push(`${summary.noPrice ?? summary.noPriceCounts.reduce((total, [, count]) => total + count, 0)} have no price (free): ${typeCounts(summary.noPriceCounts)}.`);
  }
  if ((summary.unsupported ?? 0) > 0 || summary.unsupportedCounts.length > 0) {
    notes.push(
      `⚠️ ${summary.unsupported ?? summary.unsupportedCounts.reduce((total, [, count]) => total + count, 0)} are not supported by infracost, so their cost is not counted: ${typeCounts(summary.unsupportedCounts)}.`,
    );
  }
  if ((summary.usageBased ?? 0) > 0) {
    notes.push(
      `${summary.usageBased} have usage-based costs, estimated from ${options.usageFile ? codeSpan(options.usageFile) : "infracost's defaults (no usage file)"}.`,
    );
  }
  if (notes.length > 0) text(`<sub>${notes.join(" ")}</sub>`);

  return buildWithinBudget(blocks, { limit: options.limit, measure: options.measure, fullOutputUrl: options.runUrl, separator: "\n" })
    .text.replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Room for the hidden marker line the sticky comment adds. */
const MARKER_RESERVE = 512;

export interface RenderedCost {
  readonly comment: string;
  readonly summary: string;
}

/** The comment (top resources, within the comment budget) and the step summary (every resource). */
export function renderCost(report: CostReport, environment: string, options: { runUrl?: string; usageFile?: string }): RenderedCost {
  return {
    comment: renderCostComment(report, { environment, limit: COMMENT_LIMIT - MARKER_RESERVE, runUrl: options.runUrl, usageFile: options.usageFile }),
    summary: renderCostComment(report, {
      environment,
      limit: STEP_SUMMARY_LIMIT / 2,
      measure: measureBytes,
      topResources: Number.POSITIVE_INFINITY,
      runUrl: options.runUrl,
      usageFile: options.usageFile,
    }),
  };
}

/** The comment when infracost itself fails: its message and the end of its output. */
export function renderCostError(environment: string, message: string, output: string): string {
  return `### 💰 Cost estimate · ${codeSpan(environment)}\n\n❌ **${message}**\n\n${codeBlock(output.slice(-20_000) || "(no output)")}`;
}

/** The step summary when there is no estimate. */
export function renderCostSkipped(environment: string, reason: string): string {
  return `### 💰 Cost estimate · ${codeSpan(environment)}\n\nSkipped: ${reason}.`;
}
