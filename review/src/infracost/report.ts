import { Decimal } from "./decimal";

/** One resource of the new state with its monthly cost and the change against the prior state. */
export interface ResourceCost {
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
}

export interface ProjectDiagnostic {
  readonly code?: number;
  readonly message: string;
}

export interface ProjectCost {
  readonly name: string;
  readonly path?: string;
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
        };
      });
    const current = readResources(breakdown, `${path}.breakdown`);
    const previous = readResources(past, `${path}.pastBreakdown`);
    const deltas = new Map(readResources(diff, `${path}.diff`).map((resource) => [resource.address, resource.monthlyCost]));
    const currentAddresses = new Set(current.map((resource) => resource.address));
    for (const resource of current) {
      resources.push({ project: name, ...resource, monthlyDelta: deltas.get(resource.address), removed: false });
    }
    for (const resource of previous) {
      if (currentAddresses.has(resource.address)) continue;
      resources.push({
        project: name,
        address: resource.address,
        resourceType: resource.resourceType,
        monthlyCost: Decimal.ZERO,
        monthlyDelta: deltas.get(resource.address) ?? (resource.monthlyCost === null ? null : Decimal.ZERO.minus(resource.monthlyCost)),
        removed: true,
      });
    }

    const monthlyCost = breakdown ? reader.cost(breakdown.totalMonthlyCost, `${path}.breakdown.totalMonthlyCost`) : null;
    const pastMonthlyCost = past ? reader.cost(past.totalMonthlyCost, `${path}.pastBreakdown.totalMonthlyCost`) : null;
    const diffMonthly = diff ? reader.cost(diff.totalMonthlyCost, `${path}.diff.totalMonthlyCost`) : null;
    return {
      name,
      path: reader.optionalString(metadata.path, `${path}.metadata.path`),
      monthlyCost,
      pastMonthlyCost,
      monthlyDelta: diffMonthly ?? (monthlyCost && pastMonthlyCost ? monthlyCost.minus(pastMonthlyCost) : null),
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

  return {
    currency: currency.toUpperCase(),
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
