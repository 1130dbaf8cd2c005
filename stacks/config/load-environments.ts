import type { AccountSettings, Accounts } from "./accounts";
import { ConfigurationError } from "./configuration-error";
import { describeIssue } from "./describe-issue";
import { environmentSchema, type EnvironmentConfig } from "./environment-schema";

/** A named environment: the file it came from and its validated settings. */
export interface Environment {
  /** The file's base name (`dev` for `environments/dev.json`). */
  readonly name: string;
  readonly file: string;
  readonly config: EnvironmentConfig;
  /** The account named by `config.account`, from accounts.json. */
  readonly account: AccountSettings;
}

/** An environment file that passed its own schema, before its account is looked up. */
export type ParsedEnvironment = Omit<Environment, "account">;

/** Thrown when one or more environment files are unusable; lists every problem at once. */
export class EnvironmentError extends ConfigurationError {
  constructor(problems: readonly string[]) {
    super("Invalid environment configuration", problems);
  }
}

/** The read-only view of a directory that loading needs, so tests can pass a real temp dir or an in-memory one. */
export interface EnvironmentSource {
  /** Names of the `*.json` files in the directory, without extension. */
  list(): string[];
  /** File contents, or undefined if the file does not exist. */
  read(name: string): string | undefined;
  /** How to show a file in messages, e.g. `environments/dev.json`. */
  displayPath(name: string): string;
}

/** Validates one environment file's text; pure, so every error path is testable without a disk. */
export function parseEnvironment(name: string, file: string, text: string): ParsedEnvironment | string[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return [`${file}: not valid JSON (${(error as Error).message})`];
  }
  const result = environmentSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    return result.error.issues.map((issue) => describeIssue(file, issue));
  }
  return { name, file, config: result.data };
}

/**
 * Loads and validates the named environments (all of them when `names` is
 * empty), each with the account it names in `accounts`. Every problem in
 * every file is collected before throwing, so one run shows everything that
 * needs fixing.
 */
export function loadEnvironments(source: EnvironmentSource, accounts: Accounts, names: readonly string[] = []): Environment[] {
  const available = source.list().sort();
  const wanted = names.length > 0 ? [...new Set(names)] : available;
  const problems: string[] = [];
  const environments: Environment[] = [];

  if (available.length === 0 && names.length === 0) {
    throw new EnvironmentError([`${source.displayPath("*")}: no environment files found`]);
  }
  for (const name of wanted) {
    const file = source.displayPath(name);
    const text = available.includes(name) ? source.read(name) : undefined;
    if (text === undefined) {
      problems.push(`${file}: unknown environment "${name}"; expected one of: ${available.join(", ") || "(none)"}`);
      continue;
    }
    const parsed = parseEnvironment(name, file, text);
    if (Array.isArray(parsed)) {
      problems.push(...parsed);
      continue;
    }
    const account = accounts.byName.get(parsed.config.account);
    if (!account) {
      const known = [...accounts.byName.keys()].join(", ") || "(none)";
      problems.push(`${file}: account: found "${parsed.config.account}", expected an account named in ${accounts.file}: ${known}`);
      continue;
    }
    environments.push({ ...parsed, account });
  }

  const bySuffix = new Map<string, string>();
  const byWorkspace = new Map<string, string>();
  for (const environment of environments) {
    const { config, file } = environment;
    const suffixOwner = bySuffix.get(config.environmentSuffix);
    if (suffixOwner) problems.push(`${file}: environmentSuffix: found "${config.environmentSuffix}", expected a value not already used by ${suffixOwner}`);
    bySuffix.set(config.environmentSuffix, file);
    const workspaceKey = `${config.terraformCloud.organization}/${config.terraformCloud.workspace}`;
    const workspaceOwner = byWorkspace.get(workspaceKey);
    if (workspaceOwner) problems.push(`${file}: terraformCloud.workspace: found "${config.terraformCloud.workspace}", expected a workspace not already used by ${workspaceOwner}`);
    byWorkspace.set(workspaceKey, file);
  }

  if (problems.length > 0) throw new EnvironmentError(problems);
  return environments;
}
