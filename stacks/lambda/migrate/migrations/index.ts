import type { MigrationSource } from "../migrator";
import { sql as marketDataSchema } from "./0001_market_data_schema";
import { sql as tradeIdentities } from "./0002_trade_identities";

/**
 * Every migration, oldest first. The file name is the migration's identity:
 * `NNNN_description`, NNNN strictly increasing. Add new ones at the end.
 */
export const migrations: readonly MigrationSource[] = [
  { file: "0001_market_data_schema", sql: marketDataSchema },
  { file: "0002_trade_identities", sql: tradeIdentities },
];
