/**
 * Real local stand-ins for S3 (s3rver) and DynamoDB (dynalite), started on
 * loopback with ephemeral ports, and real AWS SDK v3 clients pointed at them.
 * Works offline; `stop()` destroys the clients, drops keep-alive sockets and
 * closes the servers so jest sees no open handles.
 *
 *   const s3 = await startLocalS3();            // afterAll(() => s3.stop())
 *   await s3.createBucket("ingestion");
 *   const dynamo = await startLocalDynamo();
 *   await dynamo.createTable("sessions", tableShapes.sessions);
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
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

export async function startLocalS3(): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, resetOnClose: true });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
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
