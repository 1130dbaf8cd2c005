import type { EnvironmentSummary } from "./environments.mjs";

export interface GitHubResponse {
  readonly status: number;
  readonly data: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- GitHub's JSON, read field by field
}
export type GitHubRequest = (method: string, path: string, body?: unknown) => Promise<GitHubResponse>;

export interface WorkflowJob {
  readonly id: string;
  readonly name?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly environment?: string;
  readonly strategy: boolean;
}

export interface BranchPolicy {
  readonly name: string;
  readonly type: "branch" | "tag";
}

export interface ExpectedEnvironment {
  readonly name: string;
  readonly source: string;
  readonly purpose: string;
  readonly branchPolicies: readonly BranchPolicy[];
  readonly reviewerTeams: readonly string[];
  readonly protect: boolean;
  readonly secrets: { readonly required: readonly string[]; readonly optional: readonly string[] };
}

export interface ExpectedRuleset {
  readonly name: string;
  readonly source: string;
  readonly refs: readonly string[];
  readonly pullRequest: { readonly approvals: number; readonly dismissStale: boolean; readonly codeOwners: boolean; readonly allowedMergeMethods?: readonly string[] };
  readonly checks: readonly string[];
}

export interface ExpectedSettings {
  readonly owner: string;
  readonly repository: string;
  readonly repo: string;
  readonly defaultBranch: string;
  readonly branches: readonly string[];
  readonly teams: readonly string[];
  readonly environments: readonly ExpectedEnvironment[];
  readonly rulesets: readonly ExpectedRuleset[];
  readonly labels: readonly { name: string; color: string; description: string }[];
  readonly trustedOidcPrefix: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- GitHub's answers, as fetched */
export interface FetchedEnvironment {
  readonly settings: any;
  readonly branchPolicies: readonly any[];
  readonly secrets: readonly string[];
}

export interface FetchedSettings {
  readonly defaultBranch: string;
  readonly repositoryId: number;
  readonly branches: Readonly<Record<string, boolean>>;
  readonly teams: Readonly<Record<string, any | null>>;
  readonly repositoryTeams: readonly any[];
  readonly environments: Readonly<Record<string, FetchedEnvironment | null>>;
  readonly rulesets: readonly any[];
  readonly repositorySecrets: readonly string[];
  readonly organizationSecrets: readonly string[];
  readonly labels: Readonly<Record<string, boolean>>;
  readonly actionsAppId: number | undefined;
  readonly oidc: any;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface Difference {
  readonly severity: "error" | "notice";
  readonly subject: string;
  readonly setting: string;
  readonly actual: string;
  readonly expected: string;
  readonly path: string;
  readonly fix: "setup" | "manual";
  readonly command?: string;
}

export const PULL_REQUEST_WORKFLOW: string;
export const TERRAFORM_TOKENS: readonly string[];
export const PULL_REQUEST_REF_PATTERN: string;
export const LABELS: ExpectedSettings["labels"];
export class GitHubApiError extends Error {}

export function parseWorkflowJobs(text: string, file: string): WorkflowJob[];
export function jobRunsFor(job: WorkflowJob, environment: string, file: string): boolean;
export function requiredChecks(readWorkflow: (path: string) => string, environment?: string): string[];
export function expectedSettings(data: { github: unknown; environments: readonly EnvironmentSummary[]; readWorkflow: (path: string) => string }): ExpectedSettings;
export function createGitHubRequest(options: { apiUrl?: string; token: string; fetchImpl?: typeof fetch }): GitHubRequest;
export function fetchSettings(request: GitHubRequest, expected: ExpectedSettings): Promise<FetchedSettings>;

interface CheckContext {
  readonly expected: ExpectedSettings;
  readonly teams: FetchedSettings["teams"];
  readonly actionsAppId?: number;
}
export function checkDefaultBranch(actual: FetchedSettings, expected: ExpectedSettings): Difference[];
export function checkBranches(actual: FetchedSettings, expected: ExpectedSettings): Difference[];
export function checkTeams(actual: FetchedSettings, expected: ExpectedSettings): Difference[];
export function checkEnvironment(actual: FetchedEnvironment | null | undefined, environment: ExpectedEnvironment, context: CheckContext): Difference[];
export function checkRuleset(actual: unknown, ruleset: ExpectedRuleset, context: CheckContext): Difference[];
export function checkRepositorySecrets(actual: FetchedSettings, expected: ExpectedSettings): Difference[];
export function checkLabels(actual: FetchedSettings, expected: ExpectedSettings): Difference[];
export function checkOidcSubject(actual: FetchedSettings, expected: ExpectedSettings): Difference[];
export function checkSettings(actual: FetchedSettings, expected: ExpectedSettings): Difference[];
export function formatDifference(item: Difference): string;
export function environmentBody(current: FetchedEnvironment | null | undefined, environment: ExpectedEnvironment, teams: FetchedSettings["teams"]): Record<string, unknown>;
export function rulesetBody(current: unknown, ruleset: ExpectedRuleset, actionsAppId: number | undefined): Record<string, unknown>;
export function applySetup(request: GitHubRequest, expected: ExpectedSettings, actual: FetchedSettings, options?: { setDefaultBranch?: boolean }): Promise<{ changes: string[]; failures: string[] }>;
export function runCheck(request: GitHubRequest, expected: ExpectedSettings, print: (line: string) => void): Promise<number>;
export function runSetup(request: GitHubRequest, expected: ExpectedSettings, print: (line: string) => void, options?: { setDefaultBranch?: boolean }): Promise<number>;
export function resolveToken(env: Record<string, string | undefined>, runGh: (args: string[]) => { status: number | null; stdout: string | Buffer }): string;
