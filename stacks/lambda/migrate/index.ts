import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createDatabase, databaseSettingsFromEnvironment, secretsManagerCredentials } from "../shared/database";
import { requiredEnv } from "../shared/env";
import { createLogger } from "../shared/logger";
import { createMigrateHandler } from "./handler";
import { manifest } from "./manifest";
import { migrations } from "./migrations";

const logger = createLogger({ fields: { function: "migrate" } });
const database = createDatabase(
  { ...databaseSettingsFromEnvironment(process.env, "migrate"), ...manifest.database },
  secretsManagerCredentials(new SecretsManagerClient({}), requiredEnv(process.env, "DB_SECRET_ARN")),
);

export const handler = createMigrateHandler({ database, migrations, logger });
