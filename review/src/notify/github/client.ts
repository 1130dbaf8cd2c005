// The GitHub REST client the actions use: @octokit/core with the retry plugin
// (5xx on idempotent requests) and the throttling plugin (429 and the
// secondary-rate-limit 403, honouring retry-after). Creating a comment is not
// idempotent, so comments.ts turns the automatic retry off for it and decides
// itself, after re-listing, whether a retry is needed.
import { randomUUID } from "node:crypto";
import { Octokit } from "@octokit/core";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";

export interface GitHubResponse<T> {
  readonly status: number;
  readonly data: T;
  readonly headers: Readonly<Record<string, string | number | undefined>>;
}

/** The one method the actions need; an Octokit instance satisfies it. */
export interface GitHubClient {
  request<T = unknown>(route: string, parameters?: Record<string, unknown>): Promise<GitHubResponse<T>>;
}

/** The shape of an HTTP error from the client (Octokit's RequestError). */
export interface GitHubRequestError {
  readonly status: number;
  readonly message: string;
  readonly response?: { readonly headers?: Readonly<Record<string, string | number | undefined>>; readonly data?: unknown };
}

export const isRequestError = (error: unknown): error is GitHubRequestError =>
  typeof error === "object" && error !== null && typeof (error as { status?: unknown }).status === "number";

export interface GitHubClientOptions {
  readonly baseUrl: string;
  readonly token: string;
  /** Milliseconds per second of back-off/retry-after (1000 in real runs; tests shrink it). */
  readonly retryUnitMs?: number;
  /** Retries of one request after 5xx / rate limits. */
  readonly maxRetries?: number;
  readonly log?: (line: string) => void;
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const maxRetries = options.maxRetries ?? 3;
  const log = options.log ?? (() => {});
  const unit = options.retryUnitMs ?? 1000;
  const ActionsOctokit = Octokit.plugin(retry, throttling);
  const octokit = new ActionsOctokit({
    baseUrl: options.baseUrl,
    auth: options.token,
    userAgent: "trading-platform-actions",
    log: { debug: () => {}, info: () => {}, warn: (message: string) => log(message), error: (message: string) => log(message) },
    retry: { retryAfterBaseValue: unit, retries: maxRetries },
    throttle: {
      // Own limiter keys per client: Bottleneck groups are process-wide.
      id: randomUUID(),
      retryAfterBaseValue: unit,
      fallbackSecondaryRateRetryAfter: 60,
      onRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        log(`GitHub rate limit on ${request.method} ${request.url}; retrying in ${retryAfter} s (retry ${retryCount + 1} of ${maxRetries}).`);
        return retryCount < maxRetries;
      },
      onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        log(`GitHub secondary rate limit on ${request.method} ${request.url}; retrying in ${retryAfter} s (retry ${retryCount + 1} of ${maxRetries}).`);
        return retryCount < maxRetries;
      },
    },
  });
  return {
    request: <T>(route: string, parameters?: Record<string, unknown>) =>
      octokit.request(route, parameters ?? {}) as unknown as Promise<GitHubResponse<T>>,
  };
}
