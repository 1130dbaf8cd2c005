// A small client for GitHub's REST API on fetch, for the dependency-free scripts that run
// before (or instead of) `npm ci`: the promotion job runs no third-party code while it holds
// the App's token, and github:setup must work from a fresh clone. The actions use Octokit.
//
//   const send = createGitHubRest({ apiUrl, token, userAgent });
//   const { status, data, headers } = await send("GET", "/repos/o/r", { query: { per_page: 100 } });
//
// It answers with the status instead of throwing, so callers decide what 404 or 422 mean;
// it retries 5xx, 429 and secondary rate limits a few times (honouring retry-after), and a
// request that never answers fails after `timeoutMs` instead of holding a job until its timeout.

const defaultSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class GitHubUnreachableError extends Error {}

/** Whether an answer is worth another attempt: GitHub's 5xx, and rate limits (429, or a 403 that says so). */
export const isRetryable = (status, message) => status >= 500 || status === 429 || (status === 403 && /rate limit/i.test(message ?? ""));

export function createGitHubRest({ apiUrl = "https://api.github.com", token, userAgent, fetchImpl = globalThis.fetch, sleep = defaultSleep, attempts = 3, timeoutMs = 30_000 }) {
  const base = apiUrl.replace(/\/+$/, "");
  return async function send(method, path, { query, body } = {}) {
    const url = new URL(`${base}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, String(value));
    for (let attempt = 1; ; attempt += 1) {
      let response;
      try {
        response = await fetchImpl(url, {
          method,
          redirect: "manual",
          headers: {
            Accept: "application/vnd.github+json",
            Authorization: `Bearer ${token}`,
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": userAgent,
            ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: globalThis.AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new GitHubUnreachableError(`${method} ${path}: GitHub's API at ${base} could not be reached (${error.cause?.message ?? error.message}).`, { cause: error });
      }
      const text = await response.text();
      let data;
      try {
        data = text === "" ? undefined : JSON.parse(text);
      } catch {
        data = text;
      }
      const message = typeof data?.message === "string" ? data.message : typeof data === "string" ? data : "";
      if (isRetryable(response.status, message) && attempt < attempts) {
        await sleep(Number(response.headers.get("retry-after") ?? 0) * 1000 || attempt * 2000);
        continue;
      }
      return { status: response.status, data, headers: response.headers };
    }
  };
}

/** `{ message }` of an error answer with GitHub's validation `errors` appended, for messages that say why. */
export function errorMessage(data) {
  const message = typeof data?.message === "string" ? data.message : typeof data === "string" ? data.slice(0, 200) : "";
  const details = Array.isArray(data?.errors) ? data.errors.map((error) => error.message ?? error.code ?? JSON.stringify(error)).join("; ") : "";
  return details ? `${message} (${details})` : message;
}
