// Finds what reviewers approved: the pull request merged into the deployed
// branch at this commit, and the plan digest in its sticky plan comment.
import { findOwnComment, listComments } from "../notify/github/comments";
import type { GitHubClient } from "../notify/github/client";

/** One resource change as a reviewer saw it: its address and terraform's actions. */
export interface ChangeSummary {
  readonly address: string;
  readonly actions: readonly string[];
}

export interface MergedPullRequest {
  readonly number: number;
  readonly url: string | undefined;
  readonly title: string;
}

export interface ReviewedPlan {
  readonly pullRequest: MergedPullRequest;
  readonly digest: string;
  readonly runId: number;
  readonly commentUrl: string | undefined;
  /** The reviewed plan's changes, when the plan comment's marker records them. */
  readonly changes: readonly ChangeSummary[] | undefined;
}

/** A normal reason not to apply (no reviewed plan to compare with), as opposed to a crash. */
export class ReviewedPlanError extends Error {
  override name = "ReviewedPlanError";
}

interface AssociatedPull {
  readonly number: number;
  readonly title?: string;
  readonly html_url?: string;
  readonly merged_at?: string | null;
  readonly merge_commit_sha?: string | null;
  readonly base?: { readonly ref?: string };
}

/**
 * The pull request merged into `branch` that produced `sha`, through the
 * commit's associated pull requests (not the search API, which lags and is
 * rate-limited). A merge commit, squash or rebase all list the PR there.
 */
export async function findMergedPullRequest(
  client: GitHubClient,
  repository: { readonly owner: string; readonly repo: string },
  sha: string,
  branch: string,
): Promise<MergedPullRequest> {
  const response = await client.request<AssociatedPull[]>("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", {
    owner: repository.owner,
    repo: repository.repo,
    commit_sha: sha,
    per_page: 100,
  });
  const merged = response.data.filter((pull) => pull.merged_at && pull.base?.ref === branch);
  const chosen = merged.find((pull) => pull.merge_commit_sha === sha) ?? merged[0];
  if (!chosen) {
    const others = response.data.map((pull) => `#${pull.number} (${pull.merged_at ? "merged" : "not merged"} into ${pull.base?.ref ?? "?"})`);
    throw new ReviewedPlanError(
      `No pull request merged into ${branch} is associated with commit ${sha}` +
        (others.length > 0 ? `; found only ${others.join(", ")}` : "") +
        `. Deploys apply only plans reviewed on a pull request: push changes to ${branch} through one.`,
    );
  }
  return { number: chosen.number, url: chosen.html_url, title: chosen.title ?? "" };
}

/**
 * The plan comment's footer (`plan digest <code>sha256:…</code>`), for plan
 * comments whose marker does not carry the digest. The renderer escapes every
 * `<` coming from the plan, so only the footer can produce this HTML; the last
 * match is the footer's.
 */
export function digestInFooter(body: string): string | undefined {
  return [...body.matchAll(/plan digest <code>(sha256:[0-9a-f]{64})<\/code>/g)].at(-1)?.[1];
}

const isChangeSummary = (value: unknown): value is ChangeSummary =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as ChangeSummary).address === "string" &&
  Array.isArray((value as ChangeSummary).actions) &&
  (value as ChangeSummary).actions.every((action) => typeof action === "string");

/**
 * The digest in the newest plan comment for `environment` written by
 * `author`. Comments by anyone else are ignored even with a valid-looking
 * marker: anybody can paste a marker into a comment.
 */
export async function readReviewedPlan(options: {
  readonly client: GitHubClient;
  readonly owner: string;
  readonly repo: string;
  readonly pullRequest: MergedPullRequest;
  readonly environment: string;
  readonly author: string;
}): Promise<ReviewedPlan> {
  const { client, owner, repo, pullRequest, environment, author } = options;
  const comments = await listComments(client, { owner, repo, issueNumber: pullRequest.number });
  const own = findOwnComment(comments, "plan", environment, author);
  if (!own) {
    throw new ReviewedPlanError(
      `Pull request #${pullRequest.number} has no plan comment for ${environment} by ${author}, so there is no reviewed plan to compare with. ` +
        `Re-run its pull-request workflow (the plan job), review the plan, then re-run this deploy.`,
    );
  }
  const marker = own.marker as unknown as Record<string, unknown>;
  const digest = typeof marker.planDigest === "string" ? marker.planDigest : digestInFooter(own.comment.body ?? "");
  if (!digest) {
    throw new ReviewedPlanError(
      `The plan comment for ${environment} on pull request #${pullRequest.number} (run ${own.marker.runId}) records no plan digest` +
        ` (the plan failed or the plan action is older than the digest check). Re-run the pull request's plan job, then this deploy.`,
    );
  }
  const changes = Array.isArray(marker.changes) && marker.changes.every(isChangeSummary) ? (marker.changes as ChangeSummary[]) : undefined;
  return { pullRequest, digest, runId: own.marker.runId, commentUrl: own.comment.html_url, changes };
}
