import type { z } from "zod";
import { ConfigurationError } from "./configuration-error";
import { environmentSchema, type EnvironmentConfig } from "./environment-schema";

/** A named environment: the file it came from and its validated settings. */
export interface Environment {
  /** The file's base name (`dev` for `environments/dev.json`). */
  readonly name: string;
  readonly file: string;
  readonly config: EnvironmentConfig;
}

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

const describeValue = (value: unknown): string => {
  if (value === undefined) return "nothing (the field is missing)";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const formatPath = (path: readonly PropertyKey[]): string =>
  path.length === 0 ? "(file)" : path.map((part) => (typeof part === "number" ? `[${part}]` : String(part))).join(".").replace(/\.\[/g, "[");

function describeIssue(file: string, issue: z.core.$ZodIssue): string {
  const field = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    return `${file}: ${issue.keys.map((key) => (field === "(file)" ? key : `${field}.${key}`)).join(", ")}: unknown field; expected only the fields the schema defines (check the spelling)`;
  }
  const expected = issue.code === "invalid_type" ? `a value of type ${issue.expected}` : issue.message;
  const found = "input" in issue ? describeValue(issue.input) : "an invalid value";
  return `${file}: ${field}: found ${found}, expected ${expected}`;
}

/** Validates one environment file's text; pure, so every error path is testable without a disk. */
export function parseEnvironment(name: string, file: string, text: string): Environment | string[] {
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
 * empty). Every problem in every file is collected before throwing, so one
 * run shows everything that needs fixing.
 */
export function loadEnvironments(source: EnvironmentSource, names: readonly string[] = []): Environment[] {
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
    if (Array.isArray(parsed)) problems.push(...parsed);
    else environments.push(parsed);
  }

  const bySuffix = new Map<string, string>();
  const byWorkspace = new Map<string, string>();
  const singletonOwners = new Map<string, string[]>();
  for (const environment of environments) {
    const { config, file } = environment;
    const suffixOwner = bySuffix.get(config.environmentSuffix);
    if (suffixOwner) problems.push(`${file}: environmentSuffix: found "${config.environmentSuffix}", expected a value not already used by ${suffixOwner}`);
    bySuffix.set(config.environmentSuffix, file);
    const workspaceKey = `${config.terraformCloud.organization}/${config.terraformCloud.workspace}`;
    const workspaceOwner = byWorkspace.get(workspaceKey);
    if (workspaceOwner) problems.push(`${file}: terraformCloud.workspace: found "${config.terraformCloud.workspace}", expected a workspace not already used by ${workspaceOwner}`);
    byWorkspace.set(workspaceKey, file);
    if (config.ownsAccountSingletons) {
      const account = `${config.accountId ?? "(default account)"} in ${config.region}`;
      singletonOwners.set(account, [...(singletonOwners.get(account) ?? []), file]);
    }
  }
  for (const [account, owners] of singletonOwners) {
    if (owners.length > 1) {
      problems.push(`${owners.join(", ")}: ownsAccountSingletons: found true in ${owners.length} files for account ${account}, expected at most one (AWS allows one Config recorder per account and region)`);
    }
  }

  if (problems.length > 0) throw new EnvironmentError(problems);
  return environments;
}
