import { Testing } from "cdktf";
import { type ApiRoute, RestApi, resolveRoutes } from "../../../stacks/constructs/rest-api";
import { testAccount, testFunction, testStack } from "./function-fixture";

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
