import { Construct } from "constructs";
import { CloudwatchLogSubscriptionFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-subscription-filter";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { ITerraformDependable } from "cdktf";
import type { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketNotification, type S3BucketNotificationLambdaFunction } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import type { FunctionManifest } from "../lambda/function-manifest";
import { apiTimeoutProblems, timingProblems } from "../lambda/shared/connect-budget";
import type { LambdaArtifactSource } from "../lambda-artifacts";
import type { Alerting } from "./alerting";
import type { AwsAccount } from "./aws-account";
import type { Database } from "./database";
import type { EncryptionKeys } from "./encryption-keys";
import type { Grantable } from "./grants";
import { PlatformFunction } from "./lambda-function";
import type { Network } from "./network";
import type { PermissionsBoundary } from "./permissions-boundary";
import type { ApiRoute } from "./rest-api";
import type { Tables } from "./tables";
import { ConfigurationError } from "../config/configuration-error";

/** A bucket functions can be bound to (storage.ts's buckets). */
export interface PipelineBucket {
  readonly bucket: S3Bucket;
  grantRead(grantee: Grantable): void;
  grantWrite(grantee: Grantable): void;
  grantReadWrite(grantee: Grantable): void;
}

export interface DataPipelineProps {
  readonly environmentSuffix: string;
  readonly account: AwsAccount;
  readonly logRetentionInDays: number;
  readonly keys: EncryptionKeys;
  readonly network: Network;
  readonly database: Database;
  readonly tables: Tables;
  readonly buckets: { readonly ingestion: PipelineBucket; readonly analytics: PipelineBucket; readonly archival: PipelineBucket };
  readonly alerting: Alerting;
  /** Supplies each function's bundled code. */
  readonly artifacts: LambdaArtifactSource;
  /** One function per manifest (`stacks/lambda/manifests.ts`). */
  readonly manifests: readonly FunctionManifest[];
  /** Bounds every function's role (`workloadBoundaryOf(account)`). */
  readonly permissionsBoundary: PermissionsBoundary;
}

/**
 * Which log lines reach the alert forwarder. Our logger writes JSON lines with
 * `"level":"ERROR"`; the Node.js runtime writes `ERROR` for unhandled
 * exceptions and `Task timed out` for timeouts. The forwarder filters again
 * precisely; this only keeps it from being invoked for every INFO line.
 */
export const ALERT_FILTER_PATTERN = '?ERROR ?FATAL ?CRITICAL ?"Task timed out" ?"Runtime exited"';

/** Thrown when a manifest names something the platform does not have; lists every problem. */
export class ManifestError extends ConfigurationError {
  constructor(problems: readonly string[]) {
    super("Invalid Lambda function manifests", problems);
  }
}

type Binder = (grantee: Grantable) => void;

/**
 * The Lambda functions of the data pipeline, built from their manifests:
 * each manifest's environment bindings become variables holding the bound
 * resources' attributes, its access levels become those resources' grants,
 * and its trigger becomes S3 notifications, log subscriptions, a deploy-time
 * invocation, or API routes (returned in `apiRoutes` for the REST API).
 */
export class DataPipeline extends Construct {
  readonly functions: PlatformFunction[] = [];
  readonly apiRoutes: ApiRoute[] = [];

  constructor(scope: Construct, id: string, props: DataPipelineProps) {
    super(scope, id);
    const { database, tables, buckets, alerting, account } = props;

    const attributes: Record<string, Record<string, () => string>> = {
      ingestionBucket: { name: () => buckets.ingestion.bucket.bucket },
      analyticsBucket: { name: () => buckets.analytics.bucket.bucket },
      archivalBucket: { name: () => buckets.archival.bucket.bucket },
      sessionsTable: { name: () => tables.sessions.table.name },
      apiKeysTable: { name: () => tables.apiKeys.table.name },
      alertsTopic: { arn: () => alerting.topic.arn },
      database: {
        writerEndpoint: () => database.writerEndpoint,
        readerEndpoint: () => database.readerEndpoint,
        port: () => String(database.port),
        databaseName: () => database.databaseName,
        secretArn: () => database.masterSecretArn,
        username: () => database.masterUsername,
      },
    };
    const bucketGrants = (bucket: PipelineBucket): Record<string, Binder> => ({
      read: (grantee) => bucket.grantRead(grantee),
      write: (grantee) => bucket.grantWrite(grantee),
      readWrite: (grantee) => bucket.grantReadWrite(grantee),
    });
    const grants: Record<string, Record<string, Binder>> = {
      ingestionBucket: bucketGrants(buckets.ingestion),
      analyticsBucket: bucketGrants(buckets.analytics),
      archivalBucket: bucketGrants(buckets.archival),
      sessionsTable: {
        read: (grantee) => tables.sessions.grantRead(grantee),
        write: (grantee) => tables.sessions.grantWrite(grantee),
        readWrite: (grantee) => tables.sessions.grantReadWrite(grantee),
      },
      apiKeysTable: {
        read: (grantee) => tables.apiKeys.grantRead(grantee),
        write: (grantee) => tables.apiKeys.grantWrite(grantee),
        readWrite: (grantee) => tables.apiKeys.grantReadWrite(grantee),
      },
      // Also puts the function in the database client security group: only
      // functions with this access level can reach Aurora on 5432.
      database: { connect: (grantee) => database.grantConnect(grantee) },
      alertsTopic: { publish: (grantee) => alerting.grantPublish(grantee) },
    };
    const notifiableBuckets: Record<string, PipelineBucket> = { ingestionBucket: buckets.ingestion };

    validateManifests(props.manifests, attributes, grants, notifiableBuckets);

    for (const manifest of props.manifests) {
      const fn = new PlatformFunction(this, manifest.name, {
        manifest,
        artifact: props.artifacts.artifactFor(manifest.name),
        environmentSuffix: props.environmentSuffix,
        account,
        environmentKey: props.keys.lambda,
        logsKey: props.keys.logs,
        logRetentionInDays: props.logRetentionInDays,
        permissionsBoundary: props.permissionsBoundary,
        environmentVariables: Object.fromEntries(
          Object.entries(manifest.environment).map(([name, binding]) => [
            name,
            "value" in binding ? binding.value : attributes[binding.resource][binding.attribute](),
          ]),
        ),
        vpc: manifest.inVpc
          ? {
              subnets: props.network.privateSubnets,
              securityGroups: [props.network.lambdaSecurityGroup],
              securityGroupOnDestroy: props.network.defaultSecurityGroup,
            }
          : undefined,
      });
      for (const access of manifest.access) grants[access.resource][access.level](fn);
      this.functions.push(fn);
    }

    const notifications = new Map<string, S3BucketNotificationLambdaFunction[]>();
    const notificationPermissions = new Map<string, LambdaPermission[]>();
    for (const fn of this.functions) {
      const { trigger } = fn.manifest;
      switch (trigger.kind) {
        case "api":
          for (const route of trigger.routes) this.apiRoutes.push({ method: route.method, path: route.path, handler: fn });
          break;
        case "s3ObjectCreated": {
          const bucket = notifiableBuckets[trigger.bucket].bucket;
          const permission = new LambdaPermission(this, `${fn.manifest.name}-s3-invoke`, {
            statementId: "s3-object-created",
            action: "lambda:InvokeFunction",
            functionName: fn.function.functionName,
            principal: `s3.${account.dnsSuffix}`,
            sourceArn: bucket.arn,
            // Bucket ARNs carry no account id; this stops a same-named bucket elsewhere invoking us.
            sourceAccount: account.accountId,
          });
          notifications.set(trigger.bucket, [
            ...(notifications.get(trigger.bucket) ?? []),
            {
              lambdaFunctionArn: fn.arn,
              events: ["s3:ObjectCreated:*"],
              filterPrefix: trigger.prefix,
              filterSuffix: trigger.suffix,
            },
          ]);
          notificationPermissions.set(trigger.bucket, [...(notificationPermissions.get(trigger.bucket) ?? []), permission]);
          // S3 invokes asynchronously: after Lambda's retries an event would be
          // dropped silently, so it goes to the alert topic (which names the object).
          // A manifest that publishes to the topic itself already has this grant.
          if (!fn.manifest.access.some((access) => access.resource === "alertsTopic" && access.level === "publish")) alerting.grantPublish(fn);
          new LambdaFunctionEventInvokeConfig(this, `${fn.manifest.name}-async`, {
            functionName: fn.function.functionName,
            maximumRetryAttempts: 2,
            maximumEventAgeInSeconds: 6 * 3600,
            destinationConfig: { onFailure: { destination: alerting.topic.arn } },
          });
          break;
        }
        case "logSubscription":
          for (const source of this.functions.filter((other) => other !== fn)) {
            const permission = new LambdaPermission(this, `${fn.manifest.name}-logs-from-${source.manifest.name}`, {
              statementId: `logs-${source.manifest.name}`,
              action: "lambda:InvokeFunction",
              functionName: fn.function.functionName,
              principal: `logs.${account.region}.${account.dnsSuffix}`,
              sourceArn: `${source.logGroup.logGroup.arn}:*`,
              sourceAccount: account.accountId,
            });
            new CloudwatchLogSubscriptionFilter(this, `${source.manifest.name}-to-${fn.manifest.name}`, {
              name: `${fn.functionName}`,
              logGroupName: source.logGroup.logGroup.name,
              destinationArn: fn.arn,
              filterPattern: ALERT_FILTER_PATTERN,
              dependsOn: [permission],
            });
          }
          break;
        case "deployInvocation":
          // The handler bundles its migrations, and the zip is reproducible, so
          // the code hash changes exactly when the code or a migration does.
          new LambdaInvocation(this, `${fn.manifest.name}-on-apply`, {
            functionName: fn.function.functionName,
            input: JSON.stringify({ source: "terraform-apply" }),
            triggers: { code: props.artifacts.artifactFor(fn.manifest.name).sha256Base64 },
            dependsOn: [fn.function, database.writer, ...networkPaths(props.network)],
          });
          break;
      }
    }
    for (const [resource, lambdaFunctions] of notifications) {
      // S3 keeps one notification configuration per bucket: all its targets go in one resource.
      new S3BucketNotification(this, `${resource}-notifications`, {
        bucket: notifiableBuckets[resource].bucket.id,
        lambdaFunction: lambdaFunctions,
        dependsOn: notificationPermissions.get(resource),
      });
    }
  }
}

/**
 * The routes and security group rules a function in the VPC needs to reach
 * Secrets Manager (through the NAT) and Aurora. Terraform would otherwise
 * invoke a function on the first apply before they exist, and it would time out.
 */
function networkPaths(network: Network): ITerraformDependable[] {
  return network.node
    .findAll()
    .filter(
      (node): node is Route | RouteTableAssociation | VpcSecurityGroupEgressRule | VpcSecurityGroupIngressRule =>
        node instanceof Route || node instanceof RouteTableAssociation || node instanceof VpcSecurityGroupEgressRule || node instanceof VpcSecurityGroupIngressRule,
    );
}

const NAME = /^[a-z][a-z0-9-]{0,40}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const quoted = (values: Iterable<string>): string => [...values].map((value) => `"${value}"`).join(", ");

/** Checks every manifest against what the platform can bind, before any resource is created. */
export function validateManifests(
  manifests: readonly FunctionManifest[],
  attributes: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  grants: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  notifiableBuckets: Readonly<Record<string, unknown>>,
): void {
  const problems: string[] = [];
  const names = new Set<string>();
  let logSubscribers = 0;
  for (const manifest of manifests) {
    const where = `Lambda function "${manifest.name}" (stacks/lambda/${manifest.name}/manifest.ts)`;
    const found = (value: unknown) => (value === undefined ? "nothing" : JSON.stringify(value));
    if (!NAME.test(manifest.name)) problems.push(`${where}: name: found ${found(manifest.name)}, expected lower-case letters, digits and -`);
    if (names.has(manifest.name)) problems.push(`${where}: name: another manifest already uses it`);
    names.add(manifest.name);
    if (!Number.isInteger(manifest.memorySize) || manifest.memorySize < 128 || manifest.memorySize > 10240) {
      problems.push(`${where}: memorySize: found ${found(manifest.memorySize)}, expected whole MB between 128 and 10240`);
    }
    if (!Number.isInteger(manifest.timeout) || manifest.timeout < 1 || manifest.timeout > 900) {
      problems.push(`${where}: timeout: found ${found(manifest.timeout)}, expected whole seconds between 1 and 900`);
    }
    if (manifest.reservedConcurrency !== undefined && (!Number.isInteger(manifest.reservedConcurrency) || manifest.reservedConcurrency < 0)) {
      problems.push(`${where}: reservedConcurrency: found ${found(manifest.reservedConcurrency)}, expected a whole number ≥ 0`);
    }
    for (const [variable, binding] of Object.entries(manifest.environment ?? {})) {
      const field = `environment.${variable}`;
      if (!ENV_NAME.test(variable)) problems.push(`${where}: ${field}: expected a variable name of letters, digits and _`);
      if ("value" in binding) {
        if (typeof binding.value !== "string") problems.push(`${where}: ${field}.value: found ${found(binding.value)}, expected a string`);
      } else if (!(binding.resource in attributes)) {
        problems.push(`${where}: ${field}.resource: found ${found(binding.resource)}, expected one of ${quoted(Object.keys(attributes))}`);
      } else if (!(binding.attribute in attributes[binding.resource])) {
        problems.push(
          `${where}: ${field}.attribute: found ${found(binding.attribute)}, expected one of ${quoted(Object.keys(attributes[binding.resource]))} for ${binding.resource}`,
        );
      }
    }
    (manifest.access ?? []).forEach((access, index) => {
      const field = `access[${index}]`;
      if (access.resource === "database" && access.level === "connect" && manifest.inVpc !== true) {
        problems.push(`${where}: inVpc: found ${found(manifest.inVpc)}, expected true because ${field} connects to the database, which only admits traffic inside the VPC`);
      }
      if (!(access.resource in grants)) {
        problems.push(`${where}: ${field}.resource: found ${found(access.resource)}, expected one of ${quoted(Object.keys(grants))}`);
      } else if (!(access.level in grants[access.resource])) {
        problems.push(`${where}: ${field}.level: found ${found(access.level)}, expected one of ${quoted(Object.keys(grants[access.resource]))} for ${access.resource}`);
      }
    });
    const connectsToDatabase = (manifest.access ?? []).some((access) => access.resource === "database" && access.level === "connect");
    if (connectsToDatabase && manifest.database === undefined) {
      problems.push(`${where}: database: found nothing, expected { statementTimeoutMs, reserveMs } because the function connects to the database`);
    } else if (connectsToDatabase && manifest.database) {
      // A function that cannot wait out an Aurora resume fails its first invocation after every pause.
      const timed = { timeout: manifest.timeout, behindApiGateway: manifest.trigger?.kind === "api", database: manifest.database };
      for (const problem of timingProblems(timed)) problems.push(`${where}: ${problem}`);
    } else if (manifest.trigger?.kind === "api") {
      for (const problem of apiTimeoutProblems(manifest.timeout)) problems.push(`${where}: ${problem}`);
    }
    const trigger = manifest.trigger as { kind?: unknown; bucket?: unknown; routes?: unknown };
    switch (trigger?.kind) {
      case "api":
        if (!Array.isArray(trigger.routes) || trigger.routes.length === 0) problems.push(`${where}: trigger.routes: expected at least one route`);
        break;
      case "s3ObjectCreated":
        if (typeof trigger.bucket !== "string" || !(trigger.bucket in notifiableBuckets)) {
          problems.push(`${where}: trigger.bucket: found ${found(trigger.bucket)}, expected one of ${quoted(Object.keys(notifiableBuckets))}`);
        }
        break;
      case "logSubscription":
        logSubscribers += 1;
        if (logSubscribers > 1) problems.push(`${where}: trigger.kind: only one function may be the logSubscription target`);
        break;
      case "deployInvocation":
        break;
      default:
        problems.push(`${where}: trigger.kind: found ${found(trigger?.kind)}, expected one of "api", "s3ObjectCreated", "logSubscription", "deployInvocation"`);
    }
  }
  if (problems.length > 0) throw new ManifestError(problems);
}
