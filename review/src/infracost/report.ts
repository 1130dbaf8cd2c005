import { Decimal } from "./decimal";

/** How a resource's cost moves: infracost's diff key (`+` added, `~` changed, `-` removed), or not at all. */
export type CostChange = "added" | "changed" | "removed" | "unchanged";

/** One cost component's change: `Instance usage (Linux/UNIX, on-demand, t2.micro → t2.medium)` +$25.40. */
export interface ComponentChange {
  /** The component's name; a component renamed by the change (another instance type) names both values. */
  readonly name: string;
  readonly before: Decimal | null | undefined;
  readonly after: Decimal | null | undefined;
  /** after − before; null when either is unknown (usage-based without usage). */
  readonly delta: Decimal | null;
}

/** One resource of the new state with its monthly cost and the change against the prior state. */
export interface ResourceCost {
  /** The project's label (see ProjectCost.label). */
  readonly project: string;
  /** Terraform address as infracost prints it, e.g. `aws_instance.web` or `module.db.aws_db_instance.this[0]`. */
  readonly address: string;
  readonly resourceType?: string;
  /** null when infracost could not price it (usage-based without usage, or price not found). */
  readonly monthlyCost: Decimal | null;
  /** The change against the prior state; undefined when the resource did not change. */
  readonly monthlyDelta?: Decimal | null;
  /** True for a resource only in the prior state (it will be destroyed). */
  readonly removed: boolean;
  readonly change: CostChange;
  /** Its monthly cost in the prior state; undefined when it was not there. */
  readonly pastMonthlyCost?: Decimal | null;
  /** The cost component whose change is largest (the reason the resource's cost moves); undefined when none changed. */
  readonly topComponent?: ComponentChange;
}

export interface ProjectDiagnostic {
  readonly code?: number;
  readonly message: string;
}

export interface ProjectCost {
  readonly name: string;
  /** What the comment calls it: its display name, with its path when another project has the same name (terragrunt's dev and prod). */
  readonly label: string;
  readonly path?: string;
  /** infracost reported errors for it: its costs are unknown (null), not zero. */
  readonly failed: boolean;
  readonly monthlyCost: Decimal | null;
  readonly pastMonthlyCost: Decimal | null;
  readonly monthlyDelta: Decimal | null;
  readonly errors: readonly ProjectDiagnostic[];
  readonly warnings: readonly ProjectDiagnostic[];
}

export interface ResourceSummary {
  readonly detected?: number;
  readonly supported?: number;
  readonly unsupported?: number;
  readonly noPrice?: number;
  readonly usageBased?: number;
  /** [resource type, count], largest count first. */
  readonly unsupportedCounts: ReadonlyArray<readonly [string, number]>;
  readonly noPriceCounts: ReadonlyArray<readonly [string, number]>;
}

export interface CostReport {
  /** ISO 4217 code from the JSON, e.g. USD. */
  readonly currency: string;
  /** Why the total is only a lower bound (a failed project, unsupported or unpriced resources); empty when it is complete. */
  readonly lowerBoundReasons: readonly string[];
  readonly monthlyCost: Decimal | null;
  readonly pastMonthlyCost: Decimal | null;
  readonly monthlyDelta: Decimal | null;
  readonly projects: readonly ProjectCost[];
  /** Every priced or unpriced resource of every project, in the JSON's order. */
  readonly resources: readonly ResourceCost[];
  readonly summary: ResourceSummary;
}

/** The infracost JSON is not what `infracost breakdown --format json` prints; the message names the field. */
export class InfracostReportError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = "InfracostReportError";
  }
}

type Json = Record<string, unknown>;

const describe = (value: unknown): string => {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40) ?? ""}`.trim();
};

class Reader {
  constructor(private readonly source: string) {}

  fail(path: string, found: unknown, expected: string): never {
    throw new InfracostReportError(this.source, `${path}: found ${describe(found)}, expected ${expected}`);
  }

  object(value: unknown, path: string): Json {
    if (value === null || typeof value !== "object" || Array.isArray(value)) this.fail(path, value, "an object");
    return value as Json;
  }

  optionalObject(value: unknown, path: string): Json | undefined {
    return value === undefined ? undefined : this.object(value, path);
  }

  array(value: unknown, path: string): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) this.fail(path, value, "an array");
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== "string") this.fail(path, value, "a string");
    return value;
  }

  optionalString(value: unknown, path: string): string | undefined {
    return value === undefined || value === null ? undefined : this.string(value, path);
  }

  optionalCount(value: unknown, path: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) this.fail(path, value, "a non-negative integer");
    return value;
  }

  /** A cost: a decimal string or null (absent counts as null). */
  cost(value: unknown, path: string): Decimal | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== "string") this.fail(path, value, "a decimal string or null");
    const parsed = Decimal.tryParse(value);
    if (!parsed) this.fail(path, value, "a decimal string or null");
    return parsed;
  }

  counts(value: unknown, path: string): Array<readonly [string, number]> {
    const object = this.optionalObject(value, path) ?? {};
    return Object.entries(object)
      .map(([type, count]) => [type, this.optionalCount(count, `${path}.${type}`) ?? 0] as const)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }
}

const sumOrNull = (values: ReadonlyArray<Decimal | null>): Decimal | null =>
  values.length === 0 || values.some((value) => value === null) ? null : values.reduce<Decimal>((total, value) => total.plus(value!), Decimal.ZERO);

function readDiagnostics(reader: Reader, value: unknown, path: string): ProjectDiagnostic[] {
  return reader.array(value, path).map((entry, index) => {
    const diagnostic = reader.object(entry, `${path}[${index}]`);
    const code = diagnostic.code;
    return {
      code: typeof code === "number" ? code : undefined,
      message: reader.string(diagnostic.message, `${path}[${index}].message`),
    };
  });
}

/**
 * Reads the output of `infracost breakdown --format json` (or `diff`).
 * `source` names the file in error messages.
 */
export function parseInfracostReport(text: string, source = "infracost JSON"): CostReport {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ");
    const start = text.trimStart().slice(0, 30);
    throw new InfracostReportError(source, `not valid JSON (${detail}); it starts with ${JSON.stringify(start)}`);
  }
  const reader = new Reader(source);
  const root = reader.object(document, "(root)");
  const projectEntries: unknown[] = Array.isArray(root.projects)
    ? root.projects
    : reader.fail("projects", root.projects, "an array of projects (is this `infracost breakdown --format json` output?)");

  const labels = projectLabels(reader, projectEntries);
  const resources: ResourceCost[] = [];
  const projects = projectEntries.map((entry, index): ProjectCost => {
    const path = `projects[${index}]`;
    const project = reader.object(entry, path);
    const name = reader.optionalString(project.name, `${path}.name`) ?? `project ${index + 1}`;
    const metadata = reader.optionalObject(project.metadata, `${path}.metadata`) ?? {};
    const breakdown = reader.optionalObject(project.breakdown, `${path}.breakdown`);
    const past = reader.optionalObject(project.pastBreakdown, `${path}.pastBreakdown`);
    const diff = reader.optionalObject(project.diff, `${path}.diff`);

    const readResources = (breakdownObject: Json | undefined, breakdownPath: string) =>
      reader.array(breakdownObject?.resources, `${breakdownPath}.resources`).map((resourceEntry, resourceIndex) => {
        const resourcePath = `${breakdownPath}.resources[${resourceIndex}]`;
        const resource = reader.object(resourceEntry, resourcePath);
        return {
          address: reader.string(resource.name, `${resourcePath}.name`),
          resourceType: reader.optionalString(resource.resourceType, `${resourcePath}.resourceType`),
          monthlyCost: reader.cost(resource.monthlyCost, `${resourcePath}.monthlyCost`),
          components: readComponents(reader, resource, resourcePath, ""),
        };
      });
    const label = labels[index]!;
    const failed = readDiagnostics(reader, metadata.errors, `${path}.metadata.errors`).length > 0;
    const current = readResources(breakdown, `${path}.breakdown`);
    const previous = readResources(past, `${path}.pastBreakdown`);
    const previousByAddress = new Map(previous.map((resource) => [resource.address, resource]));
    const deltas = new Map(readResources(diff, `${path}.diff`).map((resource) => [resource.address, resource.monthlyCost]));
    const currentAddresses = new Set(current.map((resource) => resource.address));
    for (const resource of current) {
      const before = previousByAddress.get(resource.address);
      const delta = deltas.has(resource.address) ? deltas.get(resource.address) : before && resource.monthlyCost && before.monthlyCost ? resource.monthlyCost.minus(before.monthlyCost) : undefined;
      const change: CostChange = !before ? (past ? "added" : "unchanged") : delta != null && !delta.round(2).isZero() ? "changed" : "unchanged";
      resources.push({
        project: label,
        address: resource.address,
        resourceType: resource.resourceType,
        monthlyCost: resource.monthlyCost,
        monthlyDelta: change === "added" && delta === undefined ? resource.monthlyCost : delta,
        removed: false,
        change,
        pastMonthlyCost: before?.monthlyCost,
        topComponent: change === "unchanged" ? undefined : topComponentChange(before?.components ?? [], resource.components),
      });
    }
    for (const resource of previous) {
      if (currentAddresses.has(resource.address)) continue;
      resources.push({
        project: label,
        address: resource.address,
        resourceType: resource.resourceType,
        monthlyCost: Decimal.ZERO,
        monthlyDelta: deltas.get(resource.address) ?? (resource.monthlyCost === null ? null : Decimal.ZERO.minus(resource.monthlyCost)),
        removed: true,
        change: "removed",
        pastMonthlyCost: resource.monthlyCost,
        topComponent: topComponentChange(resource.components, []),
      });
    }

    const monthlyCost = breakdown ? reader.cost(breakdown.totalMonthlyCost, `${path}.breakdown.totalMonthlyCost`) : null;
    const pastMonthlyCost = past ? reader.cost(past.totalMonthlyCost, `${path}.pastBreakdown.totalMonthlyCost`) : null;
    const diffMonthly = diff ? reader.cost(diff.totalMonthlyCost, `${path}.diff.totalMonthlyCost`) : null;
    // A project infracost could not estimate reports 0: unknown, not free.
    return {
      name,
      label,
      failed,
      path: reader.optionalString(metadata.path, `${path}.metadata.path`),
      monthlyCost: failed ? null : monthlyCost,
      pastMonthlyCost: failed ? null : pastMonthlyCost,
      monthlyDelta: failed ? null : (diffMonthly ?? (monthlyCost && pastMonthlyCost ? monthlyCost.minus(pastMonthlyCost) : null)),
      errors: readDiagnostics(reader, metadata.errors, `${path}.metadata.errors`),
      warnings: readDiagnostics(reader, metadata.warnings, `${path}.metadata.warnings`),
    };
  });

  // An explicit null means infracost could not total it; only an absent field is derived from the projects.
  const monthlyCost =
    root.totalMonthlyCost === undefined ? sumOrNull(projects.map((project) => project.monthlyCost)) : reader.cost(root.totalMonthlyCost, "totalMonthlyCost");
  const pastMonthlyCost =
    root.pastTotalMonthlyCost === undefined
      ? sumOrNull(projects.map((project) => project.pastMonthlyCost))
      : reader.cost(root.pastTotalMonthlyCost, "pastTotalMonthlyCost");
  const diffMonthly = reader.cost(root.diffTotalMonthlyCost, "diffTotalMonthlyCost");
  const summary = reader.optionalObject(root.summary, "summary") ?? {};
  const currency = reader.optionalString(root.currency, "currency") ?? "USD";
  if (!/^[A-Za-z]{3}$/.test(currency)) reader.fail("currency", currency, "a three-letter ISO 4217 code such as USD");

  const failedCount = projects.filter((project) => project.failed).length;
  const unsupported = reader.optionalCount(summary.totalUnsupportedResources, "summary.totalUnsupportedResources") ?? 0;
  const unpriced = resources.filter((resource) => !resource.removed && resource.monthlyCost === null).length;
  const lowerBoundReasons = [
    failedCount > 0 ? `${failedCount} project${failedCount === 1 ? "" : "s"} could not be estimated` : "",
    unsupported > 0 ? `${unsupported} resource${unsupported === 1 ? " is" : "s are"} not supported by infracost` : "",
    unpriced > 0 ? `${unpriced} resource${unpriced === 1 ? " has" : "s have"} usage-based costs without usage` : "",
  ].filter(Boolean);
  return {
    currency: currency.toUpperCase(),
    lowerBoundReasons,
    monthlyCost,
    pastMonthlyCost,
    monthlyDelta: diffMonthly ?? (monthlyCost && pastMonthlyCost ? monthlyCost.minus(pastMonthlyCost) : null),
    projects,
    resources,
    summary: {
      detected: reader.optionalCount(summary.totalDetectedResources ?? summary.totalResources, "summary.totalDetectedResources"),
      supported: reader.optionalCount(summary.totalSupportedResources, "summary.totalSupportedResources"),
      unsupported: reader.optionalCount(summary.totalUnsupportedResources, "summary.totalUnsupportedResources"),
      noPrice: reader.optionalCount(summary.totalNoPriceResources, "summary.totalNoPriceResources"),
      usageBased: reader.optionalCount(summary.totalUsageBasedResources, "summary.totalUsageBasedResources"),
      unsupportedCounts: reader.counts(summary.unsupportedResourceCounts, "summary.unsupportedResourceCounts"),
      noPriceCounts: reader.counts(summary.noPriceResourceCounts, "summary.noPriceResourceCounts"),
    },
  };
}

/** Each project's label: its display name (else name), with its path when another project has the same one. */
function projectLabels(reader: Reader, entries: readonly unknown[]): string[] {
  const base = entries.map((entry, index) => {
    const project = reader.object(entry, `projects[${index}]`);
    const name = reader.optionalString(project.name, `projects[${index}].name`) ?? `project ${index + 1}`;
    const metadata = reader.optionalObject(project.metadata, `projects[${index}].metadata`) ?? {};
    return {
      label: reader.optionalString(project.displayName, `projects[${index}].displayName`) ?? name,
      path: reader.optionalString(metadata.path, `projects[${index}].metadata.path`) ?? `project ${index + 1}`,
    };
  });
  const counts = new Map<string, number>();
  for (const { label } of base) counts.set(label, (counts.get(label) ?? 0) + 1);
  return base.map(({ label, path }) => ((counts.get(label) ?? 0) > 1 && path !== label ? `${label} (${path})` : label));
}

interface Component {
  readonly name: string;
  readonly monthlyCost: Decimal | null;
}

/** A resource's cost components, its subresources' prefixed with their name: `root_block_device › Storage (gp2)`. */
function readComponents(reader: Reader, resource: Json, path: string, prefix: string): Component[] {
  const components = reader.array(resource.costComponents, `${path}.costComponents`).map((entry, index) => {
    const component = reader.object(entry, `${path}.costComponents[${index}]`);
    return {
      name: `${prefix}${reader.string(component.name, `${path}.costComponents[${index}].name`)}`,
      monthlyCost: reader.cost(component.monthlyCost, `${path}.costComponents[${index}].monthlyCost`),
    };
  });
  reader.array(resource.subresources, `${path}.subresources`).forEach((entry, index) => {
    const sub = reader.object(entry, `${path}.subresources[${index}]`);
    const name = reader.optionalString(sub.name, `${path}.subresources[${index}].name`) ?? `subresource ${index + 1}`;
    components.push(...readComponents(reader, sub, `${path}.subresources[${index}]`, `${prefix}${name} › `));
  });
  return components;
}

/** `Instance usage (Linux/UNIX, on-demand, t2.micro)` → `Instance usage`, and the parts in brackets. */
const splitName = (name: string): { base: string; parts: string[] } => {
  const match = /^(.*?) \((.*)\)$/.exec(name);
  return match ? { base: match[1]!, parts: match[2]!.split(", ") } : { base: name, parts: [] };
};

/** One name for a component renamed by the change: the differing bracketed parts as `before → after`. */
function renamed(before: string, after: string): string {
  const a = splitName(before);
  const b = splitName(after);
  if (a.parts.length !== b.parts.length) return `${before} → ${after}`;
  return `${b.base} (${b.parts.map((part, index) => (part === a.parts[index] ? part : `${a.parts[index]} → ${part}`)).join(", ")})`;
}

/**
 * The component whose monthly cost moves most between the prior and the new
 * state. Components are matched by name, as infracost's diff does; one that
 * exists on each side only under another bracketed detail (another instance
 * type, another storage class) is the same component renamed.
 */
function topComponentChange(before: readonly Component[], after: readonly Component[]): ComponentChange | undefined {
  const changes: ComponentChange[] = [];
  const unmatchedBefore = new Map(before.map((component) => [component.name, component]));
  const unmatchedAfter: Component[] = [];
  for (const component of after) {
    const previous = unmatchedBefore.get(component.name);
    if (previous) {
      unmatchedBefore.delete(component.name);
      changes.push(componentChange(component.name, previous.monthlyCost, component.monthlyCost));
    } else unmatchedAfter.push(component);
  }
  for (const component of unmatchedAfter) {
    const base = splitName(component.name).base;
    const previous = [...unmatchedBefore.values()].find((candidate) => splitName(candidate.name).base === base);
    if (previous) {
      unmatchedBefore.delete(previous.name);
      changes.push(componentChange(renamed(previous.name, component.name), previous.monthlyCost, component.monthlyCost));
    } else changes.push(componentChange(component.name, undefined, component.monthlyCost));
  }
  for (const component of unmatchedBefore.values()) changes.push(componentChange(component.name, component.monthlyCost, undefined));
  const magnitude = (change: ComponentChange) => change.delta?.abs() ?? Decimal.ZERO;
  const moved = changes.filter((change) => change.delta === null || !change.delta.round(2).isZero());
  return moved.sort((a, b) => magnitude(b).compare(magnitude(a)))[0];
}

function componentChange(name: string, before: Decimal | null | undefined, after: Decimal | null | undefined): ComponentChange {
  const delta = before === null || after === null ? null : (after ?? Decimal.ZERO).minus(before ?? Decimal.ZERO);
  return { name, before, after, delta };
}
