import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkDestroyRequest, readEnvironments } from "../../scripts/environments.mjs";
import { repoRoot } from "../support/environments";

/** Runs the script as a workflow step does; ENVIRONMENTS_DIR points it at a fixture directory. */
const run = (args: string[], environmentsDir?: string) =>
  spawnSync(process.execPath, [join(repoRoot, "scripts", "environments.mjs"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, ENVIRONMENTS_DIR: environmentsDir ?? "" },
  });

function fixtureDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "environments-"));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, `${name}.json`), typeof data === "string" ? data : JSON.stringify(data));
  return dir;
}

describe("scripts/environments.mjs", () => {
  it("prints the drift matrix from the environment files, in GITHUB_OUTPUT form", () => {
    const result = run(["matrix"]);
    expect(result.status).toBe(0);
    const [key, value] = result.stdout.trim().split(/=(.*)/s);
    expect(key).toBe("environments");
    expect(JSON.parse(value)).toEqual([
      { name: "dev", branch: "dev", region: "us-east-1" },
      { name: "prod", branch: "prod", region: "us-east-1" },
      { name: "staging", branch: "staging", region: "us-east-1" },
    ]);
  });

  it("maps a pull request's base branch to the environment whose file names that branch", () => {
    const dir = fixtureDir({ qa: { branch: "release/qa", region: "eu-west-1", protectData: false } });
    expect(run(["target", "release/qa"], dir).stdout).toBe("environment=qa\nregion=eu-west-1\n");
    expect(run(["target", "staging"]).stdout).toBe("environment=staging\nregion=us-east-1\n");
  });

  it("prints an empty environment for a branch no environment deploys (tests and synth diff only)", () => {
    const result = run(["target", "feature/new-bucket"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("environment=\nregion=\n");
  });

  it("refuses two environments on one branch and a file without a branch, naming the files", () => {
    const shared = fixtureDir({ a: { branch: "main", region: "us-east-1", protectData: false }, b: { branch: "main", region: "us-east-1", protectData: false } });
    expect(run(["matrix"], shared).stderr).toMatch(/b\.json: branch: "main" is already the branch of .*a\.json/);
    const missing = fixtureDir({ a: { region: "us-east-1", protectData: false } });
    expect(run(["matrix"], missing).stderr).toMatch(/a\.json: branch: found undefined, expected the git branch/);
    expect(run(["matrix"], fixtureDir({ a: "{" })).stderr).toMatch(/a\.json: not valid JSON/);
  });
});

describe("destroy confirmation (check-destroy, run before any credentialed job)", () => {
  const environments = readEnvironments(join(repoRoot, "environments"));

  it("allows a destroy only when confirm repeats the environment's name exactly", () => {
    expect(checkDestroyRequest(environments, "dev", "dev")).toEqual({ allowed: true, reason: "Destroy of dev confirmed." });
    for (const confirm of ["", "DEV", "dev ", "yes", "staging"]) {
      const result = checkDestroyRequest(environments, "dev", confirm);
      expect(result.allowed).toBe(false);
      expect(result.reason).toBe(`Refusing to destroy dev: the confirm input was ${JSON.stringify(confirm)}, expected exactly "dev".`);
    }
  });

  it("refuses prod while environments/prod.json protects its data, even when confirmed", () => {
    const result = run(["check-destroy", "prod", "prod"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Refusing to destroy prod: environments\/prod\.json has "protectData": true\. Merge a reviewed pull request that sets it to false into prod/);
  });

  it("follows the data, not the name: an unprotected prod file may be destroyed", () => {
    const dir = fixtureDir({ prod: { branch: "prod", region: "us-east-1", protectData: false } });
    expect(run(["check-destroy", "prod", "prod"], dir).status).toBe(0);
  });

  it("refuses an unknown environment and exits non-zero from the CLI on a wrong confirmation", () => {
    expect(checkDestroyRequest(environments, "qa", "qa").reason).toBe('Unknown environment "qa"; expected one of: dev, prod, staging.');
    const result = run(["check-destroy", "staging", "stagin"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/expected exactly "staging"/);
  });
});
