export interface EnvironmentSummary {
  readonly name: string;
  /** The file as shown in messages, e.g. `environments/prod.json`. */
  readonly file: string;
  readonly branch: string;
  readonly region: string;
  readonly protectData: boolean;
  readonly alertsEmail: string | undefined;
  /** The account's name in stacks/bootstrap/accounts.json, and its id. */
  readonly account?: string;
  readonly accountId?: string;
  readonly terraformCloud?: { readonly organization: string; readonly workspace: string };
}

export const DEPLOYMENT_ROLE_PATH: string;
export function partitionOf(region: string): "aws" | "aws-cn" | "aws-us-gov";
export function deploymentRoleArns(environment: Pick<EnvironmentSummary, "name" | "region" | "accountId">): { plan: string; apply: string };

export interface PlaceholderProblem {
  readonly file: string;
  readonly field: string;
  readonly message: string;
}

export function placeholderProblems(environment: EnvironmentSummary): PlaceholderProblem[];

export interface DestroyCheck {
  readonly allowed: boolean;
  readonly reason: string;
}

export function readEnvironments(environmentsDir?: string, accountsFile?: string): EnvironmentSummary[];
export function environmentForBranch(environments: readonly EnvironmentSummary[], branch: string): EnvironmentSummary | undefined;
export function checkDestroyRequest(environments: readonly EnvironmentSummary[], environmentName: string, confirm: string, ref?: string): DestroyCheck;
