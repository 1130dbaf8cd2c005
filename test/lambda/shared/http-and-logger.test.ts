import { apiKeyIdOf, bodyBytes, headerValue, problemResponse, withProblemBoundary } from "../../../stacks/lambda/shared/http";
import { createLogger } from "../../../stacks/lambda/shared/logger";
import { apiGatewayEvent } from "./recorded-events";

describe("http helpers on the recorded API Gateway event", () => {
  const event = apiGatewayEvent({ method: "POST", route: "/v1/trades", body: "{}", headers: { "Idempotency-Key": "abc12345" } });

  it("finds headers whatever their case", () => {
    expect(headerValue(event, "content-type")).toBe("application/json");
    expect(headerValue(event, "idempotency-key")).toBe("abc12345");
    expect(headerValue(event, "x-missing")).toBeUndefined();
  });

  it("reads the API key id API Gateway validated", () => {
    expect(apiKeyIdOf(event)).toBe("theApiKeyId");
    expect(apiKeyIdOf(apiGatewayEvent({ method: "POST", route: "/v1/trades", apiKeyId: null }))).toBeUndefined();
  });

  it("decodes base64 bodies", () => {
    expect(bodyBytes({ body: Buffer.from("héllo").toString("base64"), isBase64Encoded: true }).toString("utf8")).toBe("héllo");
    expect(bodyBytes({ body: null, isBase64Encoded: false })).toHaveLength(0);
  });

  it("writes RFC 9457 problem documents", () => {
    const response = problemResponse(400, { title: "Invalid trade batch", detail: "2 problems", errors: [{ index: 0 }], extra: { errorCount: 2 } }, "req-1");
    expect(response.headers).toMatchObject({ "Content-Type": "application/problem+json", "Cache-Control": "no-store" });
    expect(JSON.parse(response.body)).toEqual({ type: "about:blank", title: "Invalid trade batch", status: 400, detail: "2 problems", errors: [{ index: 0 }], errorCount: 2, requestId: "req-1" });
  });

  it("turns an unexpected exception into a 500 without internals, logging it at ERROR", async () => {
    const lines: string[] = [];
    const handler = withProblemBoundary(createLogger({ write: (line) => lines.push(line) }), async () => {
      throw new Error("connect ECONNREFUSED 10.0.3.7:5432");
    });
    const response = await handler(event);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("ECONNREFUSED");
    expect(JSON.parse(response.body).requestId).toBe("deef4878-7910-11e6-8f14-25afc3e9ae33");
    const logged = JSON.parse(lines[0]);
    expect(logged).toMatchObject({ level: "ERROR", requestId: "deef4878-7910-11e6-8f14-25afc3e9ae33", resource: "/trades", method: "POST", error: { name: "Error", message: "connect ECONNREFUSED 10.0.3.7:5432" } });
    expect(logged.error.stack).toContain("http-and-logger.test.ts");
  });
});

describe("logger", () => {
  it("writes one JSON object per line with level, time, message and inherited fields", () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), fields: { function: "ingest" }, now: () => new Date("2024-03-01T00:00:00Z") });
    logger.child({ requestId: "r1" }).warn("slow", { ms: 900 });
    expect(lines).toEqual(['{"level":"WARN","time":"2024-03-01T00:00:00.000Z","message":"slow","function":"ingest","requestId":"r1","ms":900}']);
  });

  it("still writes a line when a field cannot be serialised", () => {
    const lines: string[] = [];
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    createLogger({ write: (line) => lines.push(line) }).error("bad fields", { circular });
    expect(JSON.parse(lines[0])).toMatchObject({ level: "ERROR", message: "bad fields", note: "fields were not serialisable" });
  });
});
