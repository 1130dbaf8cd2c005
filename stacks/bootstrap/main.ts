// Synth entry of the bootstrap stacks (`npm run synth:bootstrap [-- <account>[,<account>]]`):
// the only file of the bootstrap that reads the process environment and the disk.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { App } from "cdktf";
import { copyProviderLock, validateApp } from "../../synth";
import { ACCOUNTS_FILE, type Accounts, AccountsError, parseAccounts, placeholderAccountProblems } from "../config/accounts";
import { parseBackend } from "../config/backend-setting";
import { ConfigurationError } from "../config/configuration-error";
import { type Environment, loadEnvironments } from "../config/load-environments";
import { BootstrapStack, bootstrapStackIdFor } from "./bootstrap-stack";
import { bootstrapWorkspaceName, parseGithubConfig } from "./github-config";

// Bundled and run by scripts/synth.mjs like stacks/main.ts, which names the working tree in SYNTH_ROOT.
const repoRoot = resolve(process.env.SYNTH_ROOT || process.cwd());
const environmentsDir = join(repoRoot, "environments");
const githubFile = join(repoRoot, "stacks", "bootstrap", "github.json");
const accountsFile = join(repoRoot, ACCOUNTS_FILE);

/**
 * Synthesizing with the documentation's example account ids is allowed only
 * when asked for: a bootstrap is made to be applied, and its output would be
 * refused by every real account anyway.
 */
const ALLOW_PLACEHOLDERS_FLAG = "--allow-placeholder-accounts";

/** The accounts to bootstrap: the named ones, or every account an environment names. */
function selectAccounts(accounts: Accounts, environments: readonly Environment[], names: readonly string[]): string[] {
  const used = [...new Set(environments.map((environment) => environment.account.name))].sort();
  if (names.length === 0) return used;
  const problems = names.flatMap((name) => {
    if (!accounts.byName.has(name)) return [`${accounts.file}: unknown account "${name}"; expected one of: ${[...accounts.byName.keys()].join(", ")}`];
    if (!used.includes(name)) return [`${accounts.file}: ${name}: no environment file names this account, so it has no roles or regions to bootstrap; expected one of: ${used.join(", ")}`];
    return [];
  });
  if (problems.length > 0) throw new AccountsError(problems);
  return [...new Set(names)];
}

function main(): void {
  const args = process.argv.slice(2);
  const allowPlaceholders = args.includes(ALLOW_PLACEHOLDERS_FLAG);
  const names = args.filter((argument) => argument !== ALLOW_PLACEHOLDERS_FLAG).flatMap((argument) => argument.split(",")).map((name) => name.trim()).filter((name) => name && name !== "all");
  const backend = parseBackend(process.env.TF_BACKEND);
  const github = parseGithubConfig(relative(process.cwd(), githubFile), readFileSync(githubFile, "utf8"));
  const accounts = parseAccounts(relative(process.cwd(), accountsFile), readFileSync(accountsFile, "utf8"));
  const environments = loadEnvironments(
    {
      list: () => readdirSync(environmentsDir).filter((file) => file.endsWith(".json")).map((file) => file.slice(0, -".json".length)),
      read: (name) => readFileSync(join(environmentsDir, `${name}.json`), "utf8"),
      displayPath: (name) => relative(process.cwd(), join(environmentsDir, `${name}.json`)),
    },
    accounts,
  );
  const selected = selectAccounts(accounts, environments, names);
  const placeholders = placeholderAccountProblems(accounts, selected);
  if (placeholders.length > 0 && !allowPlaceholders) {
    throw new AccountsError([
      ...placeholders,
      `set the real account ids in ${accounts.file} before bootstrapping (${ALLOW_PLACEHOLDERS_FLAG} synthesizes anyway, for review only: every real account refuses the result)`,
    ]);
  }

  const outdir = resolve(process.env.CDKTF_OUTDIR ?? join("cdktf.out", "bootstrap"));
  // Written in place, not swapped in like the environments' cdktf.out: with TF_BACKEND=local the
  // stacks keep their state in their own folders.
  mkdirSync(dirname(outdir), { recursive: true }); // a fresh clone has no cdktf.out/ yet
  const app = new App({ outdir, skipValidation: true });
  for (const name of selected) {
    const account = accounts.byName.get(name)!;
    new BootstrapStack(app, bootstrapStackIdFor(name), {
      github,
      account,
      environments: environments.filter((environment) => environment.account.name === name),
      backend,
    });
  }
  app.synth();
  validateApp(app);
  // Each stack folder gets the committed provider lock file, as the environments' stacks do (synthesize()).
  copyProviderLock({ root: repoRoot, outdir });
  for (const warning of allowPlaceholders ? placeholders : []) console.error(`Warning: ${warning}. The synthesized stack is for review only.`);
  const width = Math.max(...selected.map((name) => bootstrapStackIdFor(name).length));
  for (const name of selected) {
    const stackDir = relative(process.cwd(), join(outdir, "stacks", bootstrapStackIdFor(name))) || ".";
    const roles = environments.filter((environment) => environment.account.name === name).map((environment) => environment.name);
    const state = backend === "local" ? "local state" : `Terraform Cloud workspace ${bootstrapWorkspaceName(github, name)}`;
    console.log(`${bootstrapStackIdFor(name).padEnd(width)}  ${stackDir}/cdk.tf.json  account ${name} (${accounts.byName.get(name)!.id}), roles for ${roles.join(", ")} (${state})`);
  }
  console.log("Apply each with that account's administrator credentials: cd <folder> && terraform init && terraform apply");
}

try {
  main();
} catch (error) {
  console.error(error instanceof ConfigurationError || error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
