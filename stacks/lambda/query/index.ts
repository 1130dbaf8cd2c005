import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createDatabase, databaseSettingsFromEnvironment, secretsManagerCredentials } from "../shared/database";
import { requiredEnv } from "../shared/env";
import { createLogger } from "../shared/logger";
import { createQueryHandler } from "./handler";
import { manifest } from "./manifest";

const logger = createLogger({ fields: { function: "query" } });
const database = createDatabase(
  { ...databaseSettingsFromEnvironment(process.env, "query"), ...manifest.database },
  secretsManagerCredentials(new SecretsManagerClient({}), requiredEnv(process.env, "DB_SECRET_ARN")),
);

export const handler = createQueryHandler({ database, logger });
