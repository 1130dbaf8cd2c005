// A configuration-level diff of two synthesized stacks (cdk.tf.json): which
// resources were added, removed or changed, and which attributes changed.
// No state and no credentials needed, so it works on fork pull requests.

/** Attributes that change on every build without changing the infrastructure's intent. */
const ASSET_ATTRIBUTES = new Set(["//", "source_code_hash", "filename", "source_hash"]);

export interface ResourceDiff {
  readonly address: string;
  readonly constructPath: string | undefined;
}

/** One changed attribute: its path and its values before and after as JSON (undefined where absent). */
export interface ChangedValue {
  readonly path: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

export interface ChangedResource extends ResourceDiff {
  /** The changed attributes (`tags.Name`, `environment.variables.TABLE`) with their values. */
  readonly changes: readonly ChangedValue[];
}

export interface StackDiff {
  readonly added: readonly ResourceDiff[];
  readonly removed: readonly ResourceDiff[];
  readonly changed: readonly ChangedResource[];
  /** Resources in the head stack. */
  readonly total: number;
}

type Blocks = Record<string, Record<string, Record<string, unknown>>>;
interface StackJson {
  resource?: Blocks;
  data?: Blocks;
}

function index(stack: StackJson | undefined): Map<string, Record<string, unknown>> {
  const result = new Map<string, Record<string, unknown>>();
  const add = (prefix: string, blocks: Blocks | undefined): void => {
    for (const [type, byName] of Object.entries(blocks ?? {})) {
      for (const [name, body] of Object.entries(byName ?? {})) result.set(`${prefix}${type}.${name}`, body ?? {});
    }
  };
  add("", stack?.resource);
  add("data.", stack?.data);
  return result;
}

const pathOf = (body: Record<string, unknown> | undefined): string | undefined => {
  const path = (body?.["//"] as { metadata?: { path?: unknown } } | undefined)?.metadata?.path;
  return typeof path === "string" ? path : undefined;
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const join = (base: string, key: string | number): string =>
  typeof key === "number" ? `${base}[${key}]` : IDENTIFIER.test(key) ? (base === "" ? key : `${base}.${key}`) : `${base}[${JSON.stringify(key)}]`;

/** The attributes in which `before` and `after` differ, asset attributes aside, with both values. */
export function changedValues(before: unknown, after: unknown, base = "", into: ChangedValue[] = []): ChangedValue[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      if (ASSET_ATTRIBUTES.has(key)) continue;
      changedValues(before[key], after[key], join(base, key), into);
    }
    return into;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((item, position) => changedValues(item, after[position], join(base, position), into));
    return into;
  }
  const beforeJson = before === undefined ? undefined : JSON.stringify(stripAssets(before));
  const afterJson = after === undefined ? undefined : JSON.stringify(stripAssets(after));
  if (beforeJson !== afterJson) into.push({ path: base === "" ? "(whole resource)" : base, before: beforeJson, after: afterJson });
  return into;
}

/** Paths under which `before` and `after` differ, asset attributes aside. */
export const changedPaths = (before: unknown, after: unknown): string[] => changedValues(before, after).map((change) => change.path);

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

function stripAssets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripAssets);
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !ASSET_ATTRIBUTES.has(key))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, item]) => [key, stripAssets(item)]),
    );
  }
  return value;
}

/** The diff from `base` (undefined: the stack is new) to `head`. */
export function diffStacks(base: unknown, head: unknown): StackDiff {
  const before = index(base as StackJson | undefined);
  const after = index(head as StackJson);
  const added: ResourceDiff[] = [];
  const removed: ResourceDiff[] = [];
  const changed: ChangedResource[] = [];
  for (const [address, body] of after) {
    const previous = before.get(address);
    if (!previous) added.push({ address, constructPath: pathOf(body) });
    else {
      const changes = changedValues(previous, body);
      if (changes.length > 0) changed.push({ address, constructPath: pathOf(body), changes });
    }
  }
  for (const [address, body] of before) if (!after.has(address)) removed.push({ address, constructPath: pathOf(body) });
  const byAddress = (a: ResourceDiff, b: ResourceDiff): number => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);
  return { added: added.sort(byAddress), removed: removed.sort(byAddress), changed: changed.sort(byAddress), total: [...after.keys()].filter((key) => !key.startsWith("data.")).length };
}

export const isEmptyDiff = (diff: StackDiff): boolean => diff.added.length + diff.removed.length + diff.changed.length === 0;
