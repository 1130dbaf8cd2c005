import { gzipSync } from "node:zlib";
import { PublishCommand } from "@aws-sdk/client-sns";
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent, CloudWatchLogsLogEvent } from "aws-lambda";
import { alertForwarderConfigFromEnv, createAlertForwarderHandler, type ForwardResult } from "../../../stacks/lambda/alert-forwarder/alert-forwarder";
import { manifest } from "../../../stacks/lambda/alert-forwarder/manifest";
import { createLogger } from "../../../stacks/lambda/shared/logger";
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalSns, SNS_MAX_MESSAGE_BYTES, startLocalSns } from "../../support/local-services";
import { cloudWatchLogsEvent, recordedLogsData, recordedLogsEvent } from "../shared/recorded-events";

const REGION = "eu-west-1";
const LOG_GROUP = "/aws/lambda/trading-platform-dev-ingest";
const LOG_STREAM = "2024/03/01/[$LATEST]0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const REQUEST = "6234bffe-149a-b642-81ff-2e8e376d8aff";

// Lines as the Node.js runtime writes them (text log format), see test/fixtures/events/README.md.
const LINES = {
  start: `START RequestId: ${REQUEST} Version: $LATEST`,
  info: `2024-03-01T14:30:00.123Z\t${REQUEST}\tINFO\tretrying after ERROR from upstream`,
  warn: `2024-03-01T14:30:00.200Z\t${REQUEST}\tWARN\tslow response`,
  consoleError: `2024-03-01T14:30:00.300Z\t${REQUEST}\tERROR\tcould not reach the api-keys table`,
  invokeError: `2024-03-01T14:30:00.456Z\t${REQUEST}\tERROR\tInvoke Error \t{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined (reading 'trades')","stack":["TypeError: Cannot read properties of undefined (reading 'trades')","    at Runtime.handler (/var/task/index.js:1:2345)","    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1:1)"]}\n`,
  end: `END RequestId: ${REQUEST}`,
  report: `REPORT RequestId: ${REQUEST}\tDuration: 3003.12 ms\tBilled Duration: 3000 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\t\n`,
  timeout: `2024-03-01T14:31:03.130Z ${REQUEST} Task timed out after 3.00 seconds\n`,
  exitError: `RequestId: ${REQUEST} Error: Runtime exited with error: exit status 1\nRuntime.ExitError\n`,
  importError: `2024-03-01T14:32:00.000Z\tundefined\tERROR\tUncaught Exception \t{"errorType":"Runtime.ImportModuleError","errorMessage":"Error: Cannot find module 'index'"}\n`,
  structuredError: JSON.stringify({ level: "ERROR", time: "2024-03-01T14:33:00.000Z", message: "Unhandled error while serving request", function: "ingest", requestId: REQUEST, error: { name: "NoSuchBucket", message: "The specified bucket does not exist" } }),
  structuredInfo: JSON.stringify({ level: "INFO", time: "2024-03-01T14:33:00.100Z", message: "Stored trade batch", function: "ingest" }),
  lambdaJsonFormatError: JSON.stringify({ timestamp: "2024-03-01T14:34:00.000Z", level: "ERROR", requestId: REQUEST, message: { errorType: "Error", errorMessage: "boom" } }),
};

function logsData(messages: readonly string[], overrides: Partial<CloudWatchLogsDecodedData> = {}): CloudWatchLogsDecodedData {
  const base = recordedLogsData();
  const logEvents: CloudWatchLogsLogEvent[] = messages.map((message, index) => ({
    id: `3762206068520666585712252220944814153724111676959241${String(index).padStart(4, "0")}`,
    timestamp: Date.UTC(2024, 2, 1, 14, 30) + index,
    message,
  }));
  return { ...base, logGroup: LOG_GROUP, logStream: LOG_STREAM, subscriptionFilters: ["trading-platform-dev-alerts"], logEvents, ...overrides };
}

let sns: LocalSns;
let topicArn: string;
beforeAll(async () => {
  sns = await startLocalSns();
  topicArn = sns.createTopic("trading-platform-dev-alerts");
});
afterAll(async () => {
  await sns?.stop();
});
beforeEach(() => {
  sns.published.length = 0;
});

function forwarder(options: { ownLogGroup?: string; maxMessageBytes?: number } = {}) {
  return createAlertForwarderHandler({
    publisher: { publish: (input) => sns.client.send(new PublishCommand(input)) },
    config: { topicArn, region: REGION, ...options },
    logger: createLogger({ write: () => undefined }),
  });
}

describe("alert forwarder", () => {
  it("forwards the recorded CloudWatch Logs sample's two [ERROR] lines as one message", async () => {
    const result = await forwarder()(recordedLogsEvent());
    expect(result).toEqual<ForwardResult>({ alerts: 2, messages: 1 });
    expect(sns.published).toHaveLength(1);
    const [published] = sns.published;
    expect(published.topicArn).toBe(topicArn);
    expect(published.subject).toBe("[testLogGroup] 2 alerts: First test message");
    expect(published.message).toContain("[2015-08-24T19:03:07.000Z] [ERROR] First test message\n[2015-08-24T19:03:07.001Z] [ERROR] Second test message\n");
    expect(published.message).toContain("Log stream: testLogStream");
    expect(published.message).toContain("Account:    123456789123");
  });

  it("selects ERROR-level and unhandled-failure lines of a Lambda log batch, and nothing else", async () => {
    const result = await forwarder()(cloudWatchLogsEvent(logsData(Object.values(LINES))));
    expect(result).toEqual({ alerts: 7, messages: 1 });
    const { subject, message } = sns.published[0];
    expect(subject).toBe("[trading-platform-dev-ingest] 7 alerts: could not reach the api-keys table");
    const forwarded = message.split("\n").filter((line) => line.startsWith("[2024-"));
    expect(forwarded.map((line) => line.replace(/^\[[^\]]+\] /, ""))).toEqual([
      LINES.consoleError,
      LINES.invokeError.trimEnd(),
      LINES.timeout.trimEnd(),
      `RequestId: ${REQUEST} Error: Runtime exited with error: exit status 1`,
      LINES.importError.trimEnd(),
      LINES.structuredError,
      LINES.lambdaJsonFormatError,
    ]);
    expect(message).toContain("Runtime.ExitError");
    expect(message).not.toContain("retrying after ERROR from upstream");
    expect(message).not.toContain("Stored trade batch");
  });

  it("names the function and links to its log stream in the region's console, opened just before the first alert", async () => {
    await forwarder()(cloudWatchLogsEvent(logsData([LINES.info, LINES.invokeError])));
    const { message, subject } = sns.published[0];
    expect(subject).toBe("[trading-platform-dev-ingest] 1 alert: TypeError: Cannot read properties of undefined (reading '...");
    expect(message.split("\n").slice(0, 5)).toEqual([
      "1 alert line(s) from Lambda function trading-platform-dev-ingest",
      "Log group:  /aws/lambda/trading-platform-dev-ingest",
      "Log stream: 2024/03/01/[$LATEST]0a1b2c3d4e5f60718293a4b5c6d7e8f9",
      "Console:    https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Ftrading-platform-dev-ingest/log-events/2024$252F03$252F01$252F$255B$2524LATEST$255D0a1b2c3d4e5f60718293a4b5c6d7e8f9$3Fstart$3D1709303340001",
      `Account:    ${recordedLogsData().owner}`,
    ]);
  });

  it("ignores CloudWatch Logs control messages", async () => {
    const control = logsData(["CWL CONTROL MESSAGE: Checking health of destination Lambda function."], { messageType: "CONTROL_MESSAGE", owner: "CloudwatchLogs", logGroup: "", logStream: "", subscriptionFilters: [] });
    expect(await forwarder()(cloudWatchLogsEvent(control))).toEqual({ alerts: 0, messages: 0 });
    expect(sns.published).toHaveLength(0);
  });

  it("publishes nothing for a batch without alerts", async () => {
    expect(await forwarder()(cloudWatchLogsEvent(logsData([LINES.start, LINES.info, LINES.end, LINES.report])))).toEqual({ alerts: 0, messages: 0 });
    expect(sns.published).toHaveLength(0);
  });

  it("splits a large batch into messages SNS accepts, keeping every line once and in order", async () => {
    const lines = Array.from({ length: 3_000 }, (_, index) => `2024-03-01T14:30:00.000Z\t${REQUEST}\tERROR\tfailure ${String(index).padStart(4, "0")} ${"x".repeat(180)}`);
    const result = await forwarder()(cloudWatchLogsEvent(logsData(lines)));
    expect(result.messages).toBeGreaterThanOrEqual(3);
    expect(sns.published).toHaveLength(result.messages);
    for (const [index, published] of sns.published.entries()) {
      expect(Buffer.byteLength(published.message)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
      expect(published.subject).toContain(`(part ${index + 1}/${result.messages})`);
    }
    const forwarded = sns.published.flatMap((published) => published.message.match(/failure \d{4}/g) ?? []);
    expect(forwarded).toEqual(lines.map((_, index) => `failure ${String(index).padStart(4, "0")}`));
  });

  it("truncates a single line larger than an SNS message, saying so", async () => {
    const huge = `2024-03-01T14:30:00.000Z\t${REQUEST}\tERROR\t${"é".repeat(200_000)}`;
    await forwarder()(cloudWatchLogsEvent(logsData([huge])));
    const { message } = sns.published[0];
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    expect(message).toMatch(/…\[truncated \d+ bytes to \d+\]\n$/);
    expect(message).not.toContain("\uFFFD");
  });

  it("keeps subjects within SNS's rules: under 100 characters, one line, ASCII", async () => {
    await forwarder()(cloudWatchLogsEvent(logsData([`2024-03-01T14:30:00.000Z\t${REQUEST}\tERROR\tÜberweisung fehlgeschlagen: ${"détail ".repeat(40)}`])));
    const { subject } = sns.published[0];
    expect(subject!.length).toBeLessThan(100);
    expect(subject).toMatch(/^\[trading-platform-dev-ingest\] 1 alert: \?berweisung fehlgeschlagen: d\?tail /);
    expect(subject).toMatch(/\.\.\.$/);
  });

  it("never forwards its own log group", async () => {
    const own = "/aws/lambda/trading-platform-dev-alert-forwarder";
    expect(await forwarder({ ownLogGroup: own })(cloudWatchLogsEvent(logsData([LINES.invokeError], { logGroup: own })))).toEqual({ alerts: 0, messages: 0 });
    expect(sns.published).toHaveLength(0);
  });

  it("fails the invocation when SNS refuses, so Lambda retries the batch", async () => {
    sns.failNext(1);
    await expect(forwarder()(cloudWatchLogsEvent(logsData([LINES.invokeError])))).rejects.toThrow("Injected failure");
    expect(sns.published).toHaveLength(0);
  });

  it.each<[string, CloudWatchLogsEvent, RegExp]>([
    ["no awslogs.data", { awslogs: { data: "" } }, /awslogs\.data is missing/],
    ["data that is not gzip", { awslogs: { data: Buffer.from("plain text").toString("base64") } }, /not base64-encoded gzip/],
    ["gzip that is not JSON", { awslogs: { data: gzipSync("nope").toString("base64") } }, /does not decode to JSON/],
  ])("rejects a payload with %s, naming the step", async (_name, event, message) => {
    await expect(forwarder()(event)).rejects.toThrow(message);
  });
});

describe("alert forwarder environment and entry point", () => {
  const savedEnv = { ...process.env };
  afterAll(() => {
    process.env = savedEnv;
  });

  it("reads its manifest's variables plus the runtime's region and log group", () => {
    const env = { ...Object.fromEntries(Object.keys(manifest.environment).map((name) => [name, `value-of-${name}`])), AWS_REGION: REGION, AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/x" };
    expect(alertForwarderConfigFromEnv(env)).toEqual({ topicArn: "value-of-ALERTS_TOPIC_ARN", region: REGION, ownLogGroup: "/aws/lambda/x" });
    expect(() => alertForwarderConfigFromEnv({ AWS_REGION: REGION })).toThrow("Environment variable ALERTS_TOPIC_ARN is missing or empty");
  });

  it("publishes through the real SNS client configured from the environment only", async () => {
    process.env = {
      ...savedEnv,
      ALERTS_TOPIC_ARN: topicArn,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/trading-platform-dev-alert-forwarder",
    };
    let entry!: (event: CloudWatchLogsEvent) => Promise<ForwardResult>;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module instance per environment
      entry = require("../../../stacks/lambda/alert-forwarder/index").handler;
    });
    const write = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      expect(await entry(recordedLogsEvent())).toEqual({ alerts: 2, messages: 1 });
    } finally {
      write.mockRestore();
    }
    expect(sns.published[0].message).toContain(`https://${LOCAL_REGION}.console.aws.amazon.com/cloudwatch/home?region=${LOCAL_REGION}#logsV2:log-groups/log-group/testLogGroup/log-events/testLogStream`);
  });
});
