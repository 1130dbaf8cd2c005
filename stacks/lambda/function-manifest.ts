/**
 * What each Lambda function needs from the platform, declared next to its
 * handler. The stack derives the function's environment variables, its
 * least-privilege policy and its trigger from this one place, so code and
 * permissions cannot drift apart. Keep this file free of provider imports:
 * handlers' tests import manifests too, and handlers bundle their own
 * manifest (manifests import this file's types only).
 */
import type { DatabaseTiming } from "./shared/connect-budget";

/**
 * Every platform resource a manifest can name: the attributes an environment
 * variable can hold, and the levels of access it grants. The stack maps each
 * level to the narrowest IAM actions on that resource's exact ARN (plus its
 * KMS key):
 * - `read`/`write`/`readWrite`: objects or items
 * - `publish`: SNS publish
 * - `connect`: database credentials secret (read) and network access on 5432
 *
 * The manifest types below are derived from this table, so a manifest naming
 * another resource, attribute or level does not compile; data-pipeline.ts
 * binds exactly these (TypeScript checks that too), and
 * stacks/config/function-manifest-schema.ts checks them again at synth time,
 * which bundles without type checking.
 */
export const PLATFORM_RESOURCES = {
  ingestionBucket: { attributes: ["name"], levels: ["read", "write", "readWrite"], objectCreatedTrigger: true },
  analyticsBucket: { attributes: ["name"], levels: ["read", "write", "readWrite"] },
  archivalBucket: { attributes: ["name"], levels: ["read", "write", "readWrite"] },
  sessionsTable: { attributes: ["name"], levels: ["read", "write", "readWrite"] },
  apiKeysTable: { attributes: ["name"], levels: ["read", "write", "readWrite"] },
  database: { attributes: ["writerEndpoint", "readerEndpoint", "port", "databaseName", "secretArn", "username"], levels: ["connect"] },
  alertsTopic: { attributes: ["arn"], levels: ["publish"] },
} as const;

type Catalog = typeof PLATFORM_RESOURCES;

/** Platform resources a function can be bound to. */
export type PlatformResource = keyof Catalog;
/** The attributes of resource `R` an environment variable can hold. */
export type AttributeOf<R extends PlatformResource> = Catalog[R]["attributes"][number];
/** The levels of access resource `R` grants. */
export type AccessLevelOf<R extends PlatformResource> = Catalog[R]["levels"][number];
/** The buckets whose new objects can trigger a function. */
export type ObjectCreatedTriggerBucket = { [R in PlatformResource]: Catalog[R] extends { readonly objectCreatedTrigger: true } ? R : never }[PlatformResource];

/** An attribute of one platform resource, e.g. `{ resource: "database", attribute: "readerEndpoint" }`. */
export type ResourceAttribute<R extends PlatformResource = PlatformResource> = {
  [P in R]: { readonly resource: P; readonly attribute: AttributeOf<P> };
}[R];

/** An environment variable's value: an attribute of a platform resource, or a literal. */
export type EnvironmentBinding = ResourceAttribute | { readonly value: string };

/** A level of access to one platform resource, e.g. `{ resource: "alertsTopic", level: "publish" }`. */
export type ResourceAccess<R extends PlatformResource = PlatformResource> = {
  [P in R]: { readonly resource: P; readonly level: AccessLevelOf<P> };
}[R];

/** Access to any resource but the database. */
export type AccessOutsideTheDatabase = ResourceAccess<Exclude<PlatformResource, "database">>;

export type FunctionTrigger =
  /** API Gateway Lambda proxy routes (at least one), e.g. `{ method: "POST", path: "/v1/trades" }`. */
  | {
      readonly kind: "api";
      readonly routes: readonly [ApiRouteDeclaration, ...ApiRouteDeclaration[]];
    }
  /** S3 object-created notifications on a bucket, optionally filtered by key prefix/suffix. */
  | { readonly kind: "s3ObjectCreated"; readonly bucket: ObjectCreatedTriggerBucket; readonly prefix?: string; readonly suffix?: string }
  /** CloudWatch Logs subscription target for the other functions' log groups. */
  | { readonly kind: "logSubscription" }
  /** Invoked once per apply by Terraform (aws_lambda_invocation), e.g. migrations. */
  | { readonly kind: "deployInvocation" };

export interface ApiRouteDeclaration {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  readonly path: string;
}

interface ManifestFields {
  /** The handler's folder name under stacks/lambda/; also part of the function name. */
  readonly name: string;
  readonly description: string;
  /** MB, 128 to 10240; Lambda bills memory × time, so keep it as small as the benchmark allows. */
  readonly memorySize: number;
  /** Seconds, 1 to 900 (at most 28 behind the API). */
  readonly timeout: number;
  /** Variable names of letters, digits and `_`. */
  readonly environment: Readonly<Record<string, EnvironmentBinding>>;
  readonly trigger: FunctionTrigger;
  /** Reserved concurrency; omitted means the account's unreserved pool. */
  readonly reservedConcurrency?: number;
}

/**
 * A function with `connect` access to the database: it runs in the VPC (the
 * database admits nothing from outside) and declares its statement timeout
 * and the time it keeps back after connecting. Synth checks that `timeout`
 * leaves room to wait out an Aurora resume (stacks/lambda/shared/connect-budget.ts).
 */
export interface DatabaseClientManifest extends ManifestFields {
  readonly inVpc: true;
  readonly access: readonly ResourceAccess[];
  readonly database: DatabaseTiming;
}

/** A function without database access, inside the VPC or not. */
export interface NonDatabaseManifest extends ManifestFields {
  /** Whether the function runs inside the VPC's private subnets. */
  readonly inVpc: boolean;
  readonly access: readonly AccessOutsideTheDatabase[];
  readonly database?: undefined;
}

/**
 * A function's manifest. Database access without `inVpc: true` and
 * `database` timing does not compile: it matches neither form.
 */
export type FunctionManifest = DatabaseClientManifest | NonDatabaseManifest;
