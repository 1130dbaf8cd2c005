// Lambda entry: reads the environment, creates the SDK clients once per cold start, and delegates.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createLogger } from "../shared/logger";
import { createIngestHandler, ingestConfigFromEnv } from "./ingest";

export const handler = createIngestHandler({
  s3: new S3Client({}),
  documents: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  config: ingestConfigFromEnv(process.env),
  logger: createLogger({ fields: { function: "ingest" } }),
});
