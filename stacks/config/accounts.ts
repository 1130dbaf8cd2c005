import { z } from "zod";
import { ConfigurationError } from "./configuration-error";
import { describeIssue } from "./describe-issue";

/**
 * The AWS accounts the platform deploys into, from `stacks/bootstrap/accounts.json`:
 * a map from account name to its id and to what the account already has.
 * Environment files name their account; the bootstrap creates one stack per
 * account. Validated like environment files: every problem, with file, field,
 * value found and what was expected.
 */

/** Where the accounts file lives, relative to the repository root. */
export const ACCOUNTS_FILE = "stacks/bootstrap/accounts.json";

export const ACCOUNT_NAME_PATTERN = /^[a-z][a-z0-9-]{1,30}$/;
export const ACCOUNT_NAME_DESCRIPTION = "an account name: a lower-case letter, then 1 to 30 lower-case letters, digits or '-'";

const accountSettingsSchema = z
  .object({
    id: z.string().regex(/^\d{12}$/, "a 12-digit AWS account id"),
    /**
     * `create`: the bootstrap creates GitHub's OIDC provider. `existing`: the
     * account already has one for token.actions.githubusercontent.com (IAM
     * allows one per URL), and the bootstrap reads it through a data source.
     */
    githubOidcProvider: z.enum(["create", "existing"], { message: '"create" or "existing" (the account already has GitHub\'s OIDC provider)' }),
    /**
     * `create`: the bootstrap creates the Config recorder, delivery channel and
     * bucket, and the PCI-DSS rules. `existing`: an organization or Control
     * Tower recorder already records the account, so only the rules are created.
     */
    awsConfig: z.enum(["create", "existing"], { message: '"create" or "existing" (an organization recorder already records the account)' }),
  })
  .strict();

const accountsSchema = z.record(z.string().regex(ACCOUNT_NAME_PATTERN, ACCOUNT_NAME_DESCRIPTION), accountSettingsSchema);

/** One AWS account the platform deploys into. */
export interface AccountSettings {
  /** The key in accounts.json (`prod`); names the bootstrap stack and its workspace. */
  readonly name: string;
  /** The 12-digit account id; every provider of the account's stacks refuses any other. */
  readonly id: string;
  readonly githubOidcProvider: "create" | "existing";
  readonly awsConfig: "create" | "existing";
}

/** The validated accounts file. */
export interface Accounts {
  /** How to show the file in messages (`stacks/bootstrap/accounts.json`). */
  readonly file: string;
  readonly byName: ReadonlyMap<string, AccountSettings>;
}

/** Thrown when accounts.json is unusable or an environment names an unknown account; lists every problem. */
export class AccountsError extends ConfigurationError {
  constructor(problems: readonly string[]) {
    super("Invalid account configuration", problems);
  }
}

/** Parses accounts.json's text, or throws one AccountsError listing every problem. */
export function parseAccounts(file: string, text: string): Accounts {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new AccountsError([`${file}: not valid JSON (${(error as Error).message})`]);
  }
  const result = accountsSchema.safeParse(data, { reportInput: true });
  if (!result.success) throw new AccountsError(result.error.issues.map((issue) => describeIssue(file, issue)));

  const problems: string[] = [];
  const entries = Object.entries(result.data);
  if (entries.length === 0) problems.push(`${file}: (file): found no accounts, expected at least one account (name → id, githubOidcProvider, awsConfig)`);
  const nameById = new Map<string, string>();
  for (const [name, settings] of entries) {
    const other = nameById.get(settings.id);
    // Two names for one account would give it two bootstrap stacks fighting over the same singletons.
    if (other) problems.push(`${file}: ${name}.id: found "${settings.id}", expected an id not already used by the account "${other}"`);
    nameById.set(settings.id, name);
  }
  if (problems.length > 0) throw new AccountsError(problems);
  return { file, byName: new Map(entries.map(([name, settings]) => [name, { name, ...settings }])) };
}

/**
 * Account ids AWS documentation uses in examples (IAM User Guide and API
 * references). The shipped accounts.json uses them as placeholders so synth
 * and tests run; nothing may be deployed with them: the bootstrap synth
 * refuses them, and scripts/environments.mjs (whose list a test keeps equal to
 * this one) warns at synth and refuses them in every workflow's preflight.
 */
export const DOCUMENTATION_EXAMPLE_ACCOUNT_IDS: readonly string[] = ["111122223333", "444455556666", "777788889999", "123456789012", "000000000000"];

/** One line per account (of those named) whose id is a documentation example, naming the file and field. */
export function placeholderAccountProblems(accounts: Accounts, names: readonly string[]): string[] {
  return [...new Set(names)]
    .map((name) => accounts.byName.get(name))
    .filter((account): account is AccountSettings => account !== undefined && DOCUMENTATION_EXAMPLE_ACCOUNT_IDS.includes(account.id))
    .map(
      (account) =>
        `${accounts.file}: ${account.name}.id: found "${account.id}", an AWS documentation example id (a placeholder), expected the 12-digit id of the real AWS account`,
    );
}
