/**
 * The zips the platform deploys, run the way Lambda runs them: the esbuild
 * bundle of each handler, loaded by a separate `node` process with only
 * environment variables for configuration, invoked with a recorded event
 * against the local services.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { unzipSync } from "fflate";
import { testLambdaBundler } from "../../support/lambda-packages";
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalDynamo, type LocalS3, type LocalSns, startLocalDynamo, startLocalS3, startLocalSns, tableShapes } from "../../support/local-services";
import { apiGatewayEvent, recordedLogsEvent } from "./recorded-events";

const execFileAsync = promisify(execFile);
const workDir = mkdtempSync(join(tmpdir(), "bundled-handlers-"));
// The packages every test synth uses (warm from the shared synth); this file unpacks copies into workDir.
const bundler = testLambdaBundler();

/** Unpacks the handler's deployment zip and invokes `index.handler(event)` in a fresh node process. */
async function invokeBundled(name: string, event: unknown, env: Record<string, string>): Promise<unknown> {
  const artifact = bundler.artifactFor(name);
  expect(artifact.handler).toBe("index.handler");
  const files = unzipSync(readFileSync(artifact.zipPath));
  expect(Object.keys(files)).toEqual(["index.js"]);
  const dir = mkdtempSync(join(workDir, `${name}-`));
  writeFileSync(join(dir, "index.js"), files["index.js"]);
  writeFileSync(join(dir, "event.json"), JSON.stringify(event));
  const script = `require("./index.js").handler(JSON.parse(require("fs").readFileSync("./event.json","utf8"))).then((r) => process.stderr.write("RESULT " + JSON.stringify(r) + "\\n"), (e) => { process.stderr.write("FAILED " + e.message + "\\n"); process.exit(1); });`;
  const { stderr } = await execFileAsync(process.execPath, ["-e", script], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", AWS_REGION: LOCAL_REGION, AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey, ...env },
  });
  const resultLine = stderr.split("\n").find((line) => line.startsWith("RESULT "));
  if (!resultLine) throw new Error(`no result from the bundled ${name} handler; stderr:\n${stderr}`);
  return JSON.parse(resultLine.slice("RESULT ".length));
}

describe("bundled handlers", () => {
  let s3: LocalS3;
  let dynamo: LocalDynamo;
  let sns: LocalSns;
  beforeAll(async () => {
    [s3, dynamo, sns] = await Promise.all([startLocalS3(), startLocalDynamo(), startLocalSns()]);
    await s3.createBucket("bundle-ingestion");
    await dynamo.createTable("bundle-api-keys", tableShapes.apiKeys);
    await dynamo.createTable("bundle-sessions", tableShapes.sessions);
    await dynamo.documents.send(new PutCommand({ TableName: "bundle-api-keys", Item: { apiKeyId: "theApiKeyId", clientId: "bundle-client", enabled: true } }));
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), dynamo?.stop(), sns?.stop()]);
    rmSync(workDir, { recursive: true, force: true });
  });

  it("ingest stores a batch", async () => {
    const event = apiGatewayEvent({ method: "POST", route: "/v1/trades", body: JSON.stringify({ trades: [{ tradeId: "Z-1", symbol: "IBM", price: 190.1, quantity: 3, side: "buy", timestamp: "2024-03-01T10:00:00Z" }] }) });
    const result = (await invokeBundled("ingest", event, { INGESTION_BUCKET: "bundle-ingestion", API_KEYS_TABLE: "bundle-api-keys", AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint })) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body)).toMatchObject({ accepted: 1, objectKey: expect.stringMatching(/^trades\/date=2024-03-01\/hour=10\/theApiKeyId-/) });
  });

  it("sessions creates a session", async () => {
    const event = apiGatewayEvent({ method: "POST", route: "/v1/sessions" });
    const result = (await invokeBundled("sessions", event, { SESSIONS_TABLE: "bundle-sessions", SESSION_TTL_SECONDS: "3600", AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint })) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body).clientId).toBe("theApiKeyId");
  });

  it("alert-forwarder publishes the recorded sample", async () => {
    const topicArn = sns.createTopic("bundle-alerts");
    const result = await invokeBundled("alert-forwarder", recordedLogsEvent(), { ALERTS_TOPIC_ARN: topicArn, AWS_ENDPOINT_URL_SNS: sns.endpoint });
    expect(result).toEqual({ alerts: 2, messages: 1 });
    expect(sns.published.map((message) => message.subject)).toEqual(["[testLogGroup] 2 alerts: First test message"]);
  });
});
