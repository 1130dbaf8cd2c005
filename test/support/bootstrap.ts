import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { BootstrapStack, bootstrapStackIdFor } from "../../stacks/bootstrap/bootstrap-stack";
import { type GithubConfig, parseGithubConfig } from "../../stacks/bootstrap/github-config";
import type { AccountSettings } from "../../stacks/config/accounts";
import type { Environment } from "../../stacks/config/load-environments";
import { validateApp } from "../../synth/validate-app";
import { repoAccounts, repoEnvironments, repoRoot } from "./environments";
import type { SynthesizedStackJson } from "./synth";

/* eslint-disable @typescript-eslint/no-explicit-any */

export const repoGithub = (): GithubConfig => parseGithubConfig("stacks/bootstrap/github.json", readFileSync(join(repoRoot, "stacks", "bootstrap", "github.json"), "utf8"));

export interface BootstrapSynthOptions {
  readonly account: AccountSettings;
  readonly environments: readonly Environment[];
  readonly backend?: "cloud" | "local";
  readonly github?: GithubConfig;
}

/** Synthesizes one account's bootstrap stack as stacks/bootstrap/main.ts does (cdktf's validations minus the terraform-binary check). */
export function synthBootstrap(options: BootstrapSynthOptions): SynthesizedStackJson {
  const outdir = mkdtempSync(join(tmpdir(), "bootstrap-synth-"));
  const app = new App({ outdir, skipValidation: true });
  const id = bootstrapStackIdFor(options.account.name);
  new BootstrapStack(app, id, { github: options.github ?? repoGithub(), account: options.account, environments: options.environments, backend: options.backend ?? "local" });
  app.synth();
  validateApp(app);
  return JSON.parse(readFileSync(join(outdir, "stacks", id, "cdk.tf.json"), "utf8"));
}

/** The repository's environments grouped by the account they name. */
export function environmentsByAccount(): Map<AccountSettings, Environment[]> {
  const byAccount = new Map<AccountSettings, Environment[]>();
  for (const environment of repoEnvironments()) byAccount.set(environment.account, [...(byAccount.get(environment.account) ?? []), environment]);
  return byAccount;
}

let repoStacks: Map<string, { account: AccountSettings; environments: Environment[]; stack: SynthesizedStackJson }> | undefined;

/** Every bootstrap stack the repository's files call for, synthesized once per test file, keyed by account name. */
export function repoBootstrapStacks() {
  repoStacks ??= new Map([...environmentsByAccount()].map(([account, environments]) => [account.name, { account, environments, stack: synthBootstrap({ account, environments }) }]));
  return repoStacks;
}

/** A real account with its settings changed (`existing` adoption, another id). */
export const accountWith = (overrides: Partial<AccountSettings>): AccountSettings => ({ ...[...repoAccounts().byName.values()][0], ...overrides });

/** Whether an IAM action pattern (`s3:Get*`, case-insensitive, `*` and `?` wildcards) matches an action. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return regex.test(action);
}

/** The parsed statements of every inline policy attached to the role named `roleName`. */
export function inlineStatementsOfRole(stack: SynthesizedStackJson, roleName: string): any[] {
  const [roleId] = Object.entries(stack.resource.aws_iam_role ?? {}).find(([, role]) => role.name === roleName) ?? [];
  if (!roleId) throw new Error(`no role named ${roleName}`);
  const refs = [`\${aws_iam_role.${roleId}.name}`, `\${aws_iam_role.${roleId}.id}`];
  return Object.values(stack.resource.aws_iam_role_policy ?? {})
    .filter((policy) => refs.includes(policy.role))
    .flatMap((policy) => JSON.parse(policy.policy).Statement);
}

/** The role of `stack` named `name`. */
export function roleNamed(stack: SynthesizedStackJson, name: string): any {
  const role = Object.values(stack.resource.aws_iam_role ?? {}).find((candidate) => candidate.name === name);
  if (!role) throw new Error(`no role named ${name}`);
  return role;
}
