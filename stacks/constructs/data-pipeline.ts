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
import type {
  AccessLevelOf,
  AttributeOf,
  FunctionManifest,
  FunctionTrigger,
  ObjectCreatedTriggerBucket,
  PlatformResource,
  ResourceAccess,
  ResourceAttribute,
} from "../lambda/function-manifest";
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
import { validateManifests } from "../config/function-manifest-schema";

/** A bucket or table that grants reading, writing or both (storage.ts's buckets, tables.ts's tables). */
export interface ReadWriteGrantor {
  grantRead(grantee: Grantable): void;
  grantWrite(grantee: Grantable): void;
  grantReadWrite(grantee: Grantable): void;
}

/** A bucket functions can be bound to (storage.ts's buckets). */
export interface PipelineBucket extends ReadWriteGrantor {
  readonly bucket: S3Bucket;
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

/**
 * How the pipeline binds one platform resource: the value of each attribute
 * an environment variable can hold, and each access level's grant.
 */
type ResourceBinding<R extends PlatformResource> = {
  readonly attributes: { readonly [A in AttributeOf<R>]: () => string };
  readonly grants: { readonly [L in AccessLevelOf<R>]: (grantee: Grantable) => void };
};

/**
 * Every platform resource's binding. Typed by the manifests' resource table
 * (stacks/lambda/function-manifest.ts): TypeScript refuses a binding that
 * misses or adds a resource, an attribute or a level.
 */
type PlatformBindings = { readonly [R in PlatformResource]: ResourceBinding<R> };

function attributeValue<R extends PlatformResource>(bindings: PlatformBindings, binding: ResourceAttribute<R>): string {
  return bindings[binding.resource].attributes[binding.attribute]();
}

function grantAccess<R extends PlatformResource>(bindings: PlatformBindings, access: ResourceAccess<R>, grantee: Grantable): void {
  bindings[access.resource].grants[access.level](grantee);
}

/** The `read`, `write` and `readWrite` levels of a bucket or table: its grants of the same name. */
const readWriteGrants = (resource: ReadWriteGrantor): ResourceBinding<"ingestionBucket" | "sessionsTable">["grants"] => ({
  read: (grantee) => resource.grantRead(grantee),
  write: (grantee) => resource.grantWrite(grantee),
  readWrite: (grantee) => resource.grantReadWrite(grantee),
});

type Trigger<K extends FunctionTrigger["kind"]> = Extract<FunctionTrigger, { readonly kind: K }>;

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
  private readonly bindings: PlatformBindings;
  /** The buckets functions can be triggered by (`s3ObjectCreated`). */
  private readonly triggerBuckets: { readonly [B in ObjectCreatedTriggerBucket]: PipelineBucket };
  /** Each trigger bucket's notification targets and the permissions S3 needs to invoke them, in the order functions declared them. */
  private readonly notificationTargets = new Map<ObjectCreatedTriggerBucket, { functions: S3BucketNotificationLambdaFunction[]; permissions: LambdaPermission[] }>();

  constructor(scope: Construct, id: string, private readonly props: DataPipelineProps) {
    super(scope, id);
    validateManifests(props.manifests);
    this.bindings = platformBindings(props);
    this.triggerBuckets = { ingestionBucket: props.buckets.ingestion };

    // Each method creates its resources directly under this construct. Their
    // ids are stable forever: a renamed id is a replaced resource.
    for (const manifest of props.manifests) this.functions.push(this.createFunction(manifest));
    for (const fn of this.functions) this.connectTrigger(fn);
    this.createBucketNotifications();
  }

  /** The function, its environment from the bound resources' attributes, and its grants on them. */
  private createFunction(manifest: FunctionManifest): PlatformFunction {
    const { props } = this;
    const fn = new PlatformFunction(this, manifest.name, {
      manifest,
      artifact: props.artifacts.artifactFor(manifest.name),
      environmentSuffix: props.environmentSuffix,
      account: props.account,
      environmentKey: props.keys.lambda,
      logsKey: props.keys.logs,
      logRetentionInDays: props.logRetentionInDays,
      permissionsBoundary: props.permissionsBoundary,
      environmentVariables: Object.fromEntries(
        Object.entries(manifest.environment).map(([name, binding]) => [
          name,
          "value" in binding ? binding.value : attributeValue(this.bindings, binding),
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
    for (const access of manifest.access) grantAccess(this.bindings, access, fn);
    return fn;
  }

  private connectTrigger(fn: PlatformFunction): void {
    const { trigger } = fn.manifest;
    switch (trigger.kind) {
      case "api":
        return this.serveRoutes(fn, trigger);
      case "s3ObjectCreated":
        return this.invokeOnObjectCreated(fn, trigger);
      case "logSubscription":
        return this.subscribeToOtherFunctionsLogs(fn);
      case "deployInvocation":
        return this.invokeOnApply(fn);
      default:
        return trigger satisfies never;
    }
  }

  /** The routes go to the REST API (`apiRoutes`), which creates them. */
  private serveRoutes(fn: PlatformFunction, trigger: Trigger<"api">): void {
    for (const route of trigger.routes) this.apiRoutes.push({ method: route.method, path: route.path, handler: fn });
  }

  /** S3 may invoke the function for new objects of the bucket; failures after retries go to the alert topic. */
  private invokeOnObjectCreated(fn: PlatformFunction, trigger: Trigger<"s3ObjectCreated">): void {
    const { account, alerting } = this.props;
    const bucket = this.triggerBuckets[trigger.bucket].bucket;
    const permission = new LambdaPermission(this, `${fn.manifest.name}-s3-invoke`, {
      statementId: "s3-object-created",
      action: "lambda:InvokeFunction",
      functionName: fn.function.functionName,
      principal: `s3.${account.dnsSuffix}`,
      sourceArn: bucket.arn,
      // Bucket ARNs carry no account id; this stops a same-named bucket elsewhere invoking us.
      sourceAccount: account.accountId,
    });
    const targets = this.notificationTargets.get(trigger.bucket) ?? { functions: [], permissions: [] };
    targets.functions.push({
      lambdaFunctionArn: fn.arn,
      events: ["s3:ObjectCreated:*"],
      filterPrefix: trigger.prefix,
      filterSuffix: trigger.suffix,
    });
    targets.permissions.push(permission);
    this.notificationTargets.set(trigger.bucket, targets);
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
  }

  /** Every other function's log group sends its error lines to this one. */
  private subscribeToOtherFunctionsLogs(fn: PlatformFunction): void {
    const { account } = this.props;
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
  }

  /**
   * Terraform invokes the function on every apply whose code changed. The
   * handler bundles its migrations, and the zip is reproducible, so the code
   * hash changes exactly when the code or a migration does.
   */
  private invokeOnApply(fn: PlatformFunction): void {
    const { artifacts, database, network } = this.props;
    new LambdaInvocation(this, `${fn.manifest.name}-on-apply`, {
      functionName: fn.function.functionName,
      input: JSON.stringify({ source: "terraform-apply" }),
      triggers: { code: artifacts.artifactFor(fn.manifest.name).sha256Base64 },
      dependsOn: [fn.function, database.writer, ...networkPaths(network)],
    });
  }

  /** S3 keeps one notification configuration per bucket: all its targets go in one resource. */
  private createBucketNotifications(): void {
    for (const [resource, targets] of this.notificationTargets) {
      new S3BucketNotification(this, `${resource}-notifications`, {
        bucket: this.triggerBuckets[resource].bucket.id,
        lambdaFunction: targets.functions,
        dependsOn: targets.permissions,
      });
    }
  }
}

/** What each manifest can name, bound to the platform's resources. */
function platformBindings({ buckets, tables, database, alerting }: DataPipelineProps): PlatformBindings {
  return {
    ingestionBucket: { attributes: { name: () => buckets.ingestion.bucket.bucket }, grants: readWriteGrants(buckets.ingestion) },
    analyticsBucket: { attributes: { name: () => buckets.analytics.bucket.bucket }, grants: readWriteGrants(buckets.analytics) },
    archivalBucket: { attributes: { name: () => buckets.archival.bucket.bucket }, grants: readWriteGrants(buckets.archival) },
    sessionsTable: { attributes: { name: () => tables.sessions.table.name }, grants: readWriteGrants(tables.sessions) },
    apiKeysTable: { attributes: { name: () => tables.apiKeys.table.name }, grants: readWriteGrants(tables.apiKeys) },
    database: {
      attributes: {
        writerEndpoint: () => database.writerEndpoint,
        readerEndpoint: () => database.readerEndpoint,
        port: () => String(database.port),
        databaseName: () => database.databaseName,
        secretArn: () => database.masterSecretArn,
        username: () => database.masterUsername,
      },
      // Also puts the function in the database client security group: only
      // functions with this access level can reach Aurora on 5432.
      grants: { connect: (grantee) => database.grantConnect(grantee) },
    },
    alertsTopic: { attributes: { arn: () => alerting.topic.arn }, grants: { publish: (grantee) => alerting.grantPublish(grantee) } },
  };
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
