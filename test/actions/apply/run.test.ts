// The apply action's run() with recorded dependencies: what it hands to
// terraform, and how the streaming exec of the real entry behaves.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../../.github/actions/apply/src/run";
import { createExec, type ExecOptions } from "../../../review/src/exec";
import { runActionInProcess, runnerEnv, runnerFiles } from "../../support/actions-runner";
import { startFakeGitHub, type FakeGitHub } from "../../support/fake-github";

let github: FakeGitHub;
beforeEach(async () => void (github = await startFakeGitHub()));
afterEach(() => github.close());

const pushEnv = (dir: string, inputs: Record<string, string>) =>
  runnerEnv(runnerFiles({ ref: "refs/heads/dev" }), {
    apiUrl: github.url,
    eventName: "push",
    inputs,
    extra: { GITHUB_SHA: "a".repeat(40), GITHUB_REF_NAME: "dev", GITHUB_WORKSPACE: dir, PATH: "/usr/bin" },
  });

describe("apply action run()", () => {
  it("runs terraform without the action inputs in its environment (no GitHub token for providers to read), and asks GitHub nothing before the plan is read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "apply-run-"));
    writeFileSync(join(dir, "deploy.tfplan"), "not a real plan");
    const calls: { args: readonly string[]; options?: ExecOptions }[] = [];
    const env = pushEnv(dir, { environment: "dev", "github-token": "ghs_secret", "working-directory": dir });
    const { result, commands } = await runActionInProcess(run, env, {
      cwd: dir,
      exec: async (_command, args, options) => {
        calls.push({ args, options });
        return { exitCode: 1, stdout: "", stderr: "Error: the plan file is corrupt" };
      },
    });
    expect(result).toEqual({ ok: false });
    expect(calls.map((call) => call.args)).toEqual([["show", "-json", "deploy.tfplan"]]);
    expect(calls[0]!.options?.cwd).toBe(dir);
    const expected = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith("INPUT_")));
    expect(calls[0]!.options?.env).toEqual(expected);
    expect(Object.values(calls[0]!.options?.env ?? {})).not.toContain("ghs_secret");
    expect(commands.join("\n")).toContain("terraform show -json deploy.tfplan failed (exit code 1):%0AError: the plan file is corrupt");
    expect(github.requests).toEqual([]);
  });

  it("names the missing plan file and the step that should have written it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "apply-run-"));
    const { result, commands } = await runActionInProcess(run, pushEnv(dir, { environment: "dev", "github-token": "t", "working-directory": dir }), {
      cwd: dir,
      exec: async () => ({ exitCode: 0, stdout: "", stderr: "" }),
    });
    expect(result).toEqual({ ok: false });
    expect(commands.join("\n")).toContain(`plan-file: ${join(dir, "deploy.tfplan")} does not exist; run terraform plan -out=deploy.tfplan in ${dir} first.`);
  });
});

describe("createExec with an output hook (the apply entry's exec)", () => {
  it("writes output as it arrives and still returns all of it with the exit code", async () => {
    const chunks: string[] = [];
    const result = await createExec((chunk) => chunks.push(chunk))(process.execPath, ["-e", "process.stdout.write('one\\n'); setTimeout(() => { process.stderr.write('two\\n'); process.exit(3); }, 50);"]);
    expect(result).toEqual({ exitCode: 3, stdout: "one\n", stderr: "two\n" });
    expect(chunks.join("")).toBe("one\ntwo\n");
  });

  it("reports a missing binary as exit code 127", async () => {
    const result = await createExec(() => {})("/nonexistent/terraform", ["version"]);
    expect(result.exitCode).toBe(127);
  });
});
