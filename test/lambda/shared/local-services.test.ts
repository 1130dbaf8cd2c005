import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type LocalDynamo, type LocalS3, startLocalDynamo, startLocalS3, tableShapes } from "../../support/local-services";

describe("local S3 and DynamoDB", () => {
  let s3: LocalS3;
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    [s3, dynamo] = await Promise.all([startLocalS3(), startLocalDynamo()]);
  });
  afterAll(async () => {
    await Promise.all([s3?.stop(), dynamo?.stop()]);
  });

  it("listens on loopback with an ephemeral port", () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s3.endpoint).not.toBe(dynamo.endpoint);
  });

  it("stores and returns objects through the real S3 client (signed requests, path style)", async () => {
    await s3.createBucket("harness-bucket");
    await s3.client.send(new PutObjectCommand({ Bucket: "harness-bucket", Key: "a/b.txt", Body: "hello", Metadata: { "client-id": "c1" } }));
    const object = await s3.client.send(new GetObjectCommand({ Bucket: "harness-bucket", Key: "a/b.txt" }));
    expect(await object.Body!.transformToString()).toBe("hello");
    expect(object.Metadata).toEqual({ "client-id": "c1" });
  });

  it("plain s3rver ignores If-None-Match on PUT (why the conditional-write proxy exists)", async () => {
    await s3.createBucket("plain-bucket");
    await s3.client.send(new PutObjectCommand({ Bucket: "plain-bucket", Key: "k", Body: "first", IfNoneMatch: "*" }));
    await s3.client.send(new PutObjectCommand({ Bucket: "plain-bucket", Key: "k", Body: "second", IfNoneMatch: "*" }));
    expect(await (await s3.client.send(new GetObjectCommand({ Bucket: "plain-bucket", Key: "k" }))).Body!.transformToString()).toBe("second");
  });

  it("with conditionalWrites, a second create-only PUT fails with 412 PreconditionFailed, even when concurrent", async () => {
    const strict = await startLocalS3({ conditionalWrites: true });
    try {
      await strict.createBucket("strict-bucket");
      const attempts = await Promise.allSettled(
        ["a", "b", "c", "d"].map((body) => strict.client.send(new PutObjectCommand({ Bucket: "strict-bucket", Key: "once/k.txt", Body: body, IfNoneMatch: "*" }))),
      );
      expect(attempts.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(1);
      for (const attempt of attempts.filter((item) => item.status === "rejected")) {
        expect((attempt as PromiseRejectedResult).reason).toMatchObject({ name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
      }
      // Unconditional writes and reads pass through unchanged.
      await strict.client.send(new PutObjectCommand({ Bucket: "strict-bucket", Key: "once/k.txt", Body: "overwritten" }));
      expect(await (await strict.client.send(new GetObjectCommand({ Bucket: "strict-bucket", Key: "once/k.txt" }))).Body!.transformToString()).toBe("overwritten");
    } finally {
      await strict.stop();
    }
  });

  it("creates tables keyed like the platform's and enforces the key schema", async () => {
    await dynamo.createTable("api-keys", tableShapes.apiKeys);
    await dynamo.client.send(new PutItemCommand({ TableName: "api-keys", Item: { apiKeyId: { S: "k1" }, enabled: { BOOL: true } } }));
    const item = await dynamo.client.send(new GetItemCommand({ TableName: "api-keys", Key: { apiKeyId: { S: "k1" } } }));
    expect(item.Item?.enabled).toEqual({ BOOL: true });
    await expect(dynamo.client.send(new PutItemCommand({ TableName: "api-keys", Item: { other: { S: "x" } } }))).rejects.toThrow(/key/i);
  });
});
