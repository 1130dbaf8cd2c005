// The GitHub REST client of the actions: @actions/github's getOctokit (the
// runner's proxy settings, the token) with @octokit/plugin-retry (5xx) and
// @octokit/plugin-throttling (rate limits, honouring retry-after; at most one
// write per second and one comment per three seconds per client). Creating a
// comment is not idempotent, so comments.ts turns the automatic retry off for
// it and decides itself, after listing again, whether to retry.
import { randomUUID } from "node:crypto";
import type { ThrottlingOptions } from "@octokit/plugin-throttling";
import type { ActionsToolkit } from "./runtime";

export interface GitHubResponse<T> {
  readonly status: number;
  readonly data: T;
  readonly headers: Readonly<Record<string, string | number | undefined>>;
}

/** The one method the review code needs; an Octokit instance satisfies it. */
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

/** How long requests wait: production's values, or a test's short ones. */
export interface RequestTiming {
  /** Milliseconds per second of retry-after and back-off (1000: real seconds). */
  readonly unitMs: number;
  /** The wait before a comment create is retried. */
  readonly sleep: (milliseconds: number) => Promise<void>;
  /**
   * Bottleneck groups in place of the throttling plugin's `write` (one per
   * second) and `notifications` (one comment per three seconds); production
   * keeps the plugin's.
   */
  readonly throttleGroups?: { readonly write?: ThrottlingOptions["write"]; readonly notifications?: ThrottlingOptions["notifications"] };
}

export const PRODUCTION_TIMING: RequestTiming = {
  unitMs: 1000,
  sleep: (milliseconds) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds)),
};

export interface GitHubClientOptions {
  readonly toolkit: Pick<ActionsToolkit, "getOctokit" | "octokitPlugins">;
  readonly token: string;
  readonly baseUrl: string;
  readonly timing?: RequestTiming;
  /** Retries of one request after 5xx or a rate limit. */
  readonly maxRetries?: number;
  readonly log?: (line: string) => void;
}

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const maxRetries = options.maxRetries ?? 3;
  const log = options.log ?? (() => {});
  const timing = options.timing ?? PRODUCTION_TIMING;
  const octokit = options.toolkit.getOctokit(
    options.token,
    {
      baseUrl: options.baseUrl,
      userAgent: "trading-platform-actions",
      log: { debug: () => {}, info: () => {}, warn: (message: string) => log(message), error: (message: string) => log(message) },
      retry: { retryAfterBaseValue: timing.unitMs, retries: maxRetries },
      throttle: {
        // Own limiter keys per client: Bottleneck groups are process-wide.
        id: randomUUID(),
        retryAfterBaseValue: timing.unitMs,
        fallbackSecondaryRateRetryAfter: 60,
        ...timing.throttleGroups,
        onRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
          log(`GitHub rate limit on ${request.method} ${request.url}; retrying in ${retryAfter} s (retry ${retryCount + 1} of ${maxRetries}).`);
          return retryCount < maxRetries;
        },
        onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
          log(`GitHub secondary rate limit on ${request.method} ${request.url}; retrying in ${retryAfter} s (retry ${retryCount + 1} of ${maxRetries}).`);
          return retryCount < maxRetries;
        },
      },
    },
    ...options.toolkit.octokitPlugins,
  );
  return {
    request: <T>(route: string, parameters?: Record<string, unknown>) => octokit.request(route, parameters ?? {}) as unknown as Promise<GitHubResponse<T>>,
  };
}
