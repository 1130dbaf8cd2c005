// A typed view of `terraform show -json` (format 0.x and 1.x), with every
// value terraform marks sensitive already replaced by "(sensitive)", so
// nothing downstream can render a secret by accident.
import { SENSITIVE, collectSensitiveStrings, redactSensitive, type SensitivityMarker } from "../mask";

export class PlanParseError extends Error {
  override name = "PlanParseError";
}

export type ChangeAction = "create" | "update" | "replace" | "delete" | "forget" | "read" | "no-op";

export const KNOWN_AFTER_APPLY = "(known after apply)";

export interface AttributeChange {
  /** `tags.Name`, `ingress[0].cidr_blocks[1]`, `tags["kubernetes.io/role"]`. */
  readonly path: string;
  /** Display values: JSON for known values, `(sensitive)`, `(known after apply)`, or undefined when absent. */
  readonly before: string | undefined;
  readonly after: string | undefined;
  /** Under one of the change's `replace_paths`. */
  readonly forcesReplacement: boolean;
}

export interface ResourceChange {
  readonly address: string;
  readonly previousAddress: string | undefined;
  readonly moduleAddress: string | undefined;
  readonly mode: "managed" | "data" | string;
  readonly type: string;
  readonly name: string;
  readonly rawActions: readonly string[];
  readonly action: ChangeAction;
  readonly actionReason: string | undefined;
  readonly replacePaths: readonly string[];
  /**
   * Set when the resource is imported (`change.importing`): the import id, or (Terraform 1.12+, an
   * import block with `identity`) the resource identity terraform gives instead of an id. Part of
   * the plan digest.
   */
  readonly importing: ImportSource | undefined;
  /**
   * A replace that keeps the old object: `["create","forget"]` (`lifecycle { destroy = false }`),
   * where the new object is created and the old one only leaves the state, still running.
   */
  readonly keepsReplacedObject: boolean;
  readonly moved: boolean;
  /** Values with sensitive parts redacted. */
  readonly before: unknown;
  readonly after: unknown;
  readonly afterUnknown: unknown;
  readonly attributeChanges: readonly AttributeChange[];
}

/** How terraform identifies the object an import block adopts: an import id, or an identity object (values masked later like any text). */
export interface ImportSource {
  readonly id?: string;
  readonly identity?: Readonly<Record<string, unknown>>;
}

/**
 * An action terraform will invoke on apply (Terraform 1.14+ `action` blocks, top-level
 * `action_invocations[]` of the plan JSON): either triggered by a resource's lifecycle event or
 * by `terraform apply -invoke`. Applying it does something even when no resource changes.
 */
export interface ActionInvocation {
  readonly address: string;
  readonly type: string;
  /** `after_create of aws_lambda_function.x`, or `invoked on the command line`. */
  readonly trigger: string;
  /** The action's configuration, sensitive values redacted (part of what the reviewed plan fingerprints). */
  readonly config: unknown;
}

export interface OutputChange {
  readonly name: string;
  readonly action: ChangeAction;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

export interface PlanCounts {
  readonly add: number;
  readonly change: number;
  readonly replace: number;
  readonly destroy: number;
  readonly forget: number;
  readonly import: number;
  readonly move: number;
}

export interface PlanModel {
  readonly formatVersion: string;
  readonly terraformVersion: string;
  /** Managed-resource changes, no-ops included only when imported or moved. */
  readonly resourceChanges: readonly ResourceChange[];
  /** Changes made outside Terraform since the last apply. */
  readonly drift: readonly ResourceChange[];
  readonly outputChanges: readonly OutputChange[];
  /** Actions the apply will invoke (Terraform 1.14+); empty before. */
  readonly actionInvocations: readonly ActionInvocation[];
  readonly counts: PlanCounts;
  readonly hasChanges: boolean;
  /** Top-level `errored`: terraform stopped planning part-way. */
  readonly errored: boolean;
  /** Every string terraform marks sensitive anywhere in the plan (for masking free text). */
  readonly sensitiveStrings: ReadonlySet<string>;
}

interface RawChange {
  actions?: string[];
  before?: unknown;
  after?: unknown;
  after_unknown?: unknown;
  before_sensitive?: SensitivityMarker;
  after_sensitive?: SensitivityMarker;
  replace_paths?: unknown[][];
  importing?: { id?: string; identity?: unknown; unknown?: boolean } | null;
}

interface RawActionInvocation {
  address?: string;
  type?: string;
  config_values?: unknown;
  config_sensitive?: SensitivityMarker;
  lifecycle_action_trigger?: { triggering_resource_address?: string; action_trigger_event?: string };
  invoke_action_trigger?: object;
}

interface RawResourceChange {
  address?: string;
  previous_address?: string;
  module_address?: string;
  mode?: string;
  type?: string;
  name?: string;
  action_reason?: string;
  change?: RawChange;
}

const lineAndColumn = (text: string, index: number): string => {
  const before = text.slice(0, index);
  const line = before.split("\n").length;
  return `line ${line}, column ${index - before.lastIndexOf("\n")}`;
};

/** Index just after the first JSON object/array in `text`, or -1 when it never closes. */
function endOfFirstValue(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const character = text[index];
    if (inString) {
      if (character === "\\") index += 1;
      else if (character === '"') inString = false;
      continue;
    }
    if (character === '"') inString = true;
    else if (character === "{" || character === "[") depth += 1;
    else if (character === "}" || character === "]") {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
  }
  return -1;
}

/**
 * Parses the text of `terraform show -json`, refusing with a message that
 * names `fileName`, what is wrong and where: the setup-terraform wrapper's
 * output, several plans concatenated, invalid JSON, or not a plan at all.
 */
export function parsePlanJson(text: string, fileName: string): PlanModel {
  const firstLine = text.trimStart().split("\n", 1)[0] ?? "";
  if (firstLine.startsWith("[command]") || /^::[a-z-]+[^\n]*::/m.test(text)) {
    const where = firstLine.startsWith("[command]") ? `its first line is "${firstLine.slice(0, 80)}"` : "it contains `::set-output`/`::debug` lines";
    throw new PlanParseError(
      `${fileName} is not plain \`terraform show -json\` output: ${where}. That text comes from hashicorp/setup-terraform's wrapper script, which wraps terraform's stdout. Set \`terraform_wrapper: false\` on the setup-terraform step (or run the terraform binary directly) and regenerate the plan JSON.`,
    );
  }
  const start = text.search(/\S/);
  if (start === -1) throw new PlanParseError(`${fileName} is empty: expected the output of \`terraform show -json <planfile>\`.`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const end = text[start] === "{" || text[start] === "[" ? endOfFirstValue(text, start) : -1;
    if (end !== -1) {
      const next = text.slice(end).search(/\S/);
      if (next !== -1) {
        throw new PlanParseError(
          `${fileName} holds more than one JSON document: the first ends and another starts at ${lineAndColumn(text, end + next)}. Several \`terraform show -json\` outputs were concatenated (terragrunt run-all does this); give one plan per file.`,
        );
      }
    }
    const position = /position (\d+)/.exec((error as Error).message);
    const where = position ? ` at ${lineAndColumn(text, Number(position[1]))}` : "";
    throw new PlanParseError(`${fileName} is not valid JSON${where}: ${(error as Error).message}. Expected the output of \`terraform show -json <planfile>\`.`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new PlanParseError(`${fileName}: expected a JSON object from \`terraform show -json\`, found ${Array.isArray(raw) ? "an array" : typeof raw}.`);
  }
  return buildPlanModel(raw as Record<string, unknown>, fileName);
}

/** Builds the model from an already-parsed plan object. */
export function buildPlanModel(plan: Record<string, unknown>, fileName = "plan JSON"): PlanModel {
  const formatVersion = plan.format_version;
  if (typeof formatVersion !== "string" || !/^[01]\.\d+$/.test(formatVersion)) {
    throw new PlanParseError(
      `${fileName}: format_version is ${JSON.stringify(formatVersion)}, expected "0.x" or "1.x" from \`terraform show -json\` (is this a plan JSON?).`,
    );
  }
  const rawChanges = optionalArray(plan, "resource_changes", fileName) as RawResourceChange[];
  const rawDrift = optionalArray(plan, "resource_drift", fileName) as RawResourceChange[];
  const rawInvocations = optionalArray(plan, "action_invocations", fileName) as RawActionInvocation[];
  const sensitiveStrings = new Set<string>();
  collectPlanSensitiveStrings(plan, sensitiveStrings);

  const resourceChanges = rawChanges
    .map((raw, index) => toResourceChange(raw, `${fileName}: resource_changes[${index}]`, sensitiveStrings))
    .filter((change) => change.mode !== "data" && (change.action !== "no-op" || change.importing !== undefined || change.moved));
  const drift = rawDrift
    .map((raw, index) => toResourceChange(raw, `${fileName}: resource_drift[${index}]`, sensitiveStrings))
    .filter((change) => change.action !== "no-op");
  const outputChanges = Object.entries((plan.output_changes ?? {}) as Record<string, RawChange>)
    .map(([name, change]) => toOutputChange(name, change, sensitiveStrings))
    .filter((change) => change.action !== "no-op");
  const actionInvocations = rawInvocations.map((raw, index) => toActionInvocation(raw, `${fileName}: action_invocations[${index}]`, sensitiveStrings));

  const count = (predicate: (change: ResourceChange) => boolean): number => resourceChanges.filter(predicate).length;
  const counts: PlanCounts = {
    add: count((change) => change.action === "create"),
    change: count((change) => change.action === "update"),
    replace: count((change) => change.action === "replace"),
    destroy: count((change) => change.action === "delete"),
    forget: count((change) => change.action === "forget"),
    import: count((change) => change.importing !== undefined),
    move: count((change) => change.moved),
  };
  // Terraform 1.14+ treats a plan whose only content is action invocations as a change to apply
  // (internal/plans/changes_src.go, Empty(): "action invocations can be applied").
  const hasChanges = Object.values(counts).some((value) => value > 0) || outputChanges.length > 0 || actionInvocations.length > 0;
  return {
    formatVersion,
    terraformVersion: typeof plan.terraform_version === "string" ? plan.terraform_version : "unknown",
    resourceChanges,
    drift,
    outputChanges,
    actionInvocations,
    counts,
    hasChanges,
    errored: plan.errored === true,
    sensitiveStrings,
  };
}

function optionalArray(plan: Record<string, unknown>, key: string, fileName: string): unknown[] {
  const value = plan[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new PlanParseError(`${fileName}: ${key} is ${typeof value}, expected an array.`);
  return value;
}

export function classifyActions(actions: readonly string[]): ChangeAction {
  const key = actions.join(",");
  switch (key) {
    case "create":
    case "update":
    case "delete":
    case "forget":
    case "read":
    case "no-op":
      return key;
    // "create,forget": a new object replaces the old one, which leaves the state without being
    // destroyed (`lifecycle { destroy = false }`). Terraform calls it a replace: plans.CreateThenForget,
    // IsReplace() in hashicorp/terraform internal/plans/action.go; `["create", "forget"] (replace)`
    // in internal/command/jsonplan/plan.go (v1.15.9).
    case "delete,create":
    case "create,delete":
    case "create,forget":
      return "replace";
    case "":
      return "no-op";
    default:
      return actions.includes("delete") && actions.includes("create") ? "replace" : actions.includes("delete") ? "delete" : "update";
  }
}

function toResourceChange(raw: RawResourceChange, where: string, sensitiveStrings: Set<string>): ResourceChange {
  if (typeof raw?.address !== "string" || raw.change === undefined || !Array.isArray(raw.change.actions)) {
    throw new PlanParseError(`${where}: expected an object with "address" and "change.actions".`);
  }
  const change = raw.change;
  collectSensitiveStrings(change.before, change.before_sensitive, sensitiveStrings);
  collectSensitiveStrings(change.after, change.after_sensitive, sensitiveStrings);
  const before = redactSensitive(change.before ?? null, change.before_sensitive);
  const after = redactSensitive(change.after ?? null, change.after_sensitive);
  const replacePaths = (change.replace_paths ?? []).map(formatPath);
  const action = classifyActions(change.actions!);
  return {
    address: raw.address,
    previousAddress: raw.previous_address,
    moduleAddress: raw.module_address,
    mode: raw.mode ?? "managed",
    type: raw.type ?? "",
    name: raw.name ?? "",
    rawActions: change.actions!,
    action,
    actionReason: raw.action_reason,
    replacePaths,
    importing: toImportSource(change.importing),
    keepsReplacedObject: change.actions!.join(",") === "create,forget",
    moved: raw.previous_address !== undefined && raw.previous_address !== raw.address,
    before,
    after,
    afterUnknown: change.after_unknown ?? {},
    attributeChanges:
      action === "delete" || action === "forget"
        ? []
        : diffAttributes(change.before ?? null, change.after ?? null, change.after_unknown, replacePaths, change.before_sensitive, change.after_sensitive),
  };
}

/**
 * `change.importing`: `{id}`, or since Terraform 1.12 `{identity}` when the import block names the
 * object by identity (hashicorp/terraform internal/command/jsonplan/plan.go, type Importing, v1.15.9).
 */
function toImportSource(importing: RawChange["importing"]): ImportSource | undefined {
  if (!importing) return undefined;
  const identity = importing.identity;
  return {
    id: typeof importing.id === "string" && importing.id !== "" ? importing.id : undefined,
    identity: identity !== null && typeof identity === "object" && !Array.isArray(identity) ? (identity as Record<string, unknown>) : undefined,
  };
}

/** One `action_invocations[]` entry (hashicorp/terraform internal/command/jsonplan/action_invocations.go, v1.15.9). */
function toActionInvocation(raw: RawActionInvocation, where: string, sensitiveStrings: Set<string>): ActionInvocation {
  if (typeof raw?.address !== "string") throw new PlanParseError(`${where}: expected an object with "address" (an action terraform will invoke).`);
  collectSensitiveStrings(raw.config_values, raw.config_sensitive, sensitiveStrings);
  const lifecycle = raw.lifecycle_action_trigger;
  const trigger = lifecycle
    ? `${lifecycle.action_trigger_event ?? "lifecycle event"} of ${lifecycle.triggering_resource_address ?? "a resource"}`
    : raw.invoke_action_trigger
      ? "invoked on the command line"
      : "unknown trigger";
  return { address: raw.address, type: raw.type ?? "", trigger, config: redactSensitive(raw.config_values ?? null, raw.config_sensitive) };
}

function toOutputChange(name: string, change: RawChange, sensitiveStrings: Set<string>): OutputChange {
  collectSensitiveStrings(change.before, change.before_sensitive, sensitiveStrings);
  collectSensitiveStrings(change.after, change.after_sensitive, sensitiveStrings);
  const action = classifyActions(change.actions ?? []);
  const unknown = change.after_unknown === true;
  return {
    name,
    action,
    before: action === "create" ? undefined : displayValue(redactSensitive(change.before ?? null, change.before_sensitive)),
    after: action === "delete" ? undefined : unknown ? KNOWN_AFTER_APPLY : displayValue(redactSensitive(change.after ?? null, change.after_sensitive)),
  };
}

/** Sensitive variables and every `sensitive_values` structure in planned values and prior state. */
function collectPlanSensitiveStrings(plan: Record<string, unknown>, into: Set<string>): void {
  const configuration = plan.configuration as { root_module?: { variables?: Record<string, { sensitive?: boolean }> } } | undefined;
  const variables = (plan.variables ?? {}) as Record<string, { value?: unknown }>;
  for (const [name, declaration] of Object.entries(configuration?.root_module?.variables ?? {})) {
    if (declaration?.sensitive) collectSensitiveStrings(variables[name]?.value, true, into);
  }
  const walkModule = (module: unknown): void => {
    const typed = module as { resources?: { values?: unknown; sensitive_values?: SensitivityMarker }[]; child_modules?: unknown[] } | undefined;
    for (const resource of typed?.resources ?? []) collectSensitiveStrings(resource.values, resource.sensitive_values, into);
    for (const child of typed?.child_modules ?? []) walkModule(child);
  };
  walkModule((plan.planned_values as { root_module?: unknown } | undefined)?.root_module);
  walkModule(((plan.prior_state as { values?: { root_module?: unknown } } | undefined)?.values)?.root_module);
  const plannedOutputs = ((plan.planned_values as { outputs?: Record<string, { sensitive?: boolean; value?: unknown }> } | undefined)?.outputs) ?? {};
  for (const output of Object.values(plannedOutputs)) if (output?.sensitive) collectSensitiveStrings(output.value, true, into);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `["tags","Name"]` → `tags.Name`; `["ingress",0,"cidr"]` → `ingress[0].cidr`. */
export function formatPath(segments: readonly unknown[]): string {
  let path = "";
  for (const segment of segments) {
    if (typeof segment === "number") path += `[${segment}]`;
    else if (typeof segment === "string" && IDENTIFIER.test(segment)) path += path === "" ? segment : `.${segment}`;
    else path += `[${JSON.stringify(String(segment))}]`;
  }
  return path;
}

/** How a value is shown in a diff: JSON for known values, the markers as plain words. */
export function displayValue(value: unknown): string {
  if (value === SENSITIVE) return SENSITIVE;
  if (value === undefined) return "null";
  return JSON.stringify(value);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
const childPath = (path: string, key: string): string => (IDENTIFIER.test(key) ? (path === "" ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`);
const childOf = (value: unknown, key: string | number): unknown =>
  value !== null && typeof value === "object" ? (value as Record<string | number, unknown>)[key] : undefined;

/**
 * The attributes that differ between before and after (all set attributes
 * for a create), with unknown values as `(known after apply)`. Null or empty
 * values on both sides are not changes. With sensitivity markers, `before` and
 * `after` are the clear values: they are compared (so a changed secret is
 * listed) but shown only as `(sensitive)`.
 */
export function diffAttributes(
  before: unknown,
  after: unknown,
  afterUnknown: unknown,
  replacePaths: readonly string[] = [],
  beforeSensitive: SensitivityMarker = false,
  afterSensitive: SensitivityMarker = false,
): AttributeChange[] {
  const changes: AttributeChange[] = [];
  const forces = (path: string): boolean =>
    replacePaths.some((replacePath) => path === replacePath || path.startsWith(`${replacePath}.`) || path.startsWith(`${replacePath}[`));
  const push = (path: string, beforeText: string | undefined, afterText: string | undefined): void => {
    changes.push({ path: path === "" ? "(whole value)" : path, before: beforeText, after: afterText, forcesReplacement: forces(path) });
  };

  // Whatever is shown goes through the markers: a side may be sensitive only in parts.
  const show = (value: unknown, marker: SensitivityMarker): string => (marker === true ? SENSITIVE : displayValue(redactSensitive(value, marker)));
  const walk = (b: unknown, a: unknown, unknown: unknown, bs: SensitivityMarker, as: SensitivityMarker, path: string): void => {
    const hadBefore = !isEmpty(b);
    if (unknown === true) {
      push(path, hadBefore ? show(b, bs) : undefined, KNOWN_AFTER_APPLY);
      return;
    }
    if (bs === true || as === true) {
      const hasAfter = !isEmpty(a);
      if (!hadBefore && !hasAfter) return;
      if (hadBefore && hasAfter && JSON.stringify(b) === JSON.stringify(a)) return;
      push(path, hadBefore ? show(b, bs) : undefined, hasAfter ? show(a, as) : undefined);
      return;
    }
    const bothObjects = (isPlainObject(b) || b == null) && (isPlainObject(a) || a == null) && (isPlainObject(b) || isPlainObject(a) || isPlainObject(unknown));
    if (bothObjects) {
      const keys = new Set<string>();
      for (const container of [b, a, unknown]) if (isPlainObject(container)) for (const key of Object.keys(container)) keys.add(key);
      for (const key of [...keys].sort()) walk(childOf(b, key), childOf(a, key), childOf(unknown, key), childOf(bs, key) as SensitivityMarker, childOf(as, key) as SensitivityMarker, childPath(path, key));
      return;
    }
    const bothArrays = (Array.isArray(b) || b == null) && (Array.isArray(a) || a == null) && (Array.isArray(b) || Array.isArray(a) || Array.isArray(unknown));
    if (bothArrays) {
      const length = Math.max(Array.isArray(b) ? b.length : 0, Array.isArray(a) ? a.length : 0, Array.isArray(unknown) ? unknown.length : 0);
      for (let index = 0; index < length; index += 1) {
        walk(childOf(b, index), childOf(a, index), childOf(unknown, index), childOf(bs, index) as SensitivityMarker, childOf(as, index) as SensitivityMarker, `${path}[${index}]`);
      }
      return;
    }
    const hasAfter = !isEmpty(a);
    if (!hadBefore && !hasAfter) return;
    const beforeText = hadBefore ? show(b, bs) : undefined;
    const afterText = hasAfter ? show(a, as) : undefined;
    if (beforeText !== afterText) push(path, beforeText, afterText);
  };
  walk(before, after, afterUnknown, beforeSensitive, afterSensitive, "");
  return changes;
}

const isEmpty = (value: unknown): boolean =>
  value === null || value === undefined || (Array.isArray(value) && value.length === 0) || (typeof value === "object" && value !== null && Object.keys(value).length === 0);

/** Construct paths by resource address, from a synthesized `cdk.tf.json` (`"//": {"metadata": {"path": ...}}`). */
export function constructPathsFromStack(stack: unknown): Map<string, string> {
  const paths = new Map<string, string>();
  const typed = stack as { resource?: Record<string, Record<string, unknown>>; data?: Record<string, Record<string, unknown>> } | null;
  const add = (prefix: string, blocks: Record<string, Record<string, unknown>> | undefined): void => {
    for (const [type, byName] of Object.entries(blocks ?? {})) {
      for (const [name, body] of Object.entries(byName ?? {})) {
        const path = (body as { "//"?: { metadata?: { path?: unknown } } })?.["//"]?.metadata?.path;
        if (typeof path === "string") paths.set(`${prefix}${type}.${name}`, path);
      }
    }
  };
  add("", typed?.resource);
  add("data.", typed?.data);
  return paths;
}

/** The construct path of a plan address (`count`/`for_each` instance keys are ignored). */
export function constructPathFor(paths: ReadonlyMap<string, string>, address: string): string | undefined {
  return paths.get(address) ?? paths.get(address.replace(/\[[^\]]*\]$/, ""));
}
