import { z } from "zod";
import { type FunctionManifest, PLATFORM_RESOURCES, type PlatformResource } from "../lambda/function-manifest";
import { apiTimeoutProblems, timingProblems } from "../lambda/shared/connect-budget";
import { ConfigurationError } from "./configuration-error";
import { describeIssue } from "./describe-issue";

/**
 * What the manifest types (stacks/lambda/function-manifest.ts) cannot say:
 * number ranges, name patterns, and how a function's timeout fits the
 * database and API Gateway (checked once the manifest is valid). The
 * resources, attributes, levels and trigger kinds the types allow are checked
 * again, from the same table, because synth bundles manifests without type
 * checking: a mistake still stops synth with the function, the field, the
 * value and the allowed values.
 */

const quoted = (values: Iterable<string>): string => [...values].map((value) => `"${value}"`).join(", ");

const resourceNames = Object.keys(PLATFORM_RESOURCES) as PlatformResource[];
const resourceName = z.enum(resourceNames, { error: `one of ${quoted(resourceNames)}` });
const attributesOf = (resource: PlatformResource): readonly string[] => PLATFORM_RESOURCES[resource].attributes;
const levelsOf = (resource: PlatformResource): readonly string[] => PLATFORM_RESOURCES[resource].levels;
const objectCreatedTriggerBuckets = resourceNames.filter((resource) => "objectCreatedTrigger" in PLATFORM_RESOURCES[resource]);

/** A whole number from `min` to `max` (one message for any way of missing it). */
const wholeNumber = (min: number, max: number, expected: string) =>
  z.number().refine((value) => Number.isInteger(value) && value >= min && value <= max, { message: expected });

/** `{ value }`, or `{ resource, attribute }` with an attribute that resource has. */
const environmentBinding = z
  .object({ value: z.string().optional(), resource: resourceName.optional(), attribute: z.string().optional() })
  .strict()
  .superRefine((binding, context) => {
    if (binding.value !== undefined) {
      if (binding.resource !== undefined || binding.attribute !== undefined) {
        context.addIssue({ code: "custom", path: [], input: binding, message: "either { value } or { resource, attribute }, not both" });
      }
    } else if (binding.resource === undefined) {
      context.addIssue({ code: "custom", path: ["resource"], input: undefined, message: `one of ${quoted(resourceNames)}` });
    } else if (binding.attribute === undefined || !attributesOf(binding.resource).includes(binding.attribute)) {
      context.addIssue({ code: "custom", path: ["attribute"], input: binding.attribute, message: `one of ${quoted(attributesOf(binding.resource))} for ${binding.resource}` });
    }
  });

const resourceAccess = z
  .object({ resource: resourceName, level: z.string() })
  .strict()
  .superRefine((access, context) => {
    if (!levelsOf(access.resource).includes(access.level)) {
      context.addIssue({ code: "custom", path: ["level"], input: access.level, message: `one of ${quoted(levelsOf(access.resource))} for ${access.resource}` });
    }
  });

const triggers = [
  z
    .object({
      kind: z.literal("api"),
      routes: z.array(z.object({ method: z.string(), path: z.string() }).strict()).min(1, "at least one route"),
    })
    .strict(),
  z
    .object({
      kind: z.literal("s3ObjectCreated"),
      bucket: z.enum(objectCreatedTriggerBuckets, { error: `one of ${quoted(objectCreatedTriggerBuckets)}` }),
      prefix: z.string().optional(),
      suffix: z.string().optional(),
    })
    .strict(),
  z.object({ kind: z.literal("logSubscription") }).strict(),
  z.object({ kind: z.literal("deployInvocation") }).strict(),
] as const;
const trigger = z.discriminatedUnion("kind", [...triggers], { error: `one of ${quoted(triggers.map((option) => option.shape.kind.value))}` });

const databaseTiming = z
  .object({
    statementTimeoutMs: wholeNumber(1, Number.MAX_SAFE_INTEGER, "whole milliseconds ≥ 1"),
    reserveMs: z.number(),
  })
  .strict()
  .superRefine((timing, context) => {
    if (!Number.isInteger(timing.reserveMs) || timing.reserveMs < timing.statementTimeoutMs) {
      context.addIssue({
        code: "custom",
        path: ["reserveMs"],
        input: timing.reserveMs,
        message: `whole milliseconds ≥ database.statementTimeoutMs (${timing.statementTimeoutMs}), so a statement fits after connecting`,
      });
    }
  });

const MIN_MEMORY_MB = 128;
const MAX_MEMORY_MB = 10240;
const MAX_TIMEOUT_S = 900;

export const functionManifestSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, "lower-case letters, digits and -, starting with a letter (at most 41)"),
    description: z.string(),
    memorySize: wholeNumber(MIN_MEMORY_MB, MAX_MEMORY_MB, `whole MB between ${MIN_MEMORY_MB} and ${MAX_MEMORY_MB}`),
    timeout: wholeNumber(1, MAX_TIMEOUT_S, `whole seconds between 1 and ${MAX_TIMEOUT_S}`),
    inVpc: z.boolean(),
    environment: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a variable name of letters, digits and _"), environmentBinding),
    access: z.array(resourceAccess),
    trigger,
    reservedConcurrency: wholeNumber(0, Number.MAX_SAFE_INTEGER, "a whole number ≥ 0").optional(),
    database: databaseTiming.optional(),
  })
  .strict()
  .superRefine((manifest, context) => {
    const connects = manifest.access.findIndex((access) => access.resource === "database" && access.level === "connect");
    if (connects === -1) {
      // Timing without a connection would be checked against nothing: say so instead of ignoring it.
      if (manifest.database !== undefined) {
        context.addIssue({ code: "custom", path: ["database"], input: manifest.database, message: 'nothing: it is the timing of database connections, and no access[] entry is { resource: "database", level: "connect" }' });
      }
      return;
    }
    if (manifest.inVpc !== true) {
      context.addIssue({
        code: "custom",
        path: ["inVpc"],
        input: manifest.inVpc,
        message: `true because access[${connects}] connects to the database, which only admits traffic inside the VPC`,
      });
    }
    if (manifest.database === undefined) {
      context.addIssue({ code: "custom", path: ["database"], input: undefined, message: "{ statementTimeoutMs, reserveMs } because the function connects to the database" });
    }
  });

/**
 * How a valid manifest's timeout fits API Gateway's 29 s and, with database
 * access, an Aurora resume (stacks/lambda/shared/connect-budget.ts, which the
 * handlers' connect budget shares).
 */
function timeoutProblems(manifest: FunctionManifest): string[] {
  const behindApiGateway = manifest.trigger.kind === "api";
  if (manifest.database !== undefined && manifest.access.some((access) => access.resource === "database" && access.level === "connect")) {
    return timingProblems({ timeout: manifest.timeout, behindApiGateway, database: manifest.database });
  }
  return behindApiGateway ? apiTimeoutProblems(manifest.timeout) : [];
}

/** Thrown when a manifest is invalid or names something the platform does not have; lists every problem. */
export class ManifestError extends ConfigurationError {
  constructor(problems: readonly string[]) {
    super("Invalid Lambda function manifests", problems);
  }
}

/** Where a manifest's problems are reported: the function and its file. */
const manifestLocation = (name: unknown): string => `Lambda function ${JSON.stringify(name)} (stacks/lambda/${String(name)}/manifest.ts)`;

/** Checks every manifest, and what manifests must agree on, before any resource is created; throws one error listing every problem. */
export function validateManifests(manifests: readonly FunctionManifest[]): void {
  const problems: string[] = [];
  const names = new Set<unknown>();
  let logSubscriptionTargets = 0;
  for (const manifest of manifests) {
    const where = manifestLocation(manifest.name);
    const result = functionManifestSchema.safeParse(manifest, { reportInput: true });
    if (!result.success) problems.push(...result.error.issues.map((issue) => describeIssue(where, issue)));
    // A function that cannot wait out an Aurora resume fails its first invocation after every pause.
    else problems.push(...timeoutProblems(manifest).map((problem) => `${where}: ${problem}`));
    if (names.has(manifest.name)) problems.push(`${where}: name: another manifest already uses it`);
    names.add(manifest.name);
    if (manifest.trigger?.kind === "logSubscription" && ++logSubscriptionTargets > 1) {
      problems.push(`${where}: trigger.kind: only one function may be the logSubscription target`);
    }
  }
  if (problems.length > 0) throw new ManifestError(problems);
}
