// The client an action builds: @actions/github's getOctokit with the retry and
// throttling plugins. Tests elsewhere shorten its timing; these show that the
// production configuration throttles and retries, without waiting.
import * as actionsGithub from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { PRODUCTION_TIMING, createGitHubClient } from "../../../../review/src/notify/github/client";
import { startFakeGitHub, type FakeGitHub } from "../../../support/fake-github";

let github: FakeGitHub;
beforeEach(async () => void (github = await startFakeGitHub()));
afterEach(() => github.close());

/** The plugins the actions' entries pass (see .github/actions/<name>/src/index.ts). */
const production = { getOctokit: actionsGithub.getOctokit, octokitPlugins: [retry, throttling] };

describe("the production client", () => {
  it("passes the retry and throttling plugins to getOctokit, with the plugins' own write limits (no test groups)", () => {
    const calls: { options: Record<string, unknown>; plugins: unknown[] }[] = [];
    createGitHubClient({
      toolkit: { getOctokit: ((token, options, ...plugins) => (calls.push({ options: options as Record<string, unknown>, plugins }), actionsGithub.getOctokit(token, options, ...plugins))) as typeof actionsGithub.getOctokit, octokitPlugins: [retry, throttling] },
      token: "t0ken",
      baseUrl: github.url,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.plugins).toEqual([retry, throttling]);
    const throttle = calls[0]!.options.throttle as Record<string, unknown>;
    expect(throttle.enabled).toBeUndefined();
    expect(throttle).not.toHaveProperty("write");
    expect(throttle).not.toHaveProperty("notifications");
    expect(throttle.retryAfterBaseValue).toBe(1000);
    expect(PRODUCTION_TIMING.unitMs).toBe(1000);
  });

  it("waits out a primary rate limit and retries (throttling is on): a limit that has already reset costs no time", async () => {
    const lines: string[] = [];
    const client = createGitHubClient({ toolkit: production, token: "t0ken", baseUrl: github.url, timing: PRODUCTION_TIMING, log: (line) => void lines.push(line) });
    // x-ratelimit-reset in the past: the plugin's wait is max(reset - now + 1 s, 0) = 0.
    const reset = String(Math.floor(Date.now() / 1000) - 60);
    github.fail("GET", /\/issues\/7\/comments$/, { status: 403, message: "API rate limit exceeded for installation ID 1.", headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset } });
    const response = await client.request<unknown[]>("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner: "acme", repo: "infra", issue_number: 7 });
    expect(response.status).toBe(200);
    expect(lines).toEqual(["GitHub rate limit on GET /repos/{owner}/{repo}/issues/{issue_number}/comments; retrying in 0 s (retry 1 of 3)."]);
    expect(github.requests.filter((request) => request.method === "GET")).toHaveLength(2);
  });

  it("authenticates with the token", async () => {
    const client = createGitHubClient({ toolkit: production, token: "t0ken", baseUrl: github.url });
    await client.request("GET /repos/{owner}/{repo}/issues/{issue_number}/labels", { owner: "acme", repo: "infra", issue_number: 7 });
    expect(github.requests[0]!.authorization).toBe("token t0ken");
  });
});
