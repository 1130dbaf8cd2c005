import * as actionsGithub from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { createGitHubClient, type GitHubClient } from "../../../../review/src/notify/github/client";
import { parseMarker, renderMarker, resolveTokenLogin, syncLabels, upsertComment } from "../../../../review/src/notify/github/comments";
import { testTiming } from "../../../support/actions-runner";
import { failures, startFakeGitHub, type FakeGitHub } from "../../../support/fake-github";

const toolkit = { getOctokit: actionsGithub.getOctokit, octokitPlugins: [retry, throttling] };
const testClient = (baseUrl: string, log?: (line: string) => void): GitHubClient => createGitHubClient({ toolkit, baseUrl, token: "t0ken", timing: testTiming(), log });

const ref = { owner: "acme", repo: "infra", issueNumber: 7 };
const commentsPath = /\/issues\/7\/comments$/;
let github: FakeGitHub;
let client: GitHubClient;
const delays: number[] = [];
const sleep = async (milliseconds: number): Promise<void> => void delays.push(milliseconds);

beforeEach(async () => {
  github = await startFakeGitHub();
  client = testClient(github.url);
  delays.length = 0;
});
afterEach(() => github.close());

const upsert = (runId: number, content: string, extra: Partial<Parameters<typeof upsertComment>[0]> = {}) =>
  upsertComment({ client, ...ref, author: "github-actions[bot]", marker: { kind: "plan", environment: "dev", runId }, content, sleep, retryUnitMs: 5, ...extra });

describe("marker", () => {
  it("escapes what could ping or link (@, #) as the visible text does, and still parses back", () => {
    const marker = {
      kind: "plan",
      environment: "dev #12",
      runId: 12,
      planDigest: "sha256:00",
      changes: [{ address: 'terraform_data.x["@octocat please review"]', actions: ["create"] }, { address: "terraform_data.y[\"@org/security-team fixes #34 <b>\"]", actions: ["delete"] }],
    };
    const text = renderMarker(marker);
    expect(text).not.toMatch(/[@#]/);
    expect(text).toContain("terraform_data.x[\\\"\\u0040octocat please review\\\"]");
    expect(text.match(/-->/g)).toHaveLength(1);
    expect(parseMarker(`${text}\nbody`)).toEqual(marker);
  });

  it("round-trips and cannot be closed early by hostile values", () => {
    const marker = { kind: "plan", environment: "dev --> <b>x</b>", runId: 12 };
    const text = renderMarker(marker);
    expect(text.match(/-->/g)).toHaveLength(1);
    expect(parseMarker(`${text}\nbody`)).toEqual(marker);
    expect(parseMarker("<!-- trading-platform:not json -->")).toBeUndefined();
  });
});

describe("upsertComment against a GitHub REST server", () => {
  it("creates one comment, then updates it in place on the next run", async () => {
    expect((await upsert(1, "first")).status).toBe("created");
    expect((await upsert(2, "second")).status).toBe("updated");
    const comments = github.comments(7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("second");
    expect(parseMarker(comments[0]!.body)?.runId).toBe(2);
    expect(github.writes().map((request) => request.method)).toEqual(["POST", "PATCH"]);
    expect(github.requests[0]!.authorization).toBe("token t0ken");
  });

  it("keeps one comment per environment and kind", async () => {
    await upsert(1, "dev plan");
    await upsertComment({ client, ...ref, author: "github-actions[bot]", marker: { kind: "plan", environment: "prod", runId: 1 }, content: "prod plan", sleep });
    await upsertComment({ client, ...ref, author: "github-actions[bot]", marker: { kind: "cost", environment: "dev", runId: 1 }, content: "dev cost", sleep });
    await upsert(2, "dev plan again");
    expect(github.comments(7).map((comment) => comment.body.split("\n")[1])).toEqual(["dev plan again", "prod plan", "dev cost"]);
  });

  it("never lets an older run overwrite a newer one", async () => {
    await upsert(20, "newer");
    const result = await upsert(19, "older");
    expect(result.status).toBe("skipped");
    expect(github.comments(7)[0]!.body).toContain("newer");
    expect(github.writes()).toHaveLength(1);
  });

  it("ignores a comment with our marker written by someone else", async () => {
    github.seedComment(7, `${renderMarker({ kind: "plan", environment: "dev", runId: 99 })}\nforged`, "mallory");
    expect((await upsert(1, "real")).status).toBe("created");
    expect(github.comments(7).map((comment) => comment.user.login)).toEqual(["mallory", "github-actions[bot]"]);
  });

  it("adopts a GitHub App's earlier comment when the token cannot read /user, but never a person's", async () => {
    github.seedComment(7, `${renderMarker({ kind: "plan", environment: "dev", runId: 1 })}\nby the app`, "trading-bot[bot]");
    github.seedComment(7, `${renderMarker({ kind: "plan", environment: "dev", runId: 5 })}\nplanted`, "mallory");
    const result = await upsert(2, "plan 2", { author: await resolveTokenLogin(client) });
    expect(result.status).toBe("updated");
    expect(github.comments(7).map((comment) => [comment.user.login, comment.body.split("\n")[1]])).toEqual([
      ["trading-bot[bot]", "plan 2"],
      ["mallory", "planted"],
    ]);
  });

  it("finds its comment past the first 100 (pagination)", async () => {
    for (let index = 0; index < 230; index += 1) github.seedComment(7, `chatter ${index}`, "someone");
    await upsert(1, "plan");
    for (let index = 0; index < 30; index += 1) github.seedComment(7, `more ${index}`, "someone");
    expect((await upsert(2, "plan 2")).status).toBe("updated");
    expect(github.comments(7).filter((comment) => comment.body.includes("trading-platform:"))).toHaveLength(1);
    expect(github.requests.filter((request) => request.method === "GET" && request.query.page === "3").length).toBeGreaterThan(0);
  });

  it("recreates the comment when someone deleted it", async () => {
    const first = await upsert(1, "plan");
    github.deleteComment(first.commentId);
    expect((await upsert(2, "plan again")).status).toBe("created");
    expect(github.comments(7)).toHaveLength(1);
  });

  it("does not post twice when GitHub stored the comment but answered 502", async () => {
    github.fail("POST", commentsPath, failures.badGateway(), { afterApplying: true });
    const result = await upsert(1, "plan");
    expect(result.status).toBe("created");
    expect(github.comments(7)).toHaveLength(1);
    expect(github.writes().filter((request) => request.method === "POST")).toHaveLength(1);
  });

  it("retries a create that failed with 502 before being stored, once", async () => {
    github.fail("POST", commentsPath, failures.badGateway());
    expect((await upsert(1, "plan")).status).toBe("created");
    expect(github.comments(7)).toHaveLength(1);
    expect(github.writes().filter((request) => request.method === "POST")).toHaveLength(2);
  });

  it("honours retry-after on 429 and on the secondary-rate-limit 403", async () => {
    const clientLog: string[] = [];
    client = testClient(github.url, (line) => void clientLog.push(line));
    github.fail("POST", commentsPath, failures.tooManyRequests(3));
    github.fail("GET", commentsPath, failures.secondaryRateLimit(2));
    expect((await upsert(1, "plan")).status).toBe("created");
    expect(github.comments(7)).toHaveLength(1);
    expect(clientLog).toEqual([
      expect.stringMatching(/secondary rate limit on GET .*\/comments; retrying in 2 s/),
      expect.stringMatching(/secondary rate limit on POST .*\/comments; retrying in 3 s/),
    ]);
  });

  it("retries an update on 503 (idempotent) and lists again after a 502", async () => {
    await upsert(1, "plan");
    github.fail("PATCH", /\/issues\/comments\/\d+$/, failures.serviceUnavailable());
    github.fail("GET", commentsPath, failures.badGateway());
    expect((await upsert(2, "plan 2")).status).toBe("updated");
    expect(github.comments(7)[0]!.body).toContain("plan 2");
  });

  it("refuses a body over GitHub's limit before sending anything", async () => {
    await expect(upsert(1, "x".repeat(70_000))).rejects.toThrow(/65536/);
    expect(github.requests).toHaveLength(0);
  });
});

describe("syncLabels", () => {
  it("adds and removes labels, ignoring a label that is not there", async () => {
    await syncLabels({ client, ref, add: ["plan:destroy"], remove: ["plan:no-changes"], notice: () => {} });
    expect(github.labels(7)).toEqual(["plan:destroy"]);
    await syncLabels({ client, ref, add: ["plan:no-changes"], remove: ["plan:destroy"], notice: () => {} });
    expect(github.labels(7)).toEqual(["plan:no-changes"]);
  });
});

describe("syncLabels writes", () => {
  it("only what differs from the current labels", async () => {
    await syncLabels({ client, ref, add: ["plan:destroy"], remove: ["plan:no-changes"], notice: () => {} });
    await syncLabels({ client, ref, add: ["plan:destroy"], remove: ["plan:no-changes"], notice: () => {} });
    expect(github.writes().map((request) => `${request.method} ${request.path}`)).toEqual(["POST /repos/acme/infra/issues/7/labels"]);
  });

  it("gives a notice, not a failure, with a read-only token", async () => {
    github.readOnly();
    const lines: string[] = [];
    await syncLabels({ client, ref, add: ["plan:destroy"], remove: [], notice: (line) => void lines.push(line) });
    expect(lines).toEqual([expect.stringMatching(/^Labels not updated: the token cannot write/)]);
  });
});
