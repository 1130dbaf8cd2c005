// Lambda entry: reads the environment, creates the SDK client once per cold start, and delegates.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createLogger } from "../shared/logger";
import { createSessionsHandler, sessionsConfigFromEnv } from "./sessions";

export const handler = createSessionsHandler({
  documents: DynamoDBDocumentClient.from(new DynamoDBClient({})),
  config: sessionsConfigFromEnv(process.env),
  logger: createLogger({ fields: { function: "sessions" } }),
});
