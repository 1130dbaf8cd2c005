import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalDynamo, type LocalS3, startLocalDynamo, startLocalS3, tableShapes } from "../../support/local-services";
import { apiGatewayEvent } from "../shared/recorded-events";

// The bundled entry point as Lambda loads it: configuration only from the environment
// (the SDK's standard AWS_ENDPOINT_URL_<SERVICE> variables point it at the local services).
describe("ingest entry point (index.ts)", () => {
  let s3: LocalS3;
  let dynamo: LocalDynamo;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    [s3, dynamo] = await Promise.all([startLocalS3(), startLocalDynamo()]);
    await s3.createBucket("entry-ingestion");
    await dynamo.createTable("entry-api-keys", tableShapes.apiKeys);
    await dynamo.documents.send(new PutCommand({ TableName: "entry-api-keys", Item: { apiKeyId: "theApiKeyId", clientId: "recorded-client", enabled: true } }));
  });
  afterAll(async () => {
    process.env = savedEnv;
    await Promise.all([s3?.stop(), dynamo?.stop()]);
  });

  function loadHandler(): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
    let handler!: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module instance per environment
      handler = require("../../../stacks/lambda/ingest/index").handler;
    });
    return handler;
  }

  it("serves the recorded API Gateway event's API key end to end", async () => {
    process.env = {
      ...savedEnv,
      INGESTION_BUCKET: "entry-ingestion",
      API_KEYS_TABLE: "entry-api-keys",
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    };
    const write = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const response = await loadHandler()(
        apiGatewayEvent({
          method: "POST",
          route: "/v1/trades",
          body: JSON.stringify({ trades: [{ tradeId: "E-1", symbol: "MSFT", price: 410.2, quantity: 5, side: "sell", timestamp: "2024-03-01T09:00:00-05:00" }] }),
        }),
      );
      expect(response.statusCode).toBe(201);
      expect(JSON.parse(response.body).objectKey).toMatch(/^trades\/date=2024-03-01\/hour=14\/theApiKeyId-[0-9a-f]{64}\.ndjson\.gz$/);
      const logged = write.mock.calls.map(([line]) => JSON.parse(String(line)));
      expect(logged).toContainEqual(expect.objectContaining({ level: "INFO", function: "ingest", message: "Stored trade batch", clientId: "recorded-client" }));
    } finally {
      write.mockRestore();
    }
  });

  it("fails the cold start naming a missing variable", () => {
    process.env = { ...savedEnv, INGESTION_BUCKET: "entry-ingestion", API_KEYS_TABLE: undefined };
    expect(() => loadHandler()).toThrow("Environment variable API_KEYS_TABLE is missing or empty");
  });
});
