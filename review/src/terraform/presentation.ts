// What both plan renderers show of a resource change, worked out once: its
// value-level diff (masked), what is only known after apply (summarised, not
// listed as rows), what forces a replacement, and, for large plans, the
// counts by resource type and compact address lists.
import type { Masker } from "../mask";
import { maskedEntries } from "../value-diff-render";
import type { DiffEntry } from "../value-diff";
import { KNOWN_AFTER_APPLY, type ResourceChange } from "./plan-model";
import { groupOf, type ChangeGroup } from "./vocabulary";

export interface ResourceView {
  readonly change: ResourceChange;
  /** The changed values, JSON strings diffed as JSON and multi-line strings as lines. */
  readonly entries: readonly DiffEntry[];
  /** Attributes terraform learns only when applying (ids, computed outputs): named, not listed as changes. */
  readonly knownAfterApply: readonly string[];
}

/** Options for the diff of one value in a plan. */
export const PLAN_DIFF_OPTIONS = { maxValueLength: 160, context: 2 } as const;

export function viewOf(change: ResourceChange, mask: Masker): ResourceView {
  const knownAfterApply: string[] = [];
  const shown = change.attributeChanges.filter((attribute) => {
    // Unknown until applied says nothing a reviewer can check; what it was before is in the state.
    if (attribute.after === KNOWN_AFTER_APPLY && !attribute.forcesReplacement) {
      knownAfterApply.push(mask(attribute.path));
      return false;
    }
    return true;
  });
  return { change, entries: maskedEntries(shown, mask, PLAN_DIFF_OPTIONS), knownAfterApply };
}

/** The entries that force the replacement, for the CAUTION line. */
export const forcingEntries = (view: ResourceView): DiffEntry[] => view.entries.filter((entry) => entry.forcesReplacement);

/** `module.a.aws_s3_bucket` → the prefix every address of that module and type starts with. */
export const typePrefixOf = (change: ResourceChange): string => `${change.moduleAddress ? `${change.moduleAddress}.` : ""}${change.mode === "data" ? "data." : ""}${change.type}.`;

/** The resource type with its module: `aws_s3_bucket`, `module.storage › aws_s3_bucket`. */
export const typeLabelOf = (change: ResourceChange): string => (change.moduleAddress ? `${change.moduleAddress} › ${change.type}` : change.type || change.address.replace(/\.[^.]*$/, ""));

export interface TypeCount {
  readonly label: string;
  readonly counts: ReadonlyMap<ChangeGroup, number>;
  readonly total: number;
}

/** Changes counted by action for each resource type (and module), most changes first. */
export function countsByType(changes: readonly ResourceChange[]): TypeCount[] {
  const byLabel = new Map<string, Map<ChangeGroup, number>>();
  for (const change of changes) {
    const label = typeLabelOf(change);
    const counts = byLabel.get(label) ?? new Map<ChangeGroup, number>();
    counts.set(groupOf(change), (counts.get(groupOf(change)) ?? 0) + 1);
    byLabel.set(label, counts);
  }
  return [...byLabel.entries()]
    .map(([label, counts]) => ({ label, counts, total: [...counts.values()].reduce((sum, count) => sum + count, 0) }))
    .sort((a, b) => b.total - a.total || (a.label < b.label ? -1 : 1));
}

export interface AddressGroup {
  readonly group: ChangeGroup;
  /** What every address starts with: `terraform_data.`, `module.db.aws_db_instance.`. */
  readonly prefix: string;
  /** The rest of each address, consecutive numbers folded: `item[0…299]`, `node_01…node_12`. */
  readonly names: readonly string[];
  readonly count: number;
}

/** Every changing address, grouped by action and type, with consecutive instance numbers folded into ranges. */
export function addressGroups(changes: readonly ResourceChange[], order: readonly ChangeGroup[], mask: Masker): AddressGroup[] {
  const groups: AddressGroup[] = [];
  for (const group of order) {
    const byPrefix = new Map<string, string[]>();
    for (const change of changes) {
      if (groupOf(change) !== group) continue;
      const prefix = typePrefixOf(change);
      const name = change.address.startsWith(prefix) ? change.address.slice(prefix.length) : change.address;
      const names = byPrefix.get(prefix) ?? [];
      names.push(name);
      byPrefix.set(prefix, names);
    }
    for (const [prefix, names] of byPrefix) groups.push({ group, prefix: mask(prefix), names: foldNumberRuns(names).map(mask), count: names.length });
  }
  return groups;
}

interface Numbered {
  readonly stem: string;
  readonly number: number;
  readonly digits: string;
  readonly close: string;
}

/** `item[12]` → stem `item[`, 12, close `]`; `node_07` → stem `node_`, 7 (digits "07"); otherwise undefined. */
function numbered(name: string): Numbered | undefined {
  const match = /^(.*?)(\d+)(\])?$/.exec(name);
  if (!match || match[2]!.length > 9) return undefined;
  if (match[3] === "]" && !match[1]!.endsWith("[")) return undefined;
  return { stem: match[1]!, number: Number(match[2]), digits: match[2]!, close: match[3] ?? "" };
}

/**
 * Names with runs of consecutive numbers folded: `item[0]`, `item[1]`, …,
 * `item[299]` → `item[0…299]`; `node_01`…`node_12` → `node_01…12`. Only
 * numbers that really follow each other are folded; the order is otherwise kept.
 */
export function foldNumberRuns(names: readonly string[]): string[] {
  const result: string[] = [];
  const parsed = names.map((name) => ({ name, numbered: numbered(name) }));
  // Instances of one resource are listed in index order whatever order they came in.
  parsed.sort((a, b) => {
    if (a.numbered && b.numbered && a.numbered.stem === b.numbered.stem && a.numbered.close === b.numbered.close) return a.numbered.number - b.numbered.number;
    return 0;
  });
  let index = 0;
  while (index < parsed.length) {
    const first = parsed[index]!;
    let end = index;
    const width = (item: Numbered) => (item.close === "" ? item.digits.length : 0);
    while (
      first.numbered &&
      end + 1 < parsed.length &&
      parsed[end + 1]!.numbered?.stem === first.numbered.stem &&
      parsed[end + 1]!.numbered?.close === first.numbered.close &&
      width(parsed[end + 1]!.numbered!) === width(first.numbered) &&
      parsed[end + 1]!.numbered!.number === parsed[end]!.numbered!.number + 1
    )
      end += 1;
    if (end - index >= 2 && first.numbered) {
      const last = parsed[end]!.numbered!;
      result.push(`${first.numbered.stem}${first.numbered.digits}…${last.digits}${first.numbered.close}`);
    } else {
      for (let position = index; position <= end; position += 1) result.push(parsed[position]!.name);
    }
    index = end + 1;
  }
  return result;
}
