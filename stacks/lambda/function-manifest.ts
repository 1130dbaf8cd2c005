/**
 * What each Lambda function needs from the platform, declared next to its
 * handler. The stack derives the function's environment variables, its
 * least-privilege policy and its trigger from this one place, so code and
 * permissions cannot drift apart. Keep this file free of provider imports:
 * handlers' tests import manifests too.
 */
import type { DatabaseTiming } from "./shared/connect-budget";

/** Platform resources a function can be bound to. */
export type PlatformResource =
  | "ingestionBucket"
  | "analyticsBucket"
  | "archivalBucket"
  | "sessionsTable"
  | "apiKeysTable"
  | "database"
  | "alertsTopic";

/**
 * What the function may do with a resource; the stack maps each level to the
 * narrowest IAM actions on that resource's exact ARN (plus its KMS key).
 * - `read`/`write`/`readWrite`: objects or items
 * - `publish`: SNS publish
 * - `connect`: database credentials secret (read) and network access on 5432
 */
export type AccessLevel = "read" | "write" | "readWrite" | "publish" | "connect";

/** An environment variable's value: an attribute of a platform resource, or a literal. */
export type EnvironmentBinding =
  | { readonly resource: "ingestionBucket" | "analyticsBucket" | "archivalBucket"; readonly attribute: "name" }
  | { readonly resource: "sessionsTable" | "apiKeysTable"; readonly attribute: "name" }
  | { readonly resource: "alertsTopic"; readonly attribute: "arn" }
  | {
      readonly resource: "database";
      readonly attribute: "writerEndpoint" | "readerEndpoint" | "port" | "databaseName" | "secretArn" | "username";
    }
  | { readonly value: string };

export type FunctionTrigger =
  /** API Gateway Lambda proxy routes, e.g. `{ method: "POST", path: "/v1/trades" }`. */
  | { readonly kind: "api"; readonly routes: readonly { readonly method: "GET" | "POST" | "PUT" | "DELETE"; readonly path: string }[] }
  /** S3 object-created notifications on a bucket, optionally filtered by key prefix/suffix. */
  | { readonly kind: "s3ObjectCreated"; readonly bucket: "ingestionBucket"; readonly prefix?: string; readonly suffix?: string }
  /** CloudWatch Logs subscription target for the other functions' log groups. */
  | { readonly kind: "logSubscription" }
  /** Invoked once per apply by Terraform (aws_lambda_invocation), e.g. migrations. */
  | { readonly kind: "deployInvocation" };

export interface FunctionManifest {
  /** The handler's folder name under stacks/lambda/; also part of the function name. */
  readonly name: string;
  readonly description: string;
  /** MB; Lambda bills memory × time, so keep it as small as the benchmark allows. */
  readonly memorySize: number;
  /** Seconds. */
  readonly timeout: number;
  /** Whether the function runs inside the VPC's private subnets (true for anything that reaches Aurora). */
  readonly inVpc: boolean;
  readonly environment: Readonly<Record<string, EnvironmentBinding>>;
  readonly access: readonly { readonly resource: PlatformResource; readonly level: AccessLevel }[];
  readonly trigger: FunctionTrigger;
  /** Reserved concurrency; omitted means the account's unreserved pool. */
  readonly reservedConcurrency?: number;
  /**
   * Required with `connect` access to the database: its statement timeout and
   * the time it keeps back after connecting. The stack checks that `timeout`
   * leaves room to wait out an Aurora resume (stacks/lambda/shared/connect-budget.ts).
   */
  readonly database?: DatabaseTiming;
}
