// The configuration diff for a terminal: per stack, each removed, changed and
// added resource, and for a changed one every value as `before → after`
// (JSON strings by path, multi-line strings as diff lines: value-diff.ts).
import { oneLine, printable, type TextStyle } from "../text";
import { entriesText, maskedEntries } from "../value-diff-render";
import { isEmptyDiff, type ResourceDiff } from "./config-diff";
import { summarizeDiff, type StackDiffResult } from "./markdown";

const resourceLine = (mark: string, resource: ResourceDiff, style: TextStyle): string =>
  `  ${mark} ${style.bold(oneLine(resource.address))}${resource.constructPath ? `  ${style.dim(oneLine(resource.constructPath))}` : ""}`;

function stackLines(result: StackDiffResult, style: TextStyle): string[] {
  const lines = [""];
  const note = result.baseNote ? style.dim(printable(result.baseNote)) : undefined;
  if (!result.diff) return [...lines, style.bold(oneLine(result.stackName)), printable(result.baseNote ?? "No diff.")];
  const diff = result.diff;
  if (isEmptyDiff(diff)) return [...lines, `${style.bold(oneLine(result.stackName))}: no configuration change (${diff.total} resources).`, ...(note ? [note] : [])];
  lines.push(`${style.bold(oneLine(result.stackName))}: ${summarizeDiff(diff)} (${diff.total} resources).`);
  if (note) lines.push(note);
  for (const resource of diff.removed) lines.push(resourceLine(style.red("-"), resource, style));
  for (const resource of diff.changed) {
    lines.push(resourceLine(style.yellow("~"), resource, style));
    lines.push(...entriesText(maskedEntries(resource.changes, (text) => text, { maxValueLength: 200 }), style, { indent: "      " }));
  }
  for (const resource of diff.added) lines.push(resourceLine(style.green("+"), resource, style));
  return lines;
}

export function renderSynthDiffText(options: { readonly baseRef: string; readonly results: readonly StackDiffResult[]; readonly style: TextStyle }): string {
  const { style } = options;
  return [
    style.bold(`CDKTF configuration diff against ${oneLine(options.baseRef)}`),
    style.dim("From the synthesized cdk.tf.json files (no state, no credentials); Lambda bundle hashes and asset paths are left out."),
    ...options.results.flatMap((result) => stackLines(result, style)),
  ].join("\n");
}

/** Without a base ref: each environment's stack folder. */
export function renderSynthStacksText(stacks: readonly { readonly environment: string; readonly folder: string }[], style: TextStyle): string {
  return [style.bold("CDKTF synth"), ...stacks.map((stack) => `  ${oneLine(stack.environment)}: ${oneLine(stack.folder)}/cdk.tf.json`)].join("\n");
}

/** The synth failed: its whole output. */
export function renderSynthErrorText(environments: string, output: string, style: TextStyle): string {
  return [style.red(style.bold(`CDKTF synth failed (${oneLine(environments)})`)), printable(output.trim() || "(no output)")].join("\n");
}
