import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { readEnvironments } from "../../scripts/environments.mjs";
import { WORKFLOW_ENVIRONMENT_LISTS, planNewEnvironment, replaceFlowList } from "../../scripts/new-environment.mjs";
import { repoRoot } from "../support/environments";
import { copyBundledApp, SANDBOX_ENTRIES, sharedLambdaBundles } from "../support/sandbox";

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A copy of everything the command reads and writes, plus what synth needs to prove the result. */
function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), "new-environment-"));
  for (const entry of [...SANDBOX_ENTRIES, ".github/workflows"]) {
    cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  copyBundledApp(repoRoot, dir);
  return dir;
}

const run = (cwd: string, args: string[]) => spawnSync(process.execPath, ["scripts/new-environment.mjs", ...args], { cwd, encoding: "utf8" });
const readJson = (path: string): any => JSON.parse(readFileSync(path, "utf8"));
const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(
    [...readdirSync(join(dir, "environments")).map((file) => `environments/${file}`), ...WORKFLOW_ENVIRONMENT_LISTS.map((list) => list.file)].map((path) => [path, readFileSync(join(dir, path), "utf8")]),
  );

const existing = readEnvironments(join(repoRoot, "environments"));
// Any environment serves as the source; an unprotected one mirrors the usual "another dev-like stage".
const source = existing.find((environment) => !environment.protectData) ?? existing[0];
const sourceData = readJson(join(repoRoot, "environments", `${source.name}.json`));
// A name no shipped file uses, so the test holds whatever environments the repository has.
const newName = ["qa", "uat", "perf", "sandbox"].find((candidate) => !existing.some((environment) => environment.name === candidate || environment.branch === candidate))!;

describe("npm run new-environment", () => {
  it("writes the file with its own suffix, branch, workspace and alert address, adds it to the workflows, and the result synthesizes", () => {
    const dir = sandbox();
    const before = snapshot(dir);
    const result = run(dir, [newName, "--from", source.name]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);

    const written = readJson(join(dir, "environments", `${newName}.json`));
    expect(written).toEqual({
      ...sourceData,
      environmentSuffix: newName,
      branch: newName,
      terraformCloud: { ...sourceData.terraformCloud, workspace: sourceData.terraformCloud.workspace.replace(source.name, newName) },
      alerts: { ...sourceData.alerts, email: sourceData.alerts.email.replace(source.name, newName) },
    });
    expect(written.terraformCloud.workspace).not.toBe(sourceData.terraformCloud.workspace);

    // Each workflow list now names every environment, and nothing else in the file moved.
    const environments = readEnvironments(join(dir, "environments"));
    for (const list of WORKFLOW_ENVIRONMENT_LISTS) {
      const text = readFileSync(join(dir, list.file), "utf8");
      let value: any = parse(text);
      for (const key of list.path) value = value[key];
      expect([...value].sort()).toEqual(environments.map((environment) => (list.field === "name" ? environment.name : environment.branch)).sort());
      const changedLines = text.split("\n").filter((line, index) => line !== before[list.file].split("\n")[index]);
      expect(changedLines).toHaveLength(WORKFLOW_ENVIRONMENT_LISTS.filter((other) => other.file === list.file).length);
    }

    // The manual steps name the new environment's own workspace, GitHub Environments and branch.
    expect(result.stdout).toContain(`Wrote environments/${newName}.json`);
    expect(result.stdout).toContain(written.terraformCloud.workspace);
    expect(result.stdout).toContain(`"${newName}-plan"`);
    expect(result.stdout).toContain(`refs/heads/${newName}`);

    const synth = spawnSync(process.execPath, ["scripts/synth.mjs", newName], { cwd: dir, encoding: "utf8", env: { ...process.env, TF_BACKEND: "local", LAMBDA_BUNDLE_DIR: sharedLambdaBundles() } });
    expect(synth.stderr.split("\n").filter((line) => line !== "" && !line.startsWith("warning: "))).toEqual([]);
    expect(synth.stdout).toMatch(new RegExp(`trading-platform-${newName} +cdktf\\.out/stacks/trading-platform-${newName}/cdk\\.tf\\.json +\\d+ resources`));
  });

  it("refuses a name, branch, workspace or suffix already used, and writes nothing", () => {
    const dir = sandbox();
    const before = snapshot(dir);
    const other = existing.find((environment) => environment.name !== source.name) ?? source;
    const otherData = readJson(join(repoRoot, "environments", `${other.name}.json`));
    const cases: [string[], RegExp][] = [
      [[source.name, "--from", source.name], new RegExp(`environments/${source.name}\\.json already exists`)],
      [[newName, "--from", source.name, "--branch", other.branch], new RegExp(`branch: "${other.branch}" is already the branch of environments/${other.name}\\.json`)],
      [[newName, "--from", source.name, "--workspace", otherData.terraformCloud.workspace], new RegExp(`terraformCloud\\.workspace: "${otherData.terraformCloud.workspace}" is already used by environments/${other.name}\\.json`)],
      [[newName, "--from", source.name, "--suffix", otherData.environmentSuffix], new RegExp(`environmentSuffix: "${otherData.environmentSuffix}" is already used by environments/${other.name}\\.json`)],
      [[newName, "--from", "nope"], new RegExp(`--from: unknown environment "nope"; expected one of: ${existing.map((environment) => environment.name).sort().join(", ")}`)],
      [[newName], /--from <existing environment> is required/],
      [["Bad_Name", "--from", source.name], /the name "Bad_Name" is not usable/],
      [[newName, "--from", source.name, "--colour", "blue"], /Unknown argument "--colour"/],
    ];
    for (const [args, message] of cases) {
      const result = run(dir, args);
      expect({ args, status: result.status }).toEqual({ args, status: 1 });
      expect(result.stderr).toMatch(message);
      expect(snapshot(dir)).toEqual(before);
    }
  });

  it("asks for the value it cannot derive instead of guessing", () => {
    const environments = { base: { ...sourceData, terraformCloud: { ...sourceData.terraformCloud, workspace: "shared-state" }, alerts: { email: "ops@company.test" } } };
    expect(() => planNewEnvironment({ name: newName, options: { from: "base" }, environments, workflowTexts: {} })).toThrow(
      /terraformCloud\.workspace: cannot derive one from environments\/base\.json's "shared-state" \(it does not contain "base"\); pass --workspace[\s\S]*alerts\.email: cannot derive one[\s\S]*pass --alert-email/,
    );
  });

  it("edits only the list itself, and says so when a workflow no longer has it in the expected form", () => {
    const list = { file: "x.yml", path: ["on", "push", "branches"], field: "branch" } as const;
    const text = "# comment kept\non:\n  push:\n    # why\n    branches: [a, b] # trailing\njobs: {}\n";
    expect(replaceFlowList(text, list, ["a", "b", "c"])).toBe("# comment kept\non:\n  push:\n    # why\n    branches: [a, b, c] # trailing\njobs: {}\n");
    expect(() => replaceFlowList("on:\n  push:\n    branches:\n      - a\n", list, ["a"])).toThrow("x.yml: on.push.branches: expected a one-line list such as [dev, prod, staging]");
    expect(() => replaceFlowList(undefined, list, ["a"])).toThrow("x.yml: not found");
  });
});

describe("the workflows' environment lists", () => {
  it("are the ones the command maintains, and each names exactly the environment files", () => {
    const environments = readEnvironments(join(repoRoot, "environments"));
    for (const list of WORKFLOW_ENVIRONMENT_LISTS) {
      let value: any = parse(readFileSync(join(repoRoot, list.file), "utf8"));
      for (const key of list.path) value = value?.[key];
      expect({ file: list.file, values: [...value].sort() }).toEqual({
        file: list.file,
        values: environments.map((environment) => (list.field === "name" ? environment.name : environment.branch)).sort(),
      });
    }
  });

  it("a workflow that must not list environments does not", () => {
    const listed = new Set(WORKFLOW_ENVIRONMENT_LISTS.map((list) => list.file));
    const workflowsDir = join(repoRoot, ".github", "workflows");
    for (const file of readdirSync(workflowsDir).map((name) => `.github/workflows/${name}`).filter((path) => !listed.has(path))) {
      const text = readFileSync(join(repoRoot, file), "utf8");
      for (const environment of readEnvironments(join(repoRoot, "environments"))) {
        expect({ file, mentions: new RegExp(`\\[[^\\]]*\\b${environment.branch}\\b[^\\]]*\\]`).test(text) }).toEqual({ file, mentions: false });
      }
    }
  });
});
