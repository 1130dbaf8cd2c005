export class GitHubUnreachableError extends Error {}
export function isRetryable(status: number, message: string | undefined): boolean;
export interface GitHubRestOptions {
  apiUrl?: string;
  token: string;
  userAgent: string;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  attempts?: number;
  timeoutMs?: number;
}
export type GitHubSend = (method: string, path: string, options?: { query?: Record<string, string | number>; body?: unknown }) => Promise<{ status: number; data: any; headers: Headers }>; // eslint-disable-line @typescript-eslint/no-explicit-any
export function createGitHubRest(options: GitHubRestOptions): GitHubSend;
export function errorMessage(data: unknown): string;
