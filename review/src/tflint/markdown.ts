import { buildWithinBudget, codeBlock, codeSpan, escapeText, type BudgetBlock } from "../markdown";
import type { Annotation } from "../notify/publisher";
import type { FindingLocation, LocatedFinding, LocatedToolError } from "./locate-findings";
import type { Severity } from "./report";

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

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;

/** `stacks/constructs/network.ts:85`, linked to the reviewed commit when a blob URL is known. */
export function sourceLink(location: FindingLocation, blobUrl: string | undefined): string {
  if (!location.source) return "";
  const label = `${location.source.file}:${location.source.line}`;
  if (!blobUrl) return codeSpan(label, { inTable: true });
  const path = location.source.file.split("/").map(encodeURIComponent).join("/");
  return `[${codeSpan(label, { inTable: true })}](${blobUrl}/${path}#L${location.source.line})`;
}

/** What the finding is about: address and construct path, or the file:line when it is not in a resource. */
function subjectCell(location: FindingLocation): string {
  const parts: string[] = [];
  if (location.address) parts.push(codeSpan(location.address, { inTable: true }));
  if (location.constructPath) parts.push(`<sub>${escapeText(location.constructPath)}</sub>`);
  if (parts.length === 0) {
    if (!location.lintedFile) return "file-level";
    parts.push(codeSpan(location.lintedLine > 0 ? `${location.lintedFile}:${location.lintedLine}` : location.lintedFile, { inTable: true }));
    if (location.lintedLine === 0) parts.push("(file-level)");
  }
  return parts.join("<br>");
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

function findingRow(located: LocatedFinding, blobUrl: string | undefined): string {
  const { finding } = located;
  const link = safeLink(finding.link);
  const rule = link ? `[${codeSpan(finding.rule, { inTable: true })}](${link})` : codeSpan(finding.rule, { inTable: true });
  const callers = finding.callers.length > 1 ? `<br><sub>via ${finding.callers.slice(1).map((caller) => escapeText(`${caller.filename}:${caller.line}`)).join(" → ")}</sub>` : "";
  const fixable = finding.fixable ? " <sub>(tflint --fix can fix this)</sub>" : "";
  return `| ${ICONS[finding.severity]} ${finding.severity} | ${rule}: ${escapeText(finding.message)}${fixable}${callers} | ${subjectCell(located)} | ${sourceLink(located, blobUrl) || "—"} |`;
}

/** The lint comment (or, with a byte budget, the step summary). */
export function renderLintComment(findings: readonly LocatedFinding[], errors: readonly LocatedToolError[], options: LintRenderOptions): string {
  const counts = countBySeverity(findings);
  const blocks: BudgetBlock[] = [];
  const text = (value: string) => blocks.push({ kind: "text", text: `\n${value}\n` });
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

  if (findings.length > 0) {
    const ordered = [...findings].sort(
      (a, b) =>
        RANK[b.finding.severity] - RANK[a.finding.severity] ||
        (a.source?.file ?? a.lintedFile ?? "").localeCompare(b.source?.file ?? b.lintedFile ?? "") ||
        (a.source?.line ?? a.lintedLine) - (b.source?.line ?? b.lintedLine),
    );
    blocks.push({
      kind: "section",
      header: "\n| Severity | Finding | Resource | Created at |\n|---|---|---|---|",
      rows: ordered.map((located) => findingRow(located, options.blobUrl)),
      noun: "findings",
    });
  }
  return buildWithinBudget(blocks, { limit: options.limit, measure: options.measure, fullOutputUrl: options.runUrl, separator: "\n" })
    .text.replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * One annotation per finding, on the TypeScript line that created the
 * resource when known (that is where GitHub shows it in the diff), else on
 * the linted file's line.
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
