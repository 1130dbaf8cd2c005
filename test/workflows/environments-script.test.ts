import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkDestroyRequest, deploymentRoleArns, partitionOf, placeholderProblems, readEnvironments } from "../../scripts/environments.mjs";
import { repoRoot } from "../support/environments";

/** Runs the script as a workflow step does; ENVIRONMENTS_DIR points it at a fixture directory. */
const run = (args: string[], environmentsDir?: string) =>
  spawnSync(process.execPath, [join(repoRoot, "scripts", "environments.mjs"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, ENVIRONMENTS_DIR: environmentsDir ?? "" },
  });

/** A repository look-alike: environments/<name>.json and, when given, stacks/bootstrap/accounts.json; returns the environments folder. */
function fixtureDir(files: Record<string, unknown>, accounts?: unknown): string {
  const root = mkdtempSync(join(tmpdir(), "environments-"));
  const dir = join(root, "environments");
  mkdirSync(dir);
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, `${name}.json`), typeof data === "string" ? data : JSON.stringify(data));
  if (accounts !== undefined) {
    mkdirSync(join(root, "stacks", "bootstrap"), { recursive: true });
    writeFileSync(join(root, "stacks", "bootstrap", "accounts.json"), typeof accounts === "string" ? accounts : JSON.stringify(accounts));
  }
  return dir;
}

describe("scripts/environments.mjs", () => {
  it("prints the drift matrix from the environment files, in GITHUB_OUTPUT form", () => {
    const result = run(["matrix"]);
    expect(result.status).toBe(0);
    const [key, value] = result.stdout.trim().split(/=(.*)/s);
    expect(key).toBe("environments");
    const files = readdirSync(join(repoRoot, "environments")).filter((file) => file.endsWith(".json")).sort();
    const environments = readEnvironments(join(repoRoot, "environments"));
    expect(JSON.parse(value)).toEqual(
      files.map((file) => {
        const data = JSON.parse(readFileSync(join(repoRoot, "environments", file), "utf8"));
        const environment = environments.find((candidate) => candidate.name === file.slice(0, -5))!;
        return { name: environment.name, branch: data.branch, region: data.region, planRoleArn: deploymentRoleArns(environment).plan };
      }),
    );
  });

  it("maps a pull request's base branch to the environment whose file names that branch", () => {
    const dir = fixtureDir({ qa: { branch: "release/qa", region: "eu-west-1", protectData: false } });
    expect(run(["target", "release/qa"], dir).stdout).toBe("environment=qa\nregion=eu-west-1\nplan-role-arn=\napply-role-arn=\n");
    for (const environment of readEnvironments(join(repoRoot, "environments"))) {
      const roles = deploymentRoleArns(environment);
      expect(run(["target", environment.branch]).stdout).toBe(`environment=${environment.name}\nregion=${environment.region}\nplan-role-arn=${roles.plan}\napply-role-arn=${roles.apply}\n`);
    }
  });

  it("prints an empty environment for a branch no environment deploys (tests and synth diff only)", () => {
    const result = run(["target", "feature/new-bucket"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("environment=\nregion=\nplan-role-arn=\napply-role-arn=\n");
  });

  it("derives each environment's plan and apply roles from its account in stacks/bootstrap/accounts.json", () => {
    const dir = fixtureDir(
      {
        qa: { branch: "qa", region: "eu-west-1", protectData: false, account: "nonprod" },
        gov: { branch: "gov", region: "us-gov-west-1", protectData: true, account: "gov" },
      },
      { nonprod: { id: "210987654321" }, gov: { id: "098765432109" } },
    );
    expect(run(["target", "qa"], dir).stdout).toBe(
      "environment=qa\nregion=eu-west-1\nplan-role-arn=arn:aws:iam::210987654321:role/github-deploy/github-plan-qa\napply-role-arn=arn:aws:iam::210987654321:role/github-deploy/github-apply-qa\n",
    );
    expect(run(["describe", "gov"], dir).stdout).toContain("plan-role-arn=arn:aws-us-gov:iam::098765432109:role/github-deploy/github-plan-gov\n");
    expect(partitionOf("cn-north-1")).toBe("aws-cn");
  });

  it("refuses an environment naming an account the accounts file lacks, and a malformed account id", () => {
    const unknown = fixtureDir({ qa: { branch: "qa", region: "eu-west-1", protectData: false, account: "shared" } }, { nonprod: { id: "210987654321" } });
    expect(run(["matrix"], unknown).stderr).toMatch(/qa\.json: account: found "shared", expected one of the accounts in .*stacks\/bootstrap\/accounts\.json: nonprod/);
    const malformed = fixtureDir({ qa: { branch: "qa", region: "eu-west-1", protectData: false, account: "nonprod" } }, { nonprod: { id: "12345" } });
    expect(run(["matrix"], malformed).stderr).toMatch(/accounts\.json: nonprod\.id: found "12345", expected a 12-digit AWS account id/);
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
  const dir = fixtureDir({
    sandbox: { branch: "sandbox", region: "eu-west-1", protectData: false },
    live: { branch: "release/live", region: "us-east-1", protectData: true },
  });
  const environments = readEnvironments(dir);

  it("allows a destroy only when confirm repeats the environment's name exactly", () => {
    expect(checkDestroyRequest(environments, "sandbox", "sandbox")).toEqual({ allowed: true, reason: "Destroy of sandbox confirmed." });
    for (const confirm of ["", "SANDBOX", "sandbox ", "yes", "live"]) {
      const result = checkDestroyRequest(environments, "sandbox", confirm);
      expect(result.allowed).toBe(false);
      expect(result.reason).toBe(`Refusing to destroy sandbox: the confirm input was ${JSON.stringify(confirm)}, expected exactly "sandbox".`);
    }
  });

  it("refuses an environment whose file protects its data, even when confirmed", () => {
    const result = run(["check-destroy", "live", "live"], dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Refusing to destroy live: .*live\.json has "protectData": true\. Merge a reviewed pull request that sets it to false into release\/live/);
  });

  it("refuses a run from another branch than the environment's own", () => {
    expect(checkDestroyRequest(environments, "sandbox", "sandbox", "refs/heads/feature/x").reason).toBe(
      "Refusing to destroy sandbox from refs/heads/feature/x: run the destroy workflow from the environment's branch, refs/heads/sandbox.",
    );
    expect(checkDestroyRequest(environments, "sandbox", "sandbox", "refs/heads/sandbox").allowed).toBe(true);
  });

  it("refuses an unknown environment and exits non-zero from the CLI on a wrong confirmation", () => {
    expect(checkDestroyRequest(environments, "qa", "qa").reason).toBe('Unknown environment "qa"; expected one of: live, sandbox.');
    const result = run(["check-destroy", "sandbox", "sandbx"], dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/expected exactly "sandbox"/);
  });
});

describe("the repository's environment files", () => {
  const environments = readEnvironments(join(repoRoot, "environments"));

  it("keep the invariants the workflows rely on: at least one protected and one destroyable environment", () => {
    expect(environments.some((environment) => environment.protectData)).toBe(true);
    expect(environments.some((environment) => !environment.protectData)).toBe(true);
    for (const environment of environments.filter((candidate) => candidate.protectData)) {
      expect(checkDestroyRequest(environments, environment.name, environment.name, `refs/heads/${environment.branch}`).allowed).toBe(false);
    }
  });
});

describe("placeholder settings (preflight, run before a deploy takes any credential)", () => {
  const summary = (email: string | undefined) => ({ name: "sandbox", file: "environments/sandbox.json", branch: "sandbox", region: "eu-west-1", protectData: false, alertsEmail: email });

  it("names an alert address at a reserved example domain, where no mail is ever delivered", () => {
    for (const email of ["ops@example.com", "ops+x@mail.example.org", "a@example.net", "a@corp.example", "a@x.invalid", "a@host.test", "a@localhost"]) {
      expect(placeholderProblems(summary(email))).toEqual([
        {
          file: "environments/sandbox.json",
          field: "alerts.email",
          message: `environments/sandbox.json: alerts.email: found ${JSON.stringify(email)}, a reserved example domain where no mail is delivered; expected the monitored address that should receive sandbox's alarms`,
        },
      ]);
    }
    for (const email of ["ops@trading.com", "alerts@examples.com", "a@example.com.au", "a@myexample.org"]) expect(placeholderProblems(summary(email))).toEqual([]);
  });

  it("names an account id taken from AWS's documentation examples", () => {
    const problems = placeholderProblems({ ...summary("oncall@trading-desk.io"), account: "nonprod", accountId: "111122223333" });
    expect(problems).toEqual([
      {
        file: "stacks/bootstrap/accounts.json",
        field: "nonprod.id",
        message: 'stacks/bootstrap/accounts.json: nonprod.id: found "111122223333", an example id from AWS\'s documentation; expected the id of the AWS account that sandbox deploys into',
      },
    ]);
    expect(placeholderProblems({ ...summary("oncall@trading-desk.io"), account: "nonprod", accountId: "210987654321" })).toEqual([]);
  });

  it("the CLI fails with an annotation naming the file and field, and passes a real address", () => {
    const dir = fixtureDir({
      sandbox: { branch: "sandbox", region: "eu-west-1", protectData: false, alerts: { email: "platform+sandbox@example.com" } },
      live: { branch: "live", region: "eu-west-1", protectData: true, alerts: { email: "oncall@trading-desk.io" } },
    });
    const refused = run(["preflight", "sandbox"], dir);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/^::error file=.*sandbox\.json,title=alerts\.email is a placeholder::.*sandbox\.json: alerts\.email: found "platform\+sandbox@example\.com"/);
    const passed = run(["preflight", "live"], dir);
    expect(passed.status).toBe(0);
    expect(run(["preflight", "nope"], dir).stderr).toMatch(/Unknown environment "nope"; expected one of: live, sandbox/);
    // A plan (or drift check, or destroy) goes on with a placeholder alert address and says so; a deploy does not.
    const plan = run(["preflight", "sandbox", "--for", "plan"], dir);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toMatch(/^::warning file=.*sandbox\.json,title=alerts\.email is a placeholder::/);
    expect(run(["preflight", "sandbox", "--for", "apply"], dir).stderr).toMatch(/preflight --for: found "apply", expected one of: deploy, plan, drift, destroy/);
  });

  it("the CLI refuses a placeholder account id for every purpose: its roles cannot exist", () => {
    const dir = fixtureDir({ sandbox: { branch: "sandbox", region: "eu-west-1", protectData: false, account: "nonprod", alerts: { email: "oncall@trading-desk.io" } } }, { nonprod: { id: "123456789012" } });
    for (const purpose of ["deploy", "plan", "drift", "destroy"]) {
      const result = run(["preflight", "sandbox", "--for", purpose], dir);
      expect({ purpose, status: result.status }).toEqual({ purpose, status: 1 });
      expect(result.stdout).toMatch(/::error file=stacks\/bootstrap\/accounts\.json,title=nonprod\.id is a placeholder::/);
    }
  });
});
