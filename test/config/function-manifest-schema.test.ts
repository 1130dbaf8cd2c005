import { ManifestError, validateManifests } from "../../stacks/config/function-manifest-schema";
import { type FunctionManifest, PLATFORM_RESOURCES } from "../../stacks/lambda/function-manifest";
import { functionManifests } from "../../stacks/lambda/manifests";
import { CONNECT_ATTEMPT_TIMEOUT_MS } from "../../stacks/lambda/shared/connect-budget";

const valid: FunctionManifest = {
  name: "sample",
  description: "sample",
  memorySize: 128,
  timeout: 60,
  inVpc: true,
  environment: { BUCKET: { resource: "ingestionBucket", attribute: "name" } },
  access: [{ resource: "database", level: "connect" }],
  trigger: { kind: "deployInvocation" },
  database: { statementTimeoutMs: 10_000, reserveMs: 15_000 },
};
const withoutDatabase: FunctionManifest = { ...valid, database: undefined, access: [] };

const WHERE = 'Lambda function "sample" (stacks/lambda/sample/manifest.ts): ';

/** Every problem synth reports for these manifests, without the location prefix of "sample". */
const problemsOf = (...manifests: readonly FunctionManifest[]): string[] => {
  try {
    validateManifests(manifests);
    return [];
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    return error.problems.map((problem) => problem.replace(WHERE, ""));
  }
};

/** A manifest as synth sees it: the bundler strips types, so what the compiler refuses can still arrive. */
const untyped = (manifest: object): FunctionManifest => manifest as FunctionManifest;

const quoted = (values: readonly string[]) => values.map((value) => `"${value}"`).join(", ");

describe("function manifests", () => {
  it("accepts the repository's manifests and the sample", () => {
    expect(problemsOf(...functionManifests)).toEqual([]);
    expect(problemsOf(valid)).toEqual([]);
  });

  it("names the function, the field, the value found and what was expected", () => {
    const bad = untyped({
      ...valid,
      memorySize: 64,
      environment: { DB: { resource: "databse", attribute: "writerEndpoint" }, BUCKET: { resource: "ingestionBucket", attribute: "arn" }, "NOT-A-NAME": { value: "x" } },
      access: [{ resource: "database", level: "admin" }],
      trigger: { kind: "sqs" },
    });
    let error: unknown;
    try {
      validateManifests([bad]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).problems).toEqual([
      `${WHERE}memorySize: found 64, expected whole MB between 128 and 10240`,
      `${WHERE}environment.DB.resource: found "databse", expected one of ${quoted(Object.keys(PLATFORM_RESOURCES))}`,
      `${WHERE}environment.BUCKET.attribute: found "arn", expected one of "name" for ingestionBucket`,
      `${WHERE}environment.NOT-A-NAME: found the key "NOT-A-NAME", expected a variable name of letters, digits and _`,
      `${WHERE}access[0].level: found "admin", expected one of "connect" for database`,
      `${WHERE}trigger.kind: found "sqs", expected one of "api", "s3ObjectCreated", "logSubscription", "deployInvocation"`,
    ]);
  });

  it("what the types refuse does not compile, and synth, which does not type-check, still names it", () => {
    // Each `@ts-expect-error` fails `npm run typecheck` if the manifest types ever accept the line below it.
    // @ts-expect-error the database has no such attribute
    const unknownAttribute: FunctionManifest = { ...withoutDatabase, environment: { DB: { resource: "database", attribute: "arn" } } };
    // @ts-expect-error no such resource
    const unknownResource: FunctionManifest = { ...withoutDatabase, access: [{ resource: "databse", level: "connect" }] };
    // @ts-expect-error the alerts topic grants publish only
    const unsupportedLevel: FunctionManifest = { ...withoutDatabase, access: [{ resource: "alertsTopic", level: "read" }] };
    // @ts-expect-error only the ingestion bucket's new objects trigger functions
    const untriggerableBucket: FunctionManifest = { ...withoutDatabase, trigger: { kind: "s3ObjectCreated", bucket: "analyticsBucket" } };
    // @ts-expect-error an API trigger has at least one route
    const noRoutes: FunctionManifest = { ...withoutDatabase, timeout: 10, trigger: { kind: "api", routes: [] } };
    // @ts-expect-error the database admits only traffic inside the VPC
    const outsideTheVpc: FunctionManifest = { ...valid, inVpc: false };
    const { database: _timing, ...untimedFields } = valid;
    // @ts-expect-error a function that connects declares how it spends its time
    const untimed: FunctionManifest = untimedFields;

    expect(problemsOf(unknownAttribute)).toEqual([`environment.DB.attribute: found "arn", expected one of ${quoted(PLATFORM_RESOURCES.database.attributes)} for database`]);
    expect(problemsOf(unknownResource)).toEqual([`access[0].resource: found "databse", expected one of ${quoted(Object.keys(PLATFORM_RESOURCES))}`]);
    expect(problemsOf(unsupportedLevel)).toEqual(['access[0].level: found "read", expected one of "publish" for alertsTopic']);
    expect(problemsOf(untriggerableBucket)).toEqual(['trigger.bucket: found "analyticsBucket", expected one of "ingestionBucket"']);
    expect(problemsOf(noRoutes)).toEqual(["trigger.routes: found [], expected at least one route"]);
    expect(problemsOf(outsideTheVpc)).toEqual(["inVpc: found false, expected true because access[0] connects to the database, which only admits traffic inside the VPC"]);
    expect(problemsOf(untimed)).toEqual(["database: found nothing (the field is missing), expected { statementTimeoutMs, reserveMs } because the function connects to the database"]);
    expect(problemsOf({ ...withoutDatabase, inVpc: true, database: { statementTimeoutMs: 10_000, reserveMs: 15_000 } })).toEqual([
      'database: found {"statementTimeoutMs":10000,"reserveMs":15000}, expected nothing: it is the timing of database connections, and no access[] entry is { resource: "database", level: "connect" }',
    ]);
    // Outside the VPC without database access is fine.
    expect(problemsOf({ ...withoutDatabase, inVpc: false, access: [{ resource: "ingestionBucket", level: "read" }] })).toEqual([]);
  });

  it("checks the numbers the types cannot: memory, timeout, reserved concurrency, database timing", () => {
    expect(problemsOf({ ...valid, memorySize: 10241, timeout: 0.5, reservedConcurrency: -1 })).toEqual([
      "memorySize: found 10241, expected whole MB between 128 and 10240",
      "timeout: found 0.5, expected whole seconds between 1 and 900",
      "reservedConcurrency: found -1, expected a whole number ≥ 0",
    ]);
    expect(problemsOf({ ...valid, database: { statementTimeoutMs: 0, reserveMs: 5_000 } })).toEqual(["database.statementTimeoutMs: found 0, expected whole milliseconds ≥ 1"]);
    expect(problemsOf({ ...valid, database: { statementTimeoutMs: 10_000, reserveMs: 5_000 } })).toEqual([
      "database.reserveMs: found 5000, expected whole milliseconds ≥ database.statementTimeoutMs (10000), so a statement fits after connecting",
    ]);
  });

  it("refuses a database function whose timing cannot wait out an Aurora resume or answer API Gateway in time", () => {
    // What migrate had before: 120 s minus a 101 s reserve leaves 19 s, less than a resume needs.
    expect(problemsOf({ ...valid, timeout: 120, database: { statementTimeoutMs: 100_000, reserveMs: 101_000 } })).toEqual([
      `timeout: found 120 s, which leaves 19000 ms to connect after database.reserveMs (101000); expected at least ${CONNECT_ATTEMPT_TIMEOUT_MS} ms to wait out an Aurora resume`,
    ]);
    // What query had before: 15 s cannot hold a resume of ~15 s and a statement.
    const api: FunctionManifest = { ...valid, trigger: { kind: "api", routes: [{ method: "GET", path: "/v1/x" }] } };
    expect(problemsOf({ ...api, timeout: 15, database: { statementTimeoutMs: 10_000, reserveMs: 11_000 } })).toEqual([
      `timeout: found 15 s, which leaves 4000 ms to connect after database.reserveMs (11000); expected at least ${CONNECT_ATTEMPT_TIMEOUT_MS} ms to wait out an Aurora resume`,
    ]);
    expect(problemsOf({ ...api, timeout: 29 })).toEqual(["timeout: found 29, expected at most 28 s: API Gateway stops waiting after 29 s"]);
    // Any API function, with or without the database (ingest had 30 s).
    expect(problemsOf({ ...withoutDatabase, trigger: api.trigger, timeout: 30 })).toEqual(["timeout: found 30, expected at most 28 s: API Gateway stops waiting after 29 s"]);
  });

  it("refuses a second log subscription target and a duplicate name", () => {
    const forwarder: FunctionManifest = { ...valid, trigger: { kind: "logSubscription" } };
    expect(problemsOf(forwarder, forwarder)).toEqual(["name: another manifest already uses it", "trigger.kind: only one function may be the logSubscription target"]);
  });
});
