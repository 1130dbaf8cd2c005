import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ACCOUNTS_FILE, type Accounts, parseAccounts } from "../../stacks/config/accounts";
import { type Environment, type EnvironmentSource, loadEnvironments } from "../../stacks/config/load-environments";

export const repoRoot = join(__dirname, "..", "..");
export const environmentsDir = join(repoRoot, "environments");

/** The repository's real environment files. */
export const repoEnvironmentSource: EnvironmentSource = {
  list: () => readdirSync(environmentsDir).filter((file) => file.endsWith(".json")).map((file) => file.slice(0, -5)),
  read: (name) => readFileSync(join(environmentsDir, `${name}.json`), "utf8"),
  displayPath: (name) => `environments/${name}.json`,
};

/** An in-memory directory of environment files, for error-path tests. */
export function memorySource(files: Record<string, unknown>): EnvironmentSource {
  return {
    list: () => Object.keys(files),
    read: (name) => (name in files ? (typeof files[name] === "string" ? (files[name] as string) : JSON.stringify(files[name])) : undefined),
    displayPath: (name) => `environments/${name}.json`,
  };
}

/** The repository's real accounts file (stacks/bootstrap/accounts.json). */
export const repoAccounts = (): Accounts => parseAccounts(ACCOUNTS_FILE, readFileSync(join(repoRoot, ACCOUNTS_FILE), "utf8"));

/** A deep copy of the real accounts file's data, to mutate in tests. */
export const accountsData = (): Record<string, any> => JSON.parse(readFileSync(join(repoRoot, ACCOUNTS_FILE), "utf8")); // eslint-disable-line @typescript-eslint/no-explicit-any

export const repoEnvironments = (): Environment[] => loadEnvironments(repoEnvironmentSource, repoAccounts());

/** A deep copy of a real environment file's data, to mutate in tests. */
export const environmentData = (name: string): Record<string, any> => JSON.parse(repoEnvironmentSource.read(name)!); // eslint-disable-line @typescript-eslint/no-explicit-any
