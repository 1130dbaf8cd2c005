import * as fs from "node:fs";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toolEnvironment } from "../../../../review/src/dependencies";
import { appendSummary, getBooleanInput, getInput, readRunnerContext, setOutput, workflowCommand} from "../../../../review/src/notify/github/runner";

const temp = () => mkdtempSync(join(tmpdir(), "runner-"));

describe("inputs", () => {
  it("reads kebab-case inputs as the runner names them", () => {
    const env = { "INPUT_GITHUB-TOKEN": " abc ", INPUT_PLAN_JSON: "wrong", "INPUT_FAIL-ON": "" };
    expect(getInput(env, "github-token")).toBe("abc");
    expect(getInput(env, "fail-on", { default: "error" })).toBe("error");
    expect(() => getInput(env, "environment", { required: true })).toThrow('Input "environment" is required but was not given.');
    expect(() => getBooleanInput({ INPUT_X: "maybe" }, "x", false)).toThrow('Input "x": found "maybe", expected true or false.');
  });
});

describe("readRunnerContext", () => {
  const base = (event: unknown, eventName: string) => {
    const dir = temp();
    writeFileSync(join(dir, "event.json"), JSON.stringify(event));
    return { GITHUB_REPOSITORY: "acme/infra", GITHUB_EVENT_NAME: eventName, GITHUB_EVENT_PATH: join(dir, "event.json"), GITHUB_RUN_ID: "77", GITHUB_SERVER_URL: "https://ghe.example/" };
  };

  it("finds the pull request of pull_request and issue_comment events, none for push", () => {
    expect(readRunnerContext(base({ pull_request: { number: 4 } }, "pull_request"), fs).pullRequestNumber).toBe(4);
    expect(readRunnerContext(base({ issue: { number: 5, pull_request: {} } }, "issue_comment"), fs).pullRequestNumber).toBe(5);
    expect(readRunnerContext(base({ issue: { number: 6 } }, "issue_comment"), fs).pullRequestNumber).toBeUndefined();
    expect(readRunnerContext(base({ ref: "refs/heads/dev" }, "push"), fs).pullRequestNumber).toBeUndefined();
  });

  it("builds the run link and defaults the API URL", () => {
    const context = readRunnerContext(base({}, "push"), fs);
    expect(context.runUrl).toBe("https://ghe.example/acme/infra/actions/runs/77");
    expect(context.apiUrl).toBe("https://api.github.com");
  });

  it("names a malformed repository or event file", () => {
    expect(() => readRunnerContext({ GITHUB_REPOSITORY: "infra" }, fs)).toThrow('GITHUB_REPOSITORY: found "infra", expected "owner/name".');
    const dir = temp();
    writeFileSync(join(dir, "event.json"), "{oops");
    expect(() => readRunnerContext({ GITHUB_REPOSITORY: "a/b", GITHUB_EVENT_PATH: join(dir, "event.json") }, fs)).toThrow(/event\.json: not valid JSON/);
  });
});

describe("outputs and summary", () => {
  it("writes multi-line outputs with a delimiter", () => {
    const file = join(temp(), "output");
    writeFileSync(file, "");
    setOutput({ outputPath: file }, fs, "stacks", '{"dev":"a"}\nsecond line');
    expect(readFileSync(file, "utf8")).toMatch(/^stacks<<(ghadelimiter_[\w-]+)\n\{"dev":"a"\}\nsecond line\n\1\n$/);
  });

  it("refuses to grow the step summary past 1 MiB", () => {
    const file = join(temp(), "summary");
    writeFileSync(file, "");
    const log: string[] = [];
    expect(appendSummary({ summaryPath: file }, fs, "x".repeat(1000), (line) => void log.push(line))).toBe(true);
    expect(appendSummary({ summaryPath: file }, fs, "y".repeat(1024 * 1024), (line) => void log.push(line))).toBe(false);
    expect(readFileSync(file, "utf8")).toHaveLength(1001);
    expect(log[0]).toMatch(/^::warning::The step summary would exceed/);
  });

  it("escapes workflow command data and properties", () => {
    expect(workflowCommand("warning", "50% done\nnext", { file: "a,b.ts", line: 3 })).toBe("::warning file=a%2Cb.ts,line=3::50%25 done%0Anext");
  });
});

describe("toolEnvironment", () => {
  it("keeps the runner's environment but no action input, so the GitHub token never reaches a tool", () => {
    const env = { PATH: "/usr/bin", HOME: "/home/runner", "INPUT_GITHUB-TOKEN": "ghs_secret", INPUT_ENVIRONMENT: "dev", GITHUB_RUN_ID: "7" };
    expect(toolEnvironment(env)).toEqual({ PATH: "/usr/bin", HOME: "/home/runner", GITHUB_RUN_ID: "7" });
  });
});
