// The lint findings for a terminal: each finding with the resource, the
// construct and its creation chain in stacks/ (the line to change marked), most severe first.
import { oneLine, printable, type TextStyle } from "../text";
import type { FindingLocation, LocatedFinding, LocatedToolError } from "./locate-findings";
import { countBySeverity, failsOn, type FailOn } from "./markdown";
import type { Severity } from "./report";

const RANK: Record<Severity, number> = { error: 3, warning: 2, notice: 1 };
const COLOUR: Record<Severity, keyof TextStyle> = { error: "red", warning: "yellow", notice: "cyan" };

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? "" : "s"}`;

/** The resource (address, construct path) and where: the TypeScript line, else the linted file and line. */
function whereLines(location: FindingLocation, style: TextStyle): string[] {
  const lines: string[] = [];
  if (location.address) lines.push(`${oneLine(location.address)}${location.constructPath ? style.dim(` (${oneLine(location.constructPath)})`) : ""}`);
  const chain = location.chain ?? (location.source ? [location.source] : []);
  if (chain.length > 0) {
    const frames = chain.map((frame) => {
      const text = oneLine(`${frame.file}:${frame.line}`);
      return chain.length > 1 && location.source && frame.file === location.source.file && frame.line === location.source.line ? style.bold(text) : text;
    });
    lines.push(`created at ${frames.join(" ← ")}`);
  }
  else if (location.lintedFile) lines.push(`in ${oneLine(location.lintedLine > 0 ? `${location.lintedFile}:${location.lintedLine}` : `${location.lintedFile} (file-level)`)}`);
  return lines;
}

export function renderLintText(findings: readonly LocatedFinding[], errors: readonly LocatedToolError[], options: { readonly environment: string; readonly failOn: FailOn; readonly style: TextStyle }): string {
  const { style } = options;
  const counts = countBySeverity(findings);
  const lines: string[] = [style.bold(`tflint · ${oneLine(options.environment)}`)];
  if (findings.length === 0 && errors.length === 0) {
    lines.push(style.green("No findings."));
  } else {
    const failing = errors.length > 0 || failsOn(options.failOn, findings);
    const verdict = errors.length > 0 ? "tflint itself reported errors, so this check fails" : `this check ${failing ? "fails" : "passes"} (fail-on: ${options.failOn})`;
    lines.push(`${plural(counts.errors, "error")}, ${plural(counts.warnings, "warning")}, ${plural(counts.notices, "notice")}: ${failing ? style.red(verdict) : verdict}.`);
  }

  if (errors.length > 0) {
    lines.push("", style.red("! tflint could not lint everything:"));
    for (const located of errors) {
      lines.push(`  - ${located.error.summary ? `${style.bold(oneLine(located.error.summary))}: ` : ""}${oneLine(located.error.message)}`);
      for (const where of whereLines(located, style)) lines.push(`    ${where}`);
    }
  }

  const ordered = [...findings].sort(
    (a, b) =>
      RANK[b.finding.severity] - RANK[a.finding.severity] ||
      (a.source?.file ?? a.lintedFile ?? "").localeCompare(b.source?.file ?? b.lintedFile ?? "") ||
      (a.source?.line ?? a.lintedLine) - (b.source?.line ?? b.lintedLine),
  );
  for (const located of ordered) {
    const { finding } = located;
    const severity = style[COLOUR[finding.severity]](finding.severity.padEnd(7));
    lines.push("", `${severity} ${style.bold(oneLine(finding.rule))}: ${oneLine(finding.message)}${finding.fixable ? style.dim(" (tflint --fix can fix this)") : ""}`);
    for (const where of whereLines(located, style)) lines.push(`        ${where}`);
    if (finding.callers.length > 1) lines.push(`        ${style.dim(`via ${finding.callers.slice(1).map((caller) => oneLine(`${caller.filename}:${caller.line}`)).join(" → ")}`)}`);
    if (finding.link) lines.push(`        ${style.dim(printable(finding.link))}`);
  }
  return lines.join("\n");
}

/** tflint itself failed: its message and its whole output. */
export function renderLintErrorText(environment: string, message: string, output: string, style: TextStyle): string {
  return [style.red(style.bold(`tflint failed · ${oneLine(environment)}`)), printable(message), "", printable(output.trim() || "(no output)")].join("\n");
}
