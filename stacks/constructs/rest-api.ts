import { createHash } from "node:crypto";
import { Construct } from "constructs";
import { ApiGatewayApiKey } from "@cdktf/provider-aws/lib/api-gateway-api-key";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { ApiGatewayUsagePlan } from "@cdktf/provider-aws/lib/api-gateway-usage-plan";
import { ApiGatewayUsagePlanKey } from "@cdktf/provider-aws/lib/api-gateway-usage-plan-key";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import type { AwsAccount } from "./aws-account";
import { EncryptedLogGroup } from "./encrypted-log-group";
import type { PlatformFunction } from "./lambda-function";
import { ConfigurationError } from "../config/configuration-error";

export const HTTP_METHODS = ["GET", "POST", "PUT", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One public route, e.g. `POST /v1/trades` served by the ingest function. */
export interface ApiRoute {
  readonly method: HttpMethod;
  /** The public path including the stage, e.g. `/v1/bars/{symbol}`; `{name}` segments are path parameters. */
  readonly path: string;
  readonly handler: PlatformFunction;
}

export interface ApiThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst above the rate. */
  readonly burstLimit: number;
}

export interface RestApiProps {
  /** Appended to the API, usage plan and key names. */
  readonly environmentSuffix: string;
  readonly account: AwsAccount;
  /** The stage, which is also the API version: every route path starts with `/<stageName>/`. Default: `v1`. */
  readonly stageName?: string;
  readonly routes: readonly ApiRoute[];
  /** Applies to the whole stage (all clients together). */
  readonly stageThrottle: ApiThrottle;
  /** Applies to each API key of the usage plan. */
  readonly perKeyThrottle: ApiThrottle;
  /** Monthly requests per key. Default: no quota. */
  readonly monthlyQuotaPerKey?: number;
  /** Encrypts the access and execution log groups (`EncryptionKeys.logs`). */
  readonly logsKey: KmsKey;
  readonly logRetentionInDays: number;
}

/** What API Gateway writes per request to the access log: enough to trace a client's call, no bodies. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  requestTime: "$context.requestTime",
  sourceIp: "$context.identity.sourceIp",
  apiKeyId: "$context.identity.apiKeyId",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  protocol: "$context.protocol",
  status: "$context.status",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationStatus: "$context.integration.status",
  integrationLatency: "$context.integration.latency",
  errorMessage: "$context.error.message",
  xrayTraceId: "$context.xrayTraceId",
});

const PATH_SEGMENT = /^(?:[A-Za-z0-9._-]+|\{[A-Za-z][A-Za-z0-9_]*\})$/;

interface ResolvedRoute {
  readonly method: HttpMethod;
  /** The API Gateway resource path, without the stage (`/bars/{symbol}`). */
  readonly resourcePath: string;
  readonly handler: PlatformFunction;
}

/** Checks every route and strips the stage prefix; one error lists every bad route. */
export function resolveRoutes(routes: readonly ApiRoute[], stageName: string): ResolvedRoute[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const resolved: ResolvedRoute[] = [];
  const prefix = `/${stageName}`;
  for (const route of routes) {
    const where = `Lambda function "${route.handler.manifest.name}": trigger route ${route.method} ${route.path}`;
    if (!(HTTP_METHODS as readonly string[]).includes(route.method)) {
      problems.push(`${where}: method: found "${route.method}", expected one of ${HTTP_METHODS.join(", ")}`);
      continue;
    }
    if (route.path !== prefix && !route.path.startsWith(`${prefix}/`)) {
      problems.push(`${where}: path: found "${route.path}", expected a path under the stage, starting with "${prefix}/"`);
      continue;
    }
    const resourcePath = route.path.slice(prefix.length) || "/";
    const segments = resourcePath.split("/").slice(1).filter((segment, index, all) => !(segment === "" && all.length === 1));
    const bad = segments.find((segment) => !PATH_SEGMENT.test(segment));
    if (bad !== undefined) {
      problems.push(`${where}: path: found segment "${bad}", expected letters, digits, . _ - or a {parameter}`);
      continue;
    }
    const key = `${route.method} ${resourcePath}`;
    const owner = seen.get(key);
    if (owner !== undefined) {
      problems.push(`${where}: already served by Lambda function "${owner}"`);
      continue;
    }
    seen.set(key, route.handler.manifest.name);
    resolved.push({ method: route.method, resourcePath, handler: route.handler });
  }
  if (problems.length > 0) throw new ConfigurationError("Invalid API routes", problems);
  return resolved;
}

// Construct ids must be stable and free of `/` and braces: `/bars/{symbol}` → `bars-_symbol_`.
const idForPath = (resourcePath: string): string => resourcePath.slice(1).replace(/\//g, "-").replace(/[{}]/g, "_") || "root";

/** The value of the deployment's `redeployment` trigger: a hash of every route and its integration, in a stable order. */
function routesHash(routes: readonly ResolvedRoute[]): string {
  return createHash("sha256")
    .update(
      JSON.stringify(
        routes
          .map((route) => ({
            method: route.method,
            path: route.resourcePath,
            function: route.handler.functionName,
            integration: "AWS_PROXY",
            apiKeyRequired: true,
          }))
          .sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`)),
      ),
    )
    .digest("hex");
}

/**
 * The public REST API: every method requires an API key and proxies to its
 * Lambda function. Throttled per stage and per key, access and execution
 * logs in encrypted groups, X-Ray tracing, and a deployment that is replaced
 * whenever a route or integration changes.
 */
export class RestApi extends Construct {
  readonly api: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  readonly deployment: ApiGatewayDeployment;
  readonly usagePlan: ApiGatewayUsagePlan;
  readonly apiKey: ApiGatewayApiKey;
  readonly accessLogGroup: EncryptedLogGroup;
  readonly executionLogGroup: EncryptedLogGroup;
  readonly methods: ApiGatewayMethod[] = [];
  /** The value of the deployment's `redeployment` trigger: a hash of every route and integration. */
  readonly configurationHash: string;

  /** API Gateway resource ids by resource path (`/bars/{symbol}`), the root included. */
  private readonly resourceIds = new Map<string, string>();

  constructor(scope: Construct, id: string, props: RestApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? "v1";
    const routes = resolveRoutes(props.routes, stageName);
    const name = `trading-api-${props.environmentSuffix}`;

    // Each method creates one concern's resources directly under this
    // construct. Their ids are stable forever: a renamed id is a replaced resource.
    this.api = this.createApi(name);
    const integrations: ApiGatewayIntegration[] = [];
    for (const route of routes) integrations.push(this.serveRoute(route, stageName, props.account));
    this.configurationHash = routesHash(routes);
    this.deployment = this.createDeployment(integrations);
    this.accessLogGroup = this.createAccessLogGroup(name, props);
    this.executionLogGroup = this.createExecutionLogGroup(stageName, props);
    this.stage = this.createStage(stageName, props);
    this.usagePlan = this.createUsagePlan(props);
    this.apiKey = this.createClientKey(props);
  }

  private createApi(name: string): ApiGatewayRestApi {
    const api = new ApiGatewayRestApi(this, "api", {
      name,
      description: "Trading analytics platform: trade ingestion, bars and dashboard sessions",
      endpointConfiguration: { types: ["REGIONAL"] },
      apiKeySource: "HEADER",
    });
    this.resourceIds.set("/", api.rootResourceId);
    return api;
  }

  /** The id of the API Gateway resource at `resourcePath`, created (with its parents) the first time a route needs it. */
  private resourceFor(resourcePath: string): string {
    const existing = this.resourceIds.get(resourcePath);
    if (existing) return existing;
    const parentPath = resourcePath.slice(0, resourcePath.lastIndexOf("/")) || "/";
    const resource = new ApiGatewayResource(this, `resource-${idForPath(resourcePath)}`, {
      restApiId: this.api.id,
      parentId: this.resourceFor(parentPath),
      pathPart: resourcePath.slice(resourcePath.lastIndexOf("/") + 1),
    });
    this.resourceIds.set(resourcePath, resource.id);
    return resource.id;
  }

  /** One route: its method (API key required), the Lambda proxy integration, and the permission to invoke its function. */
  private serveRoute(route: ResolvedRoute, stageName: string, account: AwsAccount): ApiGatewayIntegration {
    const routeId = `${route.method}-${idForPath(route.resourcePath)}`;
    const parameters = [...route.resourcePath.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
    const method = new ApiGatewayMethod(this, `method-${routeId}`, {
      restApiId: this.api.id,
      resourceId: this.resourceFor(route.resourcePath),
      httpMethod: route.method,
      authorization: "NONE",
      apiKeyRequired: true,
      requestParameters: parameters.length > 0 ? Object.fromEntries(parameters.map((parameter) => [`method.request.path.${parameter}`, true])) : undefined,
    });
    this.methods.push(method);
    const integration = new ApiGatewayIntegration(this, `integration-${routeId}`, {
      restApiId: this.api.id,
      resourceId: method.resourceId,
      httpMethod: method.httpMethod,
      type: "AWS_PROXY",
      integrationHttpMethod: "POST",
      uri: route.handler.invokeArn,
    });
    // Scoped to this method on this stage; path parameters match any value.
    new LambdaPermission(this, `invoke-${routeId}`, {
      statementId: `api-${route.method}-${idForPath(route.resourcePath)}`.slice(0, 100),
      action: "lambda:InvokeFunction",
      functionName: route.handler.function.functionName,
      principal: `apigateway.${account.dnsSuffix}`,
      sourceArn: `${this.api.executionArn}/${stageName}/${route.method}${route.resourcePath.replace(/\{[^}]+\}/g, "*")}`,
    });
    return integration;
  }

  /** Replaced (created before the old one is destroyed) whenever a route or integration changes. */
  private createDeployment(integrations: readonly ApiGatewayIntegration[]): ApiGatewayDeployment {
    return new ApiGatewayDeployment(this, "deployment", {
      restApiId: this.api.id,
      description: `Routes ${this.configurationHash.slice(0, 12)}`,
      triggers: { redeployment: this.configurationHash },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [...this.methods, ...integrations],
    });
  }

  private createAccessLogGroup(name: string, props: RestApiProps): EncryptedLogGroup {
    return new EncryptedLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${name}/access`,
      retentionInDays: props.logRetentionInDays,
      kmsKey: props.logsKey,
    });
  }

  /** API Gateway would otherwise create this group itself, unencrypted and kept forever. */
  private createExecutionLogGroup(stageName: string, props: RestApiProps): EncryptedLogGroup {
    return new EncryptedLogGroup(this, "execution-logs", {
      name: `API-Gateway-Execution-Logs_${this.api.id}/${stageName}`,
      retentionInDays: props.logRetentionInDays,
      kmsKey: props.logsKey,
    });
  }

  /** The stage: X-Ray, JSON access logs, execution logging without bodies, and the stage-wide throttle. */
  private createStage(stageName: string, props: RestApiProps): ApiGatewayStage {
    const stage = new ApiGatewayStage(this, "stage", {
      restApiId: this.api.id,
      deploymentId: this.deployment.id,
      stageName,
      xrayTracingEnabled: true,
      accessLogSettings: { destinationArn: this.accessLogGroup.logGroup.arn, format: ACCESS_LOG_FORMAT },
      // Execution logging needs the account's CloudWatch role setting in this region, which the
      // account's bootstrap stack makes before any environment is applied (README, Bootstrap).
      dependsOn: [this.accessLogGroup.logGroup, this.executionLogGroup.logGroup],
    });

    new ApiGatewayMethodSettings(this, "stage-settings", {
      restApiId: this.api.id,
      stageName: stage.stageName,
      methodPath: "*/*",
      settings: {
        loggingLevel: "INFO",
        // Full request/response bodies would put trade data and headers in the logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
        // A usage plan limits each key; this limits the API as a whole.
        throttlingRateLimit: props.stageThrottle.rateLimit,
        throttlingBurstLimit: props.stageThrottle.burstLimit,
      },
    });
    return stage;
  }

  /** Per-key limits: the throttle and the optional monthly quota. */
  private createUsagePlan(props: RestApiProps): ApiGatewayUsagePlan {
    return new ApiGatewayUsagePlan(this, "usage-plan", {
      name: `trading-clients-${props.environmentSuffix}`,
      description: "Per-client limits for institutional API keys",
      apiStages: [{ apiId: this.api.id, stage: this.stage.stageName }],
      throttleSettings: { rateLimit: props.perKeyThrottle.rateLimit, burstLimit: props.perKeyThrottle.burstLimit },
      quotaSettings: props.monthlyQuotaPerKey !== undefined ? { limit: props.monthlyQuotaPerKey, period: "MONTH" } : undefined,
    });
  }

  /** The first client key, in the usage plan. AWS generates the value; it is read from the console or CLI, never output in clear. */
  private createClientKey(props: RestApiProps): ApiGatewayApiKey {
    const apiKey = new ApiGatewayApiKey(this, "client-key", {
      name: `trading-client-${props.environmentSuffix}`,
      description: "First institutional client key; add more keys to the usage plan as clients onboard",
      enabled: true,
    });
    new ApiGatewayUsagePlanKey(this, "client-key-plan", {
      keyId: apiKey.id,
      keyType: "API_KEY",
      usagePlanId: this.usagePlan.id,
    });
    return apiKey;
  }

  /** The base URL clients call, e.g. `https://abc123.execute-api.us-east-1.amazonaws.com/v1`. */
  get invokeUrl(): string {
    return this.stage.invokeUrl;
  }
}
