import type { GitRunner } from "./promote.mjs";

export interface CommitSummary {
  readonly sha: string;
  readonly subject: string;
}

export interface PromotionCommits {
  /** The source's first-parent commits the target lacks, oldest first. */
  readonly landed: readonly CommitSummary[];
  /** Commits only on the promotion branch (its merges, anything pushed to it). */
  readonly promotionOnly: readonly CommitSummary[];
  /** Non-merge commits on the target that the source lacks (to back-merge). */
  readonly targetOnly: readonly CommitSummary[];
}

export interface PromotedPullRequest {
  readonly number: number;
  readonly title: string;
  readonly author: string;
  readonly mergedAt: string;
}

export interface PromotedPullRequests {
  readonly pullRequests: readonly PromotedPullRequest[];
  readonly withoutPullRequest: readonly CommitSummary[];
  readonly notLookedUp: number;
}

export type GitHubRequest = (method: string, path: string, options?: { readonly query?: Record<string, string | number>; readonly body?: unknown }) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export declare const MAX_LOOKUPS: number;
export declare class PullRequestError extends Error {}
export function escapeText(text: string): string;
export function promotionCommits(git: GitRunner, heads: { readonly source: string; readonly target: string; readonly head: string }): PromotionCommits;
export function createGitHubRequest(options: {
  readonly apiUrl: string;
  readonly token: string;
  readonly fetch?: typeof globalThis.fetch;
  readonly sleep?: (milliseconds: number) => Promise<void>;
}): GitHubRequest;
export function findPromotedPullRequests(options: {
  readonly request: GitHubRequest;
  readonly owner: string;
  readonly repo: string;
  readonly from: string;
  readonly commits: readonly CommitSummary[];
}): Promise<PromotedPullRequests>;
export function renderPromotionBody(options: {
  readonly from: string;
  readonly to: string;
  readonly branch: string;
  readonly source: string;
  readonly target: string;
  readonly head: string;
  readonly found: PromotedPullRequests;
  readonly commits: PromotionCommits;
  readonly compareUrl: string;
  readonly runUrl?: string;
}): string;
export function upsertPromotionPullRequest(options: {
  readonly request: GitHubRequest;
  readonly owner: string;
  readonly repo: string;
  readonly to: string;
  readonly branch: string;
  readonly title: string;
  readonly body: string;
}): Promise<{ readonly action: "created" | "updated"; readonly number: number; readonly url: string | undefined }>;
export function runPromotionPullRequest(
  argv: readonly string[],
  sinks: {
    readonly git: GitRunner;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly request: GitHubRequest;
    readonly stdout: (line: string) => void;
    readonly stderr: (line: string) => void;
    readonly writeOutput?: (key: string, value: string) => void;
  },
): Promise<number>;
