// The actions' publisher over the real @actions/core, a loopback GitHub and
// real GITHUB_STEP_SUMMARY / GITHUB_OUTPUT files.
import { readFileSync, writeFileSync } from "node:fs";
import { connectGitHub } from "../../../../review/src/notify/github/publisher";
import { parseMarker } from "../../../../review/src/notify/github/comments";
import type { Publisher, Report } from "../../../../review/src/notify/publisher";
import { readOutputs, runActionInProcess, runnerEnv, runnerFiles, type RunnerFiles } from "../../../support/actions-runner";
import { startFakeGitHub, type FakeGitHub } from "../../../support/fake-github";

let github: FakeGitHub;
beforeEach(async () => void (github = await startFakeGitHub()));
afterEach(() => github.close());

const planReport = (comment: string, summary = comment): Report => ({ kind: "plan", environment: "dev", markdown: () => ({ comment, summary }), text: () => comment });

/** Runs `body` with a publisher connected as an action's would be. */
async function withPublisher<T>(files: RunnerFiles, body: (publisher: Publisher) => Promise<T>, options: { eventName?: string; token?: string } = {}) {
  const env = runnerEnv(files, { apiUrl: github.url, eventName: options.eventName, runId: 500 });
  return runActionInProcess(async (runtime) => body(connectGitHub(runtime, options.token ?? "t0ken").publisher), env, { cwd: files.dir });
}

describe("publish", () => {
  it("comments on the pull request and writes the full rendering to the step summary", async () => {
    const files = runnerFiles({ pull_request: { number: 7 } });
    const { result } = await withPublisher(files, (publisher) => publisher.publish(planReport("short", "full")));
    expect(result.status).toBe("created");
    expect(readFileSync(files.summary, "utf8")).toBe("full\n");
    expect(parseMarker(github.comments(7)[0]!.body)).toMatchObject({ kind: "plan", environment: "dev", runId: 500, runAttempt: 1, sha: "abc123" });
  });

  it.each([
    ["a locked pull request", (fake: FakeGitHub) => fake.lock(7), /locked/],
    ["a fork's read-only token", (fake: FakeGitHub) => fake.readOnly(), /read-only/],
  ])("falls back to the step summary with a notice on %s", async (_name, arrange, reason) => {
    arrange(github);
    const files = runnerFiles({ pull_request: { number: 7 } });
    const { result, commands } = await withPublisher(files, (publisher) => publisher.publish(planReport("the plan")));
    expect(result).toMatchObject({ status: "summary-only", reason: expect.stringMatching(reason) });
    expect(readFileSync(files.summary, "utf8")).toContain("the plan");
    expect(commands).toContainEqual(expect.stringMatching(/^::notice::No plan comment for dev: /));
    expect(github.comments(7)).toHaveLength(0);
  });

  it("writes only the summary for a push event (no pull request) or without a token", async () => {
    const push = runnerFiles({ ref: "refs/heads/dev" });
    const pushed = await withPublisher(push, (publisher) => publisher.publish(planReport("the plan")), { eventName: "push" });
    expect(pushed.result).toEqual({ status: "summary-only", reason: "this push event has no pull request" });
    const tokenless = await withPublisher(runnerFiles({ pull_request: { number: 7 } }), (publisher) => publisher.publish(planReport("the plan")), { token: "" });
    expect(tokenless.result).toEqual({ status: "summary-only", reason: "no github-token was given" });
    expect(github.requests).toHaveLength(0);
  });

  it("cuts a report without a budget to fit GitHub's limit, says so and links the run", async () => {
    const files = runnerFiles({ pull_request: { number: 7 } });
    await withPublisher(files, (publisher) => publisher.publish(planReport("x".repeat(70_000))));
    const body = github.comments(7)[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toMatch(/\n\n… cut; the whole report is in the \[run\]\(https:\/\/github\.example\/acme\/infra\/actions\/runs\/500\)\.$/);
    expect(readFileSync(files.summary, "utf8")).toHaveLength(70_001);
  });

  it("never grows the step summary past 1 MiB: the part that would is left out with a warning", async () => {
    const files = runnerFiles({ ref: "refs/heads/dev" });
    writeFileSync(files.summary, "y".repeat(1024 * 1024 - 10));
    const { commands } = await withPublisher(files, (publisher) => publisher.summarize(planReport("more than ten bytes")), { eventName: "push" });
    expect(readFileSync(files.summary, "utf8")).toHaveLength(1024 * 1024 - 10);
    expect(commands).toEqual(["::warning::The step summary would exceed 1048576 bytes; this part was not written."]);
  });
});

describe("outputs, masks and annotations go through @actions/core", () => {
  it("writes multi-line outputs to GITHUB_OUTPUT", async () => {
    const files = runnerFiles({});
    await withPublisher(files, async (publisher) => publisher.output("stacks", '{"dev":"a"}\nsecond line'));
    expect(readOutputs(files.output)).toEqual({ stacks: '{"dev":"a"}\nsecond line' });
  });

  it("registers masks before anything else is printed", async () => {
    const { commands } = await withPublisher(runnerFiles({}), async (publisher) => publisher.mask(["s3cret", "other"]));
    expect(commands).toEqual(["::add-mask::s3cret", "::add-mask::other"]);
  });

  it("places annotations on a file and line, escaped so a message cannot forge another workflow command", async () => {
    const { commands } = await withPublisher(runnerFiles({}), async (publisher) => {
      publisher.annotate({ level: "warning", message: "100% bad\n::error::forged, really: yes", file: "a,b.ts", line: 3, title: "tflint x" });
      publisher.annotate({ level: "notice", message: "plain" });
    });
    expect(commands).toEqual(["::warning title=tflint x,file=a%2Cb.ts,line=3::100%25 bad%0A::error::forged, really: yes", "::notice::plain"]);
  });
});
