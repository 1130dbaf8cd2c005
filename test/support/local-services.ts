/**
 * Real local stand-ins for S3 (s3rver), DynamoDB (dynalite) and SNS's Publish
 * (a small Query-protocol server), started on loopback with ephemeral ports,
 * and real AWS SDK v3 clients pointed at them.
 * Works offline; `stop()` destroys the clients, drops keep-alive sockets and
 * closes the servers so jest sees no open handles.
 *
 *   const s3 = await startLocalS3();            // afterAll(() => s3.stop())
 *   await s3.createBucket("ingestion");
 *   const dynamo = await startLocalDynamo();
 *   await dynamo.createTable("sessions", tableShapes.sessions);
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

// The installed packages ship no type declarations; these are the parts we use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (options: Record<string, unknown>) => Server;

export const LOCAL_REGION = "us-east-1";

/** s3rver verifies SigV4 signatures against this account, so requests are really signed. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

/** Key schemas of the platform's DynamoDB tables, as the stack synthesizes them. */
export const tableShapes = {
  sessions: { hashKey: "sessionId", ttlAttribute: "expiresAt" },
  apiKeys: { hashKey: "apiKeyId" },
} as const satisfies Record<string, TableShape>;

export interface TableShape {
  /** String hash key; the platform's tables have no sort key. */
  readonly hashKey: string;
  /**
   * TTL attribute (epoch seconds). dynalite does not implement TTL deletion, so
   * expired items stay readable locally, exactly as they do on DynamoDB for
   * up to a few days: handlers must check expiry themselves.
   */
  readonly ttlAttribute?: string;
}

export function localS3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, maxAttempts: 1 });
}

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // SDK clients keep sockets alive; close() alone would wait for them to time out.
    server.closeAllConnections();
  });
}

export interface LocalS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalS3Options {
  /**
   * Enforce S3's conditional writes (`PutObject` with `If-None-Match: *` fails
   * with 412 PreconditionFailed when the key exists), which s3rver ignores, by
   * putting a small loopback proxy in front of it that checks and writes one
   * request per key at a time, as S3 does. Default false (plain s3rver).
   */
  readonly conditionalWrites?: boolean;
}

const PRECONDITION_FAILED_XML =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>';

function upstreamStatus(port: number, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest({ host: "127.0.0.1", port, method, path }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    upstream.on("error", reject);
    upstream.end();
  });
}

function conditionalWriteProxy(targetPort: number): Server {
  const tails = new Map<string, Promise<void>>();
  const forward = (request: IncomingMessage, response: ServerResponse): Promise<void> =>
    new Promise((resolve) => {
      const upstream = httpRequest({ host: "127.0.0.1", port: targetPort, method: request.method, path: request.url, headers: request.headers }, (reply) => {
        response.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(response);
        reply.on("end", () => resolve());
        reply.on("error", () => resolve());
      });
      upstream.on("error", (error) => {
        response.destroy(error);
        resolve();
      });
      request.pipe(upstream);
    });

  return createServer((request, response) => {
    const [path, query] = (request.url ?? "/").split("?");
    // Only whole-object PUTs (the SDK adds ?x-id=PutObject; no ?partNumber, ?tagging, ...) with If-None-Match: * are conditional.
    const subresources = [...new URLSearchParams(query ?? "").keys()].filter((name) => name !== "x-id");
    if (request.method !== "PUT" || request.headers["if-none-match"] !== "*" || subresources.length > 0) {
      void forward(request, response);
      return;
    }
    const previous = tails.get(path) ?? Promise.resolve();
    const current = previous.then(async () => {
      if ((await upstreamStatus(targetPort, "HEAD", path)) === 200) {
        request.resume();
        response.writeHead(412, { "Content-Type": "application/xml" });
        response.end(PRECONDITION_FAILED_XML);
        return;
      }
      await forward(request, response);
    });
    const tail = current.catch((error: Error) => void response.destroy(error));
    tails.set(path, tail);
    void tail.then(() => {
      if (tails.get(path) === tail) tails.delete(path);
    });
  });
}

export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, resetOnClose: true });
  const address = await server.run();
  let proxy: Server | undefined;
  let port = address.port;
  if (options.conditionalWrites) {
    proxy = conditionalWriteProxy(address.port);
    await new Promise<void>((resolve, reject) => {
      proxy!.once("error", reject);
      proxy!.listen(0, "127.0.0.1", () => resolve());
    });
    port = (proxy.address() as AddressInfo).port;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localS3Client(endpoint);
  let stopped = false;
  return {
    endpoint,
    client,
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      client.destroy();
      if (proxy) await closeServer(proxy);
      if (server.httpServer) await closeServer(server.httpServer);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Marshalling client (plain JS values), as the handlers use. */
  readonly documents: DynamoDBDocumentClient;
  createTable(name: string, shape: TableShape): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalDynamo(): Promise<LocalDynamo> {
  // Zero delays: tables are ACTIVE as soon as CreateTable returns.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = localDynamoClient(endpoint);
  const documents = DynamoDBDocumentClient.from(client);
  let stopped = false;
  return {
    endpoint,
    client,
    documents,
    createTable: async (name, shape) => {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: shape.hashKey, AttributeType: "S" }],
          KeySchema: [{ AttributeName: shape.hashKey, KeyType: "HASH" }],
        }),
      );
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      documents.destroy();
      client.destroy();
      await closeServer(server);
    },
  };
}

/** One message as the local SNS received it. */
export interface PublishedMessage {
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly messageId: string;
}

export interface LocalSns {
  readonly endpoint: string;
  /** A real `@aws-sdk/client-sns` client pointed at the local server. */
  readonly client: SNSClient;
  /** Registers a topic and returns its ARN; Publish to any other ARN fails as on AWS (NotFound). */
  createTopic(name: string): string;
  /** Every accepted Publish, in order. */
  readonly published: PublishedMessage[];
  /** Makes the next `count` requests fail with a 500 InternalError (to test retries and error paths). */
  failNext(count: number): void;
  stop(): Promise<void>;
}

/** SNS's documented limits, enforced as SNS does so an oversized publish fails here too. */
export const SNS_MAX_MESSAGE_BYTES = 256 * 1024;
const SNS_XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A minimal SNS on loopback speaking the Query protocol's `Publish` action
 * (form-encoded request, XML response), which is what the real SDK client
 * sends. Nothing else is implemented.
 */
export async function startLocalSns(): Promise<LocalSns> {
  const topics = new Set<string>();
  const published: PublishedMessage[] = [];
  let failures = 0;
  let sequence = 0;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const requestId = `local-${++sequence}`;
      const reply = (status: number, xml: string) => {
        response.writeHead(status, { "Content-Type": "text/xml", "x-amzn-RequestId": requestId });
        response.end(`<?xml version="1.0"?>\n${xml}`);
      };
      const fail = (status: number, type: "Sender" | "Receiver", code: string, message: string) =>
        reply(status, `<ErrorResponse xmlns="${SNS_XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);

      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      if (failures > 0) {
        failures--;
        return fail(500, "Receiver", "InternalError", "Injected failure");
      }
      if (form.get("Action") !== "Publish") return fail(400, "Sender", "InvalidAction", `The action ${form.get("Action")} is not valid for this endpoint.`);
      const topicArn = form.get("TopicArn") ?? "";
      if (!topics.has(topicArn)) return fail(404, "Sender", "NotFound", "Topic does not exist");
      const message = form.get("Message");
      if (message === null || message === "") return fail(400, "Sender", "InvalidParameter", "Invalid parameter: Empty message");
      const subject = form.get("Subject") ?? undefined;
      // eslint-disable-next-line no-control-regex -- SNS refuses control characters in subjects
      if (subject !== undefined && (subject.length >= 100 || subject === "" || /[\x00-\x1f\x7f]/.test(subject))) {
        return fail(400, "Sender", "InvalidParameter", "Invalid parameter: Subject");
      }
      if (Buffer.byteLength(message, "utf8") + Buffer.byteLength(subject ?? "", "utf8") > SNS_MAX_MESSAGE_BYTES) {
        return fail(400, "Sender", "InvalidParameter", "Invalid parameter: Message too long");
      }
      const messageId = randomUUID();
      published.push({ topicArn, subject, message, messageId });
      reply(200, `<PublishResponse xmlns="${SNS_XMLNS}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new SNSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  let stopped = false;
  return {
    endpoint,
    client,
    published,
    createTopic: (name) => {
      const arn = `arn:aws:sns:${LOCAL_REGION}:000000000000:${name}`;
      topics.add(arn);
      return arn;
    },
    failNext: (count) => {
      failures = count;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      client.destroy();
      await closeServer(server);
    },
  };
}
