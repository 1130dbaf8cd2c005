// One sticky comment per (environment × kind) on a pull request: found by a
// hidden JSON marker and by its author, updated in place, never overwritten
// by an older run, recreated if deleted, never posted twice.
import { isRequestError, type GitHubClient, type GitHubRequestError } from "./client";
import { COMMENT_LIMIT } from "../../markdown";

export { type CommentKind, type CommentMarker, markerJson, parseMarker, renderMarker } from "../../marker";
import { type CommentMarker, parseMarker, renderMarker } from "../../marker";

/** The author of comments made with the workflow's GITHUB_TOKEN. */
export const GITHUB_ACTIONS_BOT = "github-actions[bot]";
/**
 * Author pattern for a token that cannot read `/user`: GITHUB_TOKEN
 * (`github-actions[bot]`) or a GitHub App installation (`<app>[bot]`). No
 * person's login contains brackets, so nobody can plant a marker we would adopt.
 */
export const ANY_BOT = "*[bot]";

/** The login behind the token, or {@link ANY_BOT} when the token cannot read `/user`. */
export async function resolveTokenLogin(client: GitHubClient): Promise<string> {
  try {
    const response = await client.request<{ login?: string }>("GET /user");
    return response.data.login ?? ANY_BOT;
  } catch (error) {
    if (isRequestError(error) && [401, 403, 404].includes(error.status)) return ANY_BOT;
    throw error;
  }
}

const authoredBy = (login: string | undefined, author: string): boolean =>
  login !== undefined && (author === ANY_BOT ? login.endsWith("[bot]") : login === author);

interface IssueComment {
  readonly id: number;
  readonly body?: string | null;
  readonly user?: { readonly login?: string } | null;
  readonly html_url?: string;
}

export interface PullRequestRef {
  readonly owner: string;
  readonly repo: string;
  readonly issueNumber: number;
}

/** Every comment on the issue, following pagination 100 at a time. */
export async function listComments(client: GitHubClient, ref: PullRequestRef): Promise<IssueComment[]> {
  const comments: IssueComment[] = [];
  for (let page = 1; ; page += 1) {
    const response = await client.request<IssueComment[]>("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.issueNumber,
      per_page: 100,
      page,
    });
    comments.push(...response.data);
    const link = String(response.headers.link ?? "");
    if (!/rel="next"/.test(link) || response.data.length === 0) return comments;
  }
}

interface OwnComment {
  readonly comment: IssueComment;
  readonly marker: CommentMarker;
}

/** Our comment for this kind and environment (the newest if several), by marker and author. */
export function findOwnComment(comments: readonly IssueComment[], kind: string, environment: string, author: string): OwnComment | undefined {
  let found: OwnComment | undefined;
  for (const comment of comments) {
    if (!authoredBy(comment.user?.login, author)) continue;
    const marker = parseMarker(comment.body);
    if (!marker || marker.kind !== kind || marker.environment !== environment) continue;
    if (!found || comment.id > found.comment.id) found = { comment, marker };
  }
  return found;
}

export type UpsertResult =
  | { readonly status: "created" | "updated"; readonly commentId: number; readonly url?: string }
  | { readonly status: "skipped"; readonly commentId: number; readonly reason: string };

export interface UpsertOptions extends PullRequestRef {
  readonly client: GitHubClient;
  readonly marker: CommentMarker;
  /** The visible content; the marker is prepended. */
  readonly content: string;
  /** Login of the token's identity, or {@link ANY_BOT} (see {@link resolveTokenLogin}). */
  readonly author: string;
  readonly sleep?: (milliseconds: number) => Promise<void>;
  readonly log?: (line: string) => void;
  /** Attempts to create the comment when GitHub fails (5xx, network). */
  readonly createAttempts?: number;
  /** Milliseconds per second of back-off. */
  readonly retryUnitMs?: number;
}

const newerThan = (a: CommentMarker, b: CommentMarker): boolean =>
  a.runId > b.runId || (a.runId === b.runId && (a.runAttempt ?? 1) > (b.runAttempt ?? 1));

/** Failures worth retrying: GitHub's 5xx, rate limits, and no response at all. */
export function isTransient(error: unknown): boolean {
  if (!isRequestError(error)) return true;
  if (error.status >= 500 || error.status === 429) return true;
  return error.status === 403 && /secondary rate limit|rate limit exceeded/i.test(error.message);
}

const retryAfterSeconds = (error: unknown): number | undefined => {
  if (!isRequestError(error)) return undefined;
  const value = Number(error.response?.headers?.["retry-after"]);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
};

export async function upsertComment(options: UpsertOptions): Promise<UpsertResult> {
  const sleep = options.sleep ?? ((milliseconds) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds)));
  const log = options.log ?? (() => {});
  const unit = options.retryUnitMs ?? 1000;
  const attempts = options.createAttempts ?? 4;
  const body = `${renderMarker(options.marker)}\n${options.content}`;
  if (body.length > COMMENT_LIMIT) {
    throw new Error(`Comment body is ${body.length} characters, over GitHub's ${COMMENT_LIMIT}; build it with buildWithinBudget.`);
  }
  const route = { owner: options.owner, repo: options.repo };

  const current = async (): Promise<OwnComment | undefined> =>
    findOwnComment(await listComments(options.client, options), options.marker.kind, options.marker.environment, options.author);

  let existing = await current();
  for (let attempt = 1; ; attempt += 1) {
    if (existing) {
      if (newerThan(existing.marker, options.marker)) {
        const reason = `comment ${existing.comment.id} is from a newer run (${existing.marker.runId}) than this one (${options.marker.runId}); left as is`;
        log(reason);
        return { status: "skipped", commentId: existing.comment.id, reason };
      }
      if (existing.comment.body === body) return { status: "updated", commentId: existing.comment.id, url: existing.comment.html_url };
      try {
        const response = await options.client.request<IssueComment>("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
          ...route,
          comment_id: existing.comment.id,
          body,
        });
        return { status: "updated", commentId: response.data.id, url: response.data.html_url };
      } catch (error) {
        // Deleted between listing and updating: post a new one.
        if (isRequestError(error) && error.status === 404) {
          existing = undefined;
          continue;
        }
        throw error;
      }
    }
    try {
      const response = await options.client.request<IssueComment>("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        ...route,
        issue_number: options.issueNumber,
        body,
        // A failed create may still have been stored: never retry blindly (see below).
        request: { retries: 0 },
      });
      return { status: "created", commentId: response.data.id, url: response.data.html_url };
    } catch (error) {
      if (!isTransient(error) || attempt >= attempts) throw error;
      const delay = (retryAfterSeconds(error) ?? 2 ** (attempt - 1)) * unit;
      log(`Creating the ${options.marker.kind} comment failed (${describe(error)}); checking whether it was stored, then retrying in ${delay} ms.`);
      await sleep(delay);
      // GitHub may have stored the comment before failing to answer: look before posting again.
      existing = await current();
      if (existing && sameRun(existing.marker, options.marker)) {
        return { status: "created", commentId: existing.comment.id, url: existing.comment.html_url };
      }
    }
  }
}

const sameRun = (a: CommentMarker, b: CommentMarker): boolean => a.runId === b.runId && (a.runAttempt ?? 1) === (b.runAttempt ?? 1);

const describe = (error: unknown): string =>
  isRequestError(error) ? `HTTP ${error.status}: ${error.message}` : error instanceof Error ? error.message : String(error);

/** Why a comment cannot be written, when that is a normal situation rather than a failure. */
export function commentUnavailableReason(error: unknown): string | undefined {
  if (!isRequestError(error)) return undefined;
  const message = `${error.message} ${JSON.stringify((error as GitHubRequestError).response?.data ?? "")}`;
  if (/locked/i.test(message) && (error.status === 403 || error.status === 422)) {
    return "the pull request is locked, so no comment can be posted";
  }
  if (error.status === 403 && /Resource not accessible by integration/i.test(message)) {
    return "the token cannot write to the pull request (a fork's pull request gets a read-only GITHUB_TOKEN)";
  }
  if (error.status === 401) return "the token was refused (HTTP 401)";
  return undefined;
}

/**
 * Adds `add` and removes `remove` from the PR's labels, writing only what
 * differs from the current labels. A token that cannot write labels gives a
 * notice, not a failure.
 */
export async function syncLabels(options: {
  readonly client: GitHubClient;
  readonly ref: PullRequestRef;
  readonly add: readonly string[];
  readonly remove: readonly string[];
  /** Why the labels were not updated, when that is normal (a read-only token). */
  readonly notice: (message: string) => void;
}): Promise<void> {
  const { owner, repo, issueNumber } = options.ref;
  try {
    // Only touch what differs: fewer writes, and no 404s for labels that are not there.
    const current = await options.client.request<{ name: string }[]>("GET /repos/{owner}/{repo}/issues/{issue_number}/labels", { owner, repo, issue_number: issueNumber, per_page: 100 });
    const present = new Set(current.data.map((label) => label.name));
    const add = options.add.filter((name) => !present.has(name));
    if (add.length > 0) {
      await options.client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", { owner, repo, issue_number: issueNumber, labels: add });
    }
    for (const name of options.remove.filter((label) => present.has(label))) {
      try {
        await options.client.request("DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", { owner, repo, issue_number: issueNumber, name });
      } catch (error) {
        if (!(isRequestError(error) && error.status === 404)) throw error;
      }
    }
  } catch (error) {
    const reason = commentUnavailableReason(error);
    if (!reason) throw error;
    options.notice(`Labels not updated: ${reason}.`);
  }
}
