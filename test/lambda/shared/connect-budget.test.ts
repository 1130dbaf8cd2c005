import {
  API_ANSWER_MARGIN_MS,
  API_GATEWAY_INTEGRATION_TIMEOUT_MS,
  apiGatewayRemainingMs,
  CONNECT_ATTEMPT_TIMEOUT_MS,
  CONNECT_ATTEMPTS,
  connectBudgetAtStartMs,
  invocationRemainingMs,
  UNCLIPPED_CONNECT_BUDGET_MS,
} from "../../../stacks/lambda/shared/connect-budget";
import type { FunctionManifest } from "../../../stacks/lambda/function-manifest";
import { functionManifests } from "../../../stacks/lambda/manifests";
import { onlyResource, resourcesOf } from "../../support/terraform-json";
import { synthesizedStacks } from "../../support/synth";

/** What AWS documents for a resume from auto-pause ("up to 15 seconds"); one attempt must outlast it. */
const DOCUMENTED_RESUME_MS = 15_000;

const databaseFunctions = functionManifests.filter((manifest) => manifest.access.some((access) => access.resource === "database" && access.level === "connect"));
const timed = (manifest: FunctionManifest) => ({ timeout: manifest.timeout, behindApiGateway: manifest.trigger.kind === "api", database: manifest.database! });

describe("connect budget against each function's timeout and API Gateway's 29 s", () => {
  it("one connection attempt outlasts an Aurora resume, and a connect retries", () => {
    expect(CONNECT_ATTEMPT_TIMEOUT_MS).toBeGreaterThan(DOCUMENTED_RESUME_MS);
    expect(CONNECT_ATTEMPTS).toBeGreaterThanOrEqual(2);
  });

  it("there are database functions, and each declares its timing", () => {
    expect(databaseFunctions.length).toBeGreaterThan(0);
    for (const manifest of databaseFunctions) expect({ name: manifest.name, timing: typeof manifest.database }).toEqual({ name: manifest.name, timing: "object" });
  });

  it.each(databaseFunctions.map((manifest) => [manifest.name, manifest] as const))("%s can wait out a resume and still finish its work within its timeout", (_name, manifest) => {
    const fn = timed(manifest);
    const budget = connectBudgetAtStartMs(fn);
    // Room for one full attempt at the start of an invocation...
    expect(budget).toBeGreaterThanOrEqual(CONNECT_ATTEMPT_TIMEOUT_MS);
    // ...and the connect, the work after it and the answer together fit the function's timeout.
    expect(budget + fn.database.reserveMs).toBeLessThanOrEqual(manifest.timeout * 1000);
    expect(fn.database.reserveMs).toBeGreaterThanOrEqual(fn.database.statementTimeoutMs);
    // Functions nobody waits on synchronously get every attempt in full.
    if (!fn.behindApiGateway) expect(budget).toBeGreaterThanOrEqual(UNCLIPPED_CONNECT_BUDGET_MS);
  });

  it.each(functionManifests.filter((manifest) => manifest.trigger.kind === "api").map((manifest) => [manifest.name, manifest] as const))(
    "%s (behind API Gateway) stops before API Gateway's integration timeout",
    (_name, manifest) => {
      expect(manifest.timeout * 1000).toBeLessThanOrEqual(API_GATEWAY_INTEGRATION_TIMEOUT_MS - API_ANSWER_MARGIN_MS);
      if (manifest.database) expect(connectBudgetAtStartMs(timed(manifest)) + manifest.database.reserveMs).toBeLessThanOrEqual(API_GATEWAY_INTEGRATION_TIMEOUT_MS - API_ANSWER_MARGIN_MS);
    },
  );

  it("the REST API keeps API Gateway's default integration timeout, the 29 s the budget assumes", () => {
    for (const stack of synthesizedStacks().stacks.values()) {
      const integrations = resourcesOf(stack, "aws_api_gateway_integration");
      expect(integrations.length).toBeGreaterThan(0);
      for (const integration of integrations) {
        const timeout = integration.body.timeout_milliseconds ?? API_GATEWAY_INTEGRATION_TIMEOUT_MS;
        expect(timeout).toBeLessThanOrEqual(API_GATEWAY_INTEGRATION_TIMEOUT_MS);
      }
      // The deployed timeouts are the manifests' (nothing overrides them on the way).
      for (const manifest of functionManifests) {
        const deployed = onlyResource(stack, "aws_lambda_function", (body) => String(body.function_name).startsWith(`${manifest.name}-`));
        expect({ name: manifest.name, timeout: deployed.body.timeout }).toEqual({ name: manifest.name, timeout: manifest.timeout });
      }
    }
  });

  it("an API request's remaining time is what API Gateway still waits, unless the event is a replay", () => {
    const received = 1_000_000;
    expect(apiGatewayRemainingMs(received, received + 3_000)).toBe(API_GATEWAY_INTEGRATION_TIMEOUT_MS - API_ANSWER_MARGIN_MS - 3_000);
    expect(apiGatewayRemainingMs(received, received + API_GATEWAY_INTEGRATION_TIMEOUT_MS + 1)).toBeUndefined();
    expect(apiGatewayRemainingMs(undefined, received)).toBeUndefined();
    // A cold start spent 2 s on API Gateway's clock: the smaller of the two wins.
    expect(invocationRemainingMs({ getRemainingTimeInMillis: () => 28_000 }, received, received + 2_000)).toBe(API_GATEWAY_INTEGRATION_TIMEOUT_MS - API_ANSWER_MARGIN_MS - 2_000);
    expect(invocationRemainingMs({ getRemainingTimeInMillis: () => 5_000 }, received, received + 2_000)).toBe(5_000);
    expect(invocationRemainingMs(undefined)).toBeUndefined();
  });
});
