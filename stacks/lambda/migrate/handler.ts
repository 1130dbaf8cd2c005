import { type InvocationContext, invocationRemainingMs } from "../shared/connect-budget";
import type { Database } from "../shared/database";
import type { Logger } from "../shared/logger";
import { applyMigrations, type MigrationResult, type MigrationSource } from "./migrator";

export interface MigrateDependencies {
  readonly database: Database;
  readonly migrations: readonly MigrationSource[];
  readonly logger: Logger;
}

/**
 * Terraform's aws_lambda_invocation calls this on every apply whose trigger
 * (the migrations' hash) changed; its input is ignored. Throwing fails the
 * apply, which is what a migration that cannot be applied must do.
 */
export function createMigrateHandler(deps: MigrateDependencies): (event?: unknown, context?: InvocationContext) => Promise<MigrationResult> {
  return async (_event, context) => {
    // The first apply after the cluster paused waits out its resume here.
    const client = await deps.database.connect({ remainingMs: invocationRemainingMs(context) });
    try {
      const result = await applyMigrations(client, deps.migrations);
      deps.logger.info(result.applied.length > 0 ? "Applied migrations" : "Schema already up to date", { ...result });
      return result;
    } catch (error) {
      deps.logger.error("Migrations failed; nothing was applied", { error });
      throw error;
    } finally {
      client.release();
    }
  };
}
