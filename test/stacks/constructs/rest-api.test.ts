import { Testing } from "cdktf";
import { type ApiRoute, RestApi, resolveRoutes } from "../../../stacks/constructs/rest-api";
import { functionManifests } from "../../../stacks/lambda/manifests";
import { environmentData } from "../../support/environments";
import { environmentNames, resourcesOfType, synthesizedStacks } from "../../support/synth";
import { testAccount, testFunction, testStack } from "./function-fixture";
import { keyIdFor, ref, single } from "./stack-queries";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function synthApi(routes: (fns: Record<string, ReturnType<typeof testFunction>>) => ApiRoute[]): Json {
  const { stack, keys, workDir } = testStack();
  const fns = { trades: testFunction(stack, keys, workDir, "trades"), bars: testFunction(stack, keys, workDir, "bars") };
  new RestApi(stack, "api", {
    environmentSuffix: "test",
    account: testAccount,
    routes: routes(fns),
    stageThrottle: { rateLimit: 1000, burstLimit: 2000 },
    perKeyThrottle: { rateLimit: 1000, burstLimit: 2000 },
    logsKey: keys.logs,
    logRetentionInDays: 30,
  });
  return JSON.parse(Testing.synth(stack));
}

const trigger = (json: Json): string => (Object.values(json.resource.aws_api_gateway_deployment)[0] as Json).triggers.redeployment;

describe("RestApi", () => {
  it("deployment redeploys when the API changes", () => {
    const base = synthApi((fns) => [
      { method: "POST", path: "/v1/trades", handler: fns.trades },
      { method: "GET", path: "/v1/bars/{symbol}", handler: fns.bars },
    ]);
    const same = synthApi((fns) => [
      { method: "GET", path: "/v1/bars/{symbol}", handler: fns.bars },
      { method: "POST", path: "/v1/trades", handler: fns.trades },
    ]);
    const changedPath = synthApi((fns) => [
      { method: "POST", path: "/v1/trades", handler: fns.trades },
      { method: "GET", path: "/v1/bars/{ticker}", handler: fns.bars },
    ]);
    const changedHandler = synthApi((fns) => [
      { method: "POST", path: "/v1/trades", handler: fns.bars },
      { method: "GET", path: "/v1/bars/{symbol}", handler: fns.bars },
    ]);
    expect(trigger(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(trigger(same)).toBe(trigger(base));
    expect(trigger(changedPath)).not.toBe(trigger(base));
    expect(trigger(changedHandler)).not.toBe(trigger(base));
    const deployment = Object.values(base.resource.aws_api_gateway_deployment)[0] as Json;
    expect(deployment.lifecycle).toEqual({ create_before_destroy: true });
    expect(deployment.depends_on).toHaveLength(4);
  });

  it("builds nested resources with path parameters and scopes each permission to its method", () => {
    const json = synthApi((fns) => [
      { method: "GET", path: "/v1/bars/{symbol}", handler: fns.bars },
      { method: "POST", path: "/v1/bars", handler: fns.bars },
    ]);
    const resources = Object.values(json.resource.aws_api_gateway_resource) as Json[];
    expect(resources.map((resource) => resource.path_part).sort()).toEqual(["bars", "{symbol}"]);
    const get = (Object.values(json.resource.aws_api_gateway_method) as Json[]).find((method) => method.http_method === "GET")!;
    expect(get.request_parameters).toEqual({ "method.request.path.symbol": true });
    const sourceArns = (Object.values(json.resource.aws_lambda_permission) as Json[]).map((permission) => permission.source_arn).sort();
    expect(sourceArns).toEqual([
      expect.stringMatching(/^\$\{aws_api_gateway_rest_api\.api_[A-Z0-9]+\.execution_arn\}\/v1\/GET\/bars\/\*$/),
      expect.stringMatching(/^\$\{aws_api_gateway_rest_api\.api_[A-Z0-9]+\.execution_arn\}\/v1\/POST\/bars$/),
    ]);
  });

  it("refuses routes outside the stage, bad segments and duplicates, naming the function", () => {
    const { stack, keys, workDir } = testStack();
    const fn = testFunction(stack, keys, workDir, "trades");
    expect(() =>
      resolveRoutes(
        [
          { method: "POST", path: "/v2/trades", handler: fn },
          { method: "GET", path: "/v1/bars/sym bol", handler: fn },
          { method: "GET", path: "/v1/bars", handler: fn },
          { method: "GET", path: "/v1/bars", handler: fn },
          { method: "PATCH" as "GET", path: "/v1/bars", handler: fn },
        ],
        "v1",
      ),
    ).toThrow(
      [
        "Invalid API routes:",
        '  - Lambda function "trades": trigger route POST /v2/trades: path: found "/v2/trades", expected a path under the stage, starting with "/v1/"',
        '  - Lambda function "trades": trigger route GET /v1/bars/sym bol: path: found segment "sym bol", expected letters, digits, . _ - or a {parameter}',
        '  - Lambda function "trades": trigger route GET /v1/bars: already served by Lambda function "trades"',
        '  - Lambda function "trades": trigger route PATCH /v1/bars: method: found "PATCH", expected one of GET, POST, PUT, DELETE',
      ].join("\n"),
    );
  });
});

describe.each(environmentNames)("REST API in %s", (environment) => {
  const stack = () => synthesizedStacks().stacks.get(environment)!;
  const settings = () => environmentData(environment);
  const routeCount = functionManifests.reduce((total, manifest) => total + (manifest.trigger.kind === "api" ? manifest.trigger.routes.length : 0), 0);

  it("every API method requires an API key", () => {
    const methods = Object.values(resourcesOfType(stack(), "aws_api_gateway_method"));
    expect(methods).toHaveLength(routeCount);
    for (const method of methods) expect(method).toMatchObject({ api_key_required: true, authorization: "NONE" });
    const integrations = Object.values(resourcesOfType(stack(), "aws_api_gateway_integration"));
    expect(integrations).toHaveLength(routeCount);
    for (const integration of integrations) expect(integration).toMatchObject({ type: "AWS_PROXY", integration_http_method: "POST" });
  });

  it("usage plan throttles 1000 rps / burst 2000", () => {
    const [, plan] = single(stack(), "aws_api_gateway_usage_plan", "usage-plan");
    expect(plan.throttle_settings).toEqual({ rate_limit: 1000, burst_limit: 2000 });
    expect(settings().api).toMatchObject({ throttleRateLimit: 1000, throttleBurstLimit: 2000 });
    const [stageId] = single(stack(), "aws_api_gateway_stage", "stage");
    expect(plan.api_stages).toEqual([{ api_id: expect.stringContaining("aws_api_gateway_rest_api."), stage: ref("aws_api_gateway_stage", stageId, "stage_name") }]);
    const [keyId, key] = single(stack(), "aws_api_gateway_api_key", "client-key");
    expect(key).toMatchObject({ enabled: true, name: `trading-client-${settings().environmentSuffix}` });
    expect(key.value).toBeUndefined();
    const [, planKey] = single(stack(), "aws_api_gateway_usage_plan_key", "client-key-plan");
    expect(planKey).toMatchObject({ key_id: ref("aws_api_gateway_api_key", keyId, "id"), key_type: "API_KEY" });
  });

  it("stage throttles too", () => {
    const [, methodSettings] = single(stack(), "aws_api_gateway_method_settings", "stage-settings");
    expect(methodSettings.method_path).toBe("*/*");
    expect(methodSettings.settings).toMatchObject({ throttling_rate_limit: 1000, throttling_burst_limit: 2000 });
  });

  it("execution logging without full request bodies", () => {
    const [, methodSettings] = single(stack(), "aws_api_gateway_method_settings", "stage-settings");
    expect(methodSettings.settings).toMatchObject({ logging_level: "INFO", data_trace_enabled: false, metrics_enabled: true });
    const [apiId] = single(stack(), "aws_api_gateway_rest_api", "api");
    const [executionGroupId, executionGroup] = single(stack(), "aws_cloudwatch_log_group", "execution-logs");
    expect(executionGroup).toMatchObject({
      name: `API-Gateway-Execution-Logs_${ref("aws_api_gateway_rest_api", apiId, "id")}/v1`,
      retention_in_days: 30,
      kms_key_id: ref("aws_kms_key", keyIdFor(stack(), "logs", settings().environmentSuffix), "arn"),
    });
    const [, stage] = single(stack(), "aws_api_gateway_stage", "stage");
    expect(stage.depends_on).toContain(`aws_cloudwatch_log_group.${executionGroupId}`);
  });

  it("access logs go to an encrypted log group", () => {
    const [, stage] = single(stack(), "aws_api_gateway_stage", "stage");
    const [accessGroupId, accessGroup] = single(stack(), "aws_cloudwatch_log_group", "access-logs");
    expect(stage).toMatchObject({ stage_name: "v1", xray_tracing_enabled: true });
    expect(stage.access_log_settings.destination_arn).toBe(ref("aws_cloudwatch_log_group", accessGroupId, "arn"));
    expect(accessGroup).toMatchObject({ retention_in_days: 30, kms_key_id: ref("aws_kms_key", keyIdFor(stack(), "logs", settings().environmentSuffix), "arn") });
    expect(JSON.parse(stage.access_log_settings.format)).toMatchObject({
      requestId: "$context.requestId",
      apiKeyId: "$context.identity.apiKeyId",
      status: "$context.status",
    });
  });

  it("leaves the account's API Gateway CloudWatch role setting to the bootstrap and waits for nothing outside the stack", () => {
    expect(Object.values(resourcesOfType(stack(), "aws_api_gateway_account"))).toHaveLength(0);
    expect(Object.values(resourcesOfType(stack(), "aws_iam_role_policy_attachment")).map((attachment) => attachment.policy_arn)).not.toContainEqual(
      expect.stringContaining("AmazonAPIGatewayPushToCloudWatchLogs"),
    );
    const [, stage] = single(stack(), "aws_api_gateway_stage", "stage");
    expect(stage.depends_on.every((entry: string) => entry.startsWith("aws_cloudwatch_log_group."))).toBe(true);
  });

  it("outputs the invoke URL and no key value", () => {
    const outputs = synthesizedStacks().stacks.get(environment)!.output!;
    const [stageId] = single(stack(), "aws_api_gateway_stage", "stage");
    expect(outputs.api_url.value).toBe(ref("aws_api_gateway_stage", stageId, "invoke_url"));
    expect(JSON.stringify(outputs)).not.toMatch(/api_key[^"]*\.value/);
  });
});
