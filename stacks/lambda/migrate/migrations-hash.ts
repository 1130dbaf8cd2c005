import { migrationsHash } from "./migrator";
import { migrations } from "./migrations";

/**
 * The hash the platform stack puts in the migrate invocation's trigger: it
 * changes exactly when a migration is added or changed. Kept free of SDK and
 * `pg` imports so the synth bundle stays small.
 */
export function currentMigrationsHash(): string {
  return migrationsHash(migrations);
}
