// The apply action's run() with recorded dependencies: what it hands to
// terraform, and how the streaming exec of the real entry behaves.
import * as fs from "node:fs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../../.github/actions/apply/src/run";
import { createExec } from "../../../review/src/exec";
import type { ExecOptions } from "../../../review/src/exec";

describe("apply action run()", () => {
  it("runs terraform without the action inputs in its environment (no GitHub token for providers to read)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "apply-run-"));
    writeFileSync(join(dir, "deploy.tfplan"), "not a real plan");
    const calls: { args: readonly string[]; options?: ExecOptions }[] = [];
    const logs: string[] = [];
    const code = await run({
      env: { GITHUB_REPOSITORY: "acme/infra", GITHUB_SHA: "a".repeat(40), GITHUB_REF_NAME: "dev", INPUT_ENVIRONMENT: "dev", "INPUT_GITHUB-TOKEN": "ghs_secret", "INPUT_WORKING-DIRECTORY": dir, PATH: "/usr/bin" },
      fs,
      exec: async (_command, args, options) => {
        calls.push({ args, options });
        return { exitCode: 1, stdout: "", stderr: "Error: the plan file is corrupt" };
      },
      log: (line) => logs.push(line),
      createClient: () => {
        throw new Error("no GitHub call expected before the plan is read");
      },
      cwd: dir,
    });
    expect(code).toEqual({ ok: false });
    expect(calls.map((call) => call.args)).toEqual([["show", "-json", "deploy.tfplan"]]);
    expect(calls[0].options?.cwd).toBe(dir);
    expect(calls[0].options?.env).toEqual({ GITHUB_REPOSITORY: "acme/infra", GITHUB_SHA: "a".repeat(40), GITHUB_REF_NAME: "dev", PATH: "/usr/bin" });
    expect(logs.join("\n")).toContain("terraform show -json deploy.tfplan failed (exit code 1):%0AError: the plan file is corrupt");
  });

  it("names the missing plan file and the step that should have written it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "apply-run-"));
    const logs: string[] = [];
    const code = await run({
      env: { GITHUB_REPOSITORY: "acme/infra", GITHUB_SHA: "a".repeat(40), GITHUB_REF_NAME: "dev", INPUT_ENVIRONMENT: "dev", "INPUT_GITHUB-TOKEN": "t", "INPUT_WORKING-DIRECTORY": dir },
      fs,
      exec: async () => ({ exitCode: 0, stdout: "", stderr: "" }),
      log: (line) => logs.push(line),
      createClient: () => {
        throw new Error("unexpected");
      },
      cwd: dir,
    });
    expect(code).toEqual({ ok: false });
    expect(logs.join("\n")).toContain(`plan-file: ${join(dir, "deploy.tfplan")} does not exist; run terraform plan -out=deploy.tfplan in ${dir} first.`);
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
