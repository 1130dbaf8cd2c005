import { buildWithinBudget, codeBlock, codeSpan, escapeText, type BudgetBlock } from "../markdown";
import type { Annotation } from "../notify/publisher";
import type { SourceLocation } from "../construct-sources";
import type { FindingLocation, LocatedFinding, LocatedToolError } from "./locate-findings";
import type { Severity, TflintFinding } from "./report";

export type FailOn = Severity | "none";

export interface SeverityCounts {
  readonly errors: number;
  readonly warnings: number;
  readonly notices: number;
}

export function countBySeverity(findings: readonly LocatedFinding[]): SeverityCounts {
  const count = (severity: Severity) => findings.filter((located) => located.finding.severity === severity).length;
  return { errors: count("error"), warnings: count("warning"), notices: count("notice") };
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, notice: 1 };

/** Whether the findings fail the step under `fail-on` (tool errors always do). */
export function failsOn(failOn: FailOn, findings: readonly LocatedFinding[]): boolean {
  if (failOn === "none") return false;
  return findings.some((located) => RANK[located.finding.severity] >= RANK[failOn]);
}

export interface LintRenderOptions {
  readonly environment: string;
  readonly limit: number;
  readonly measure?: (text: string) => number;
  readonly failOn: FailOn;
  /** Link target for TypeScript locations: `${serverUrl}/${owner}/${repo}/blob/${sha}`; plain text without it. */
  readonly blobUrl?: string;
  readonly runUrl?: string;
}

const ICONS: Record<Severity, string> = { error: "❌", warning: "⚠️", notice: "ℹ️" };
/** More findings than this are grouped by rule. */
export const GROUP_ABOVE = 10;
const MAX_FRAMES = 4;

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;

/** `stacks/constructs/network.ts:85`, linked to that line at the reviewed commit when a blob URL is known. */
function frameLink(frame: SourceLocation, blobUrl: string | undefined): string {
  const label = codeSpan(`${frame.file}:${frame.line}`);
  if (!blobUrl) return label;
  const path = frame.file.split("/").map(encodeURIComponent).join("/");
  return `[${label}](${blobUrl}/${path}#L${frame.line})`;
}

/** The TypeScript line to change, linked (see FindingLocation.source). */
export function sourceLink(location: FindingLocation, blobUrl: string | undefined): string {
  return location.source ? frameLink(location.source, blobUrl) : "";
}

/**
 * Where the finding comes from, first on its line: the creation chain of
 * `stacks/` frames, helper first (`alerting.ts:120 ← alerting.ts:155 ←
 * trading-platform-stack.ts:200`), the line to change in bold; without a
 * trace, the linted file and line.
 */
function whereText(location: FindingLocation, blobUrl: string | undefined): string {
  const chain = location.chain ?? (location.source ? [location.source] : []);
  if (chain.length > 0) {
    const shown = chain.slice(0, MAX_FRAMES).map((frame) => {
      const link = frameLink(frame, blobUrl);
      return location.source && frame.file === location.source.file && frame.line === location.source.line && chain.length > 1 ? `**${link}**` : link;
    });
    return `${shown.join(" ← ")}${chain.length > MAX_FRAMES ? " ← …" : ""}`;
  }
  if (location.lintedFile) return `${codeSpan(location.lintedLine > 0 ? `${location.lintedFile}:${location.lintedLine}` : location.lintedFile)}${location.lintedLine === 0 ? " (file-level)" : ""}`;
  return "file-level";
}

/** What the finding is about: the address and its construct path. */
function subjectText(location: FindingLocation): string | undefined {
  if (!location.address) return undefined;
  return `${codeSpan(location.address)}${location.constructPath ? ` <sub>${escapeText(location.constructPath)}</sub>` : ""}`;
}

/** An http(s) rule link that cannot end the markdown link early; anything else is dropped. */
function safeLink(link: string | undefined): string | undefined {
  if (!link || !/^https?:\/\/[^\s]+$/.test(link)) return undefined;
  let normalized: string;
  try {
    normalized = encodeURI(decodeURI(link));
  } catch {
    return undefined; // a malformed %-sequence
  }
  return normalized.replace(/[()[\]<>"'`|]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

const ruleText = (finding: TflintFinding): string => {
  const link = safeLink(finding.link);
  return link ? `[${codeSpan(finding.rule)}](${link})` : codeSpan(finding.rule);
};

const callersText = (finding: TflintFinding): string =>
  finding.callers.length > 1 ? ` <sub>via ${finding.callers.slice(1).map((caller) => escapeText(`${caller.filename}:${caller.line}`)).join(" → ")}</sub>` : "";

const fixableText = (finding: TflintFinding): string => (finding.fixable ? " <sub>(tflint --fix can fix this)</sub>" : "");

/** One finding as a list item: where first (the TypeScript link), then what, then the rule and message. */
function findingItem(located: LocatedFinding, blobUrl: string | undefined, withRule: boolean): string {
  const { finding } = located;
  const parts = [
    `${ICONS[finding.severity]} ${whereText(located, blobUrl)}`,
    subjectText(located),
    `${withRule ? `${ruleText(finding)}: ` : ""}${escapeText(finding.message)}${fixableText(finding)}${callersText(finding)}`,
  ];
  return `- ${parts.filter(Boolean).join(" · ")}`;
}

const bySeverityThenPlace = (a: LocatedFinding, b: LocatedFinding): number =>
  RANK[b.finding.severity] - RANK[a.finding.severity] ||
  (a.source?.file ?? a.lintedFile ?? "").localeCompare(b.source?.file ?? b.lintedFile ?? "") ||
  (a.source?.line ?? a.lintedLine) - (b.source?.line ?? b.lintedLine);

/** Findings grouped by rule: most severe first, then the most frequent. */
function ruleGroups(findings: readonly LocatedFinding[]): LocatedFinding[][] {
  const byRule = new Map<string, LocatedFinding[]>();
  for (const located of findings) {
    const key = `${located.finding.severity} ${located.finding.rule}`;
    byRule.set(key, [...(byRule.get(key) ?? []), located]);
  }
  return [...byRule.values()]
    .map((group) => group.sort(bySeverityThenPlace))
    .sort((a, b) => RANK[b[0]!.finding.severity] - RANK[a[0]!.finding.severity] || b.length - a.length || a[0]!.finding.rule.localeCompare(b[0]!.finding.rule));
}

/** The lint comment (or, with a byte budget, the step summary). */
export function renderLintComment(findings: readonly LocatedFinding[], errors: readonly LocatedToolError[], options: LintRenderOptions): string {
  const counts = countBySeverity(findings);
  const blocks: BudgetBlock[] = [];
  const text = (value: string) => blocks.push({ kind: "text", text: value });
  text(`### 🔎 tflint · ${codeSpan(options.environment)}`);

  const failing = errors.length > 0 || failsOn(options.failOn, findings);
  const tally = `${plural(counts.errors, "error")}, ${plural(counts.warnings, "warning")}, ${plural(counts.notices, "notice")}`;
  if (findings.length === 0 && errors.length === 0) {
    text("✅ **No findings.**");
  } else {
    const verdict = errors.length > 0 ? "tflint itself reported errors, so this check fails" : failing ? `this check fails (fail-on: ${options.failOn})` : `this check passes (fail-on: ${options.failOn})`;
    text(`**${tally}**: ${verdict}.`);
  }

  if (errors.length > 0) {
    const lines = errors.map((located) => {
      const where = located.source
        ? ` (${sourceLink(located, options.blobUrl)})`
        : located.lintedFile
          ? ` (${codeSpan(located.lintedLine > 0 ? `${located.lintedFile}:${located.lintedLine}` : located.lintedFile)})`
          : "";
      const summary = located.error.summary ? `**${escapeText(located.error.summary)}**: ` : "";
      return `> - ${summary}${escapeText(located.error.message)}${where}`;
    });
    text(`> [!CAUTION]\n> **tflint could not lint everything:**\n${lines.join("\n")}`);
  }

  if (findings.length > GROUP_ABOVE) {
    // Many findings: one section per rule with its count, the message once when every finding shares it.
    for (const group of ruleGroups(findings)) {
      const { finding } = group[0]!;
      const sameMessage = group.every((located) => located.finding.message === finding.message);
      blocks.push({
        kind: "section",
        header: `#### ${ICONS[finding.severity]} ${ruleText(finding)} (${group.length})${sameMessage ? `: ${escapeText(finding.message)}` : ""}`,
        rows: group.map((located) => (sameMessage ? findingItem({ ...located, finding: { ...located.finding, message: "" } }, options.blobUrl, false).replace(/ · $/, "") : findingItem(located, options.blobUrl, false))),
        noun: "findings",
        rowSeparator: "\n",
      });
    }
  } else if (findings.length > 0) {
    blocks.push({ kind: "section", header: "", rows: [...findings].sort(bySeverityThenPlace).map((located) => findingItem(located, options.blobUrl, true)), noun: "findings", rowSeparator: "\n" });
  }
  return buildWithinBudget(blocks, { limit: options.limit, measure: options.measure, fullOutputUrl: options.runUrl, separator: "\n\n" }).text;
}

/**
 * One annotation per finding, on the TypeScript line to change when known
 * (the frame of the creation chain no other resource of the type shares;
 * GitHub shows it there in the diff), else on the linted file's line.
 */
export function annotations(findings: readonly LocatedFinding[], errors: readonly LocatedToolError[]): Annotation[] {
  const place = (location: FindingLocation) =>
    location.source
      ? { file: location.source.file, line: location.source.line }
      : { file: location.lintedFile, line: location.lintedLine > 0 ? location.lintedLine : undefined };
  const result: Annotation[] = findings.map((located) => {
    const subject = located.address ? ` (${located.address}${located.constructPath ? `, ${located.constructPath}` : ""})` : "";
    return { level: located.finding.severity, message: `${located.finding.message}${subject}`, ...place(located), title: `tflint ${located.finding.rule}` };
  });
  for (const located of errors) {
    result.push({ level: "error", message: `${located.error.summary ? `${located.error.summary}: ` : ""}${located.error.message}`, ...place(located), title: "tflint error" });
  }
  return result;
}

/** The comment when tflint itself fails: its message and the end of its output. */
export function renderLintError(environment: string, message: string, output: string): string {
  return `### 🔎 tflint · ${codeSpan(environment)}\n\n❌ **${message}**\n\n${codeBlock(output.slice(-20_000) || "(no output)")}`;
}
