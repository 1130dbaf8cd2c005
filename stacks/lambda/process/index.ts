import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { createDatabase, databaseSettingsFromEnvironment, secretsManagerCredentials } from "../shared/database";
import { requiredEnv } from "../shared/env";
import { createLogger } from "../shared/logger";
import { createProcessHandler, processConfigFromEnv } from "./handler";
import { manifest } from "./manifest";

const logger = createLogger({ fields: { function: "process" } });
const database = createDatabase(
  // One connection: an invocation merges one object at a time.
  { ...databaseSettingsFromEnvironment(process.env, "process"), ...manifest.database, maxConnections: 1 },
  secretsManagerCredentials(new SecretsManagerClient({}), requiredEnv(process.env, "DB_SECRET_ARN")),
);
const sns = new SNSClient({});

export const handler = createProcessHandler({
  s3: new S3Client({}),
  database,
  publisher: { publish: (input) => sns.send(new PublishCommand(input)) },
  config: processConfigFromEnv(process.env),
  logger,
});
