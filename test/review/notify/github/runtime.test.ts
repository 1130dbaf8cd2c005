// The action runtime over the real @actions/core and @actions/github, with the
// runner's variables in process.env for each case (restored after).
import { toolEnvironment } from "../../../../review/src/dependencies";
import { InputError } from "../../../../review/src/input-error";
import { readInputs, runContext } from "../../../../review/src/notify/github/runtime";
import { freshToolkit, runnerEnv, runnerFiles, withRunnerEnv } from "../../../support/actions-runner";

const inRunner = async <T>(env: Record<string, string>, body: (toolkit: ReturnType<typeof freshToolkit>) => T): Promise<T> =>
  (await withRunnerEnv(env, async () => body(freshToolkit()))).result;

const SPECS = { environment: { required: true }, "fail-on": { default: "error" }, "github-token": {} } as const;

describe("readInputs", () => {
  const env = (inputs: Record<string, string>) => runnerEnv(runnerFiles({}), { apiUrl: "http://127.0.0.1:9", inputs });

  it("reads kebab-case inputs through core.getInput, trimmed, with the declared defaults", async () => {
    const values = await inRunner(env({ environment: " dev ", "github-token": "abc", "fail-on": "" }), (toolkit) => {
      const input = readInputs({ toolkit, env: process.env }, SPECS);
      return [input("environment"), input("github-token"), input("fail-on")];
    });
    expect(values).toEqual(["dev", "abc", "error"]);
  });

  it("fails a required input that was not given, naming it", async () => {
    const error = await inRunner(env({ "github-token": "abc" }), (toolkit) => {
      try {
        readInputs({ toolkit, env: process.env }, SPECS)("environment");
        return undefined;
      } catch (caught) {
        return caught;
      }
    });
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe("Input required and not supplied: environment");
  });

  it("fails an input the action does not declare (a misspelt `with:` key), naming it and the declared ones", async () => {
    const error = await inRunner(env({ environment: "dev", fail_on: "warning" }), (toolkit) => {
      try {
        readInputs({ toolkit, env: process.env }, SPECS);
        return undefined;
      } catch (caught) {
        return caught;
      }
    });
    expect((error as Error).message).toBe('Input "fail_on" is not declared by this action; its action.yml declares environment, fail-on, github-token. Check the step\'s `with:`.');
  });
});

describe("runContext", () => {
  const contextFor = (event: unknown, eventName: string, extra: Record<string, string> = {}) =>
    inRunner(runnerEnv(runnerFiles(event), { apiUrl: "https://ghe.example/api/v3/", eventName, runId: 77, extra: { GITHUB_SERVER_URL: "https://ghe.example/", ...extra } }), (toolkit) =>
      runContext(toolkit.context, process.env),
    );

  it("finds the pull request of pull_request and issue_comment events, none for a plain issue or a push", async () => {
    expect((await contextFor({ pull_request: { number: 4 } }, "pull_request")).pullRequestNumber).toBe(4);
    expect((await contextFor({ issue: { number: 5, pull_request: {} } }, "issue_comment")).pullRequestNumber).toBe(5);
    expect((await contextFor({ issue: { number: 6 } }, "issue_comment")).pullRequestNumber).toBeUndefined();
    expect((await contextFor({ ref: "refs/heads/dev" }, "push")).pullRequestNumber).toBeUndefined();
  });

  it("builds the run link from the server URL and strips trailing slashes", async () => {
    const context = await contextFor({}, "push");
    expect(context).toMatchObject({ owner: "acme", repo: "infra", runId: 77, runAttempt: 1, apiUrl: "https://ghe.example/api/v3", runUrl: "https://ghe.example/acme/infra/actions/runs/77" });
  });

  it("names a malformed GITHUB_REPOSITORY", async () => {
    await expect(contextFor({}, "push", { GITHUB_REPOSITORY: "infra" })).rejects.toThrow('GITHUB_REPOSITORY: found "infra", expected "owner/name".');
  });

  it("leaves process.env as it was", async () => {
    const before = { ...process.env };
    await contextFor({}, "push");
    expect(process.env).toEqual(before);
    expect(process.env.GITHUB_RUN_ID).not.toBe("77");
  });
});

describe("toolEnvironment", () => {
  it("keeps the runner's environment but no action input, so the GitHub token never reaches a tool", () => {
    const env = { PATH: "/usr/bin", HOME: "/home/runner", "INPUT_GITHUB-TOKEN": "ghs_secret", INPUT_ENVIRONMENT: "dev", GITHUB_RUN_ID: "7" };
    expect(toolEnvironment(env)).toEqual({ PATH: "/usr/bin", HOME: "/home/runner", GITHUB_RUN_ID: "7" });
  });
});
