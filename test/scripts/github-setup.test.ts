// scripts/github-setup.mjs: what the GitHub settings must be (derived from github.json, the
// environment files and the workflows), each check as a pure function, and the whole command
// against a loopback fake of GitHub's settings API (test/support/fake-github-settings.ts).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { readEnvironments } from "../../scripts/environments.mjs";
import {
  PULL_REQUEST_REF_PATTERN,
  PULL_REQUEST_WORKFLOW,
  TERRAFORM_TOKENS,
  LABELS,
  applySetup,
  checkEnvironment,
  checkOidcSubject,
  checkRepositorySecrets,
  checkRuleset,
  checkSettings,
  checkTeams,
  createGitHubRequest,
  environmentBody,
  expectedSettings,
  fetchSettings,
  formatDifference,
  jobRunsFor,
  parseWorkflowJobs,
  requiredChecks,
  resolveToken,
  runCheck,
  runSetup,
  type Difference,
  type ExpectedSettings,
  type FetchedSettings,
} from "../../scripts/github-setup.mjs";
import { type FakeGitHubSettings, startFakeGitHubSettings } from "../support/fake-github-settings";
import { repoRoot } from "../support/environments";

/* eslint-disable @typescript-eslint/no-explicit-any -- workflow YAML and GitHub answers are untyped JSON */

const readWorkflow = (path: string): string => readFileSync(join(repoRoot, path), "utf8");
const github = JSON.parse(readFileSync(join(repoRoot, "stacks", "bootstrap", "github.json"), "utf8"));
const environments = readEnvironments(join(repoRoot, "environments"));
const expected = (overrides: Record<string, unknown> = {}): ExpectedSettings => expectedSettings({ github: { ...github, ...overrides }, environments, readWorkflow });
const workflowFiles = readdirSync(join(repoRoot, ".github", "workflows")).filter((file) => file.endsWith(".yml"));
const workflow = (file: string): any => parse(readWorkflow(join(".github", "workflows", file)));

const protectedEnvironments = environments.filter((environment) => environment.protectData);
const unprotectedEnvironments = environments.filter((environment) => !environment.protectData);

/** A fake GitHub holding the repository github.json names, its teams (with write access) and every branch the data names. */
async function startFake(settings: ExpectedSettings, teams = settings.teams): Promise<FakeGitHubSettings> {
  return startFakeGitHubSettings({
    owner: settings.owner,
    repo: settings.repository,
    defaultBranch: settings.defaultBranch,
    branches: [...settings.branches],
    teams: teams.map((slug) => ({ slug, privacy: "closed" as const, permission: "push" as const })),
  });
}

/** Runs a command function, collecting what it prints. */
async function capture(run: (print: (line: string) => void) => Promise<number>): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await run((line) => lines.push(line));
  return { code, lines };
}

const errorLines = (lines: readonly string[]) => lines.filter((line) => line.startsWith("✗"));

/** Sets every required secret, as an administrator does with `gh secret set --env`. */
function setRequiredSecrets(fake: FakeGitHubSettings, settings: ExpectedSettings): void {
  for (const environment of settings.environments) fake.state.environments.get(environment.name)!.secrets.push(...environment.secrets.required);
}

describe("the check names a pull request must pass (derived from the workflows)", () => {
  it("reads every workflow's jobs as a YAML parser does", () => {
    for (const file of workflowFiles) {
      const jobs = workflow(file).jobs as Record<string, any>;
      const parsed = parseWorkflowJobs(readWorkflow(join(".github", "workflows", file)), file);
      expect(parsed.map((job) => job.id)).toEqual(Object.keys(jobs));
      for (const job of parsed) {
        const source = jobs[job.id];
        expect({ name: job.name, if: job.if, uses: job.uses, strategy: job.strategy }).toEqual({ name: source.name, if: source.if, uses: source.uses, strategy: source.strategy !== undefined });
        if (typeof source.environment === "string") expect(job.environment).toBe(source.environment);
      }
    }
  });

  it("takes them from the only workflow pull requests trigger", () => {
    const triggered = workflowFiles.filter((file) => {
      const on = workflow(file).on;
      return on !== null && typeof on === "object" && "pull_request" in on;
    });
    expect(triggered.map((file) => `.github/workflows/${file}`)).toEqual([PULL_REQUEST_WORKFLOW]);
  });

  it("requires every job that runs for a pull request into an environment branch, with a called workflow's jobs as '<caller> / <job>'", () => {
    const jobs = parse(readWorkflow(PULL_REQUEST_WORKFLOW)).jobs as Record<string, any>;
    for (const environment of environments) {
      const names = Object.entries(jobs)
        .filter(([, job]) => !String(job.if ?? "").includes("fork == 'true'"))
        .flatMap(([id, job]) => {
          const name = String(job.name ?? id).replace(/\$\{\{ needs\.target\.outputs\.environment \}\}/g, environment.name);
          if (!job.uses) return [name];
          const called = parse(readWorkflow(job.uses.slice(2))).jobs as Record<string, any>;
          return Object.entries(called).map(([calledId, calledJob]) => `${name} / ${calledJob.name ?? calledId}`);
        });
      expect(requiredChecks(readWorkflow, environment.name)).toEqual(names);
      expect(names).toEqual(expect.arrayContaining([`plan and cost (${environment.name})`, `lint (${environment.name})`, "synth diff", "tests / lint, typecheck, test"]));
    }
  });

  it("into a branch no environment deploys, requires only the jobs that run there", () => {
    const jobs = parse(readWorkflow(PULL_REQUEST_WORKFLOW)).jobs as Record<string, any>;
    const everywhere = Object.entries(jobs).filter(([, job]) => job.if === undefined);
    const checks = requiredChecks(readWorkflow, "");
    expect(checks).toHaveLength(everywhere.reduce((count, [, job]) => count + (job.uses ? Object.keys(parse(readWorkflow(job.uses.slice(2))).jobs).length : 1), 0));
    expect(checks.some((check) => check.includes("("))).toBe(false);
  });

  it("refuses a condition, a name or a job shape it cannot evaluate instead of guessing", () => {
    expect(() => jobRunsFor({ id: "x", if: "github.event.pull_request.draft == false", strategy: false }, "dev", "w.yml")).toThrow(/w\.yml: job x: cannot tell whether "if: github\.event\.pull_request\.draft == false" runs/);
    expect(() => jobRunsFor({ id: "x", if: "needs.target.outputs.environment != '' || true", strategy: false }, "dev", "w.yml")).toThrow(/cannot tell/);
    expect(jobRunsFor({ id: "x", if: "${{ needs.target.outputs.environment != '' && needs.target.outputs.fork != 'true' }}", strategy: false }, "dev", "w.yml")).toBe(true);
    const workflowWith = (jobs: string) => (path: string) => (path === PULL_REQUEST_WORKFLOW ? `on: pull_request\njobs:\n${jobs}` : readWorkflow(path));
    expect(() => requiredChecks(workflowWith("  a:\n    name: a (${{ github.head_ref }})\n    runs-on: x\n"), "dev")).toThrow(/job a: its name "a \(\$\{\{ github\.head_ref \}\}\)" uses an expression/);
    expect(() => requiredChecks(workflowWith("  a:\n    strategy:\n      matrix:\n        n: [1, 2]\n"), "dev")).toThrow(/job a has a strategy/);
    expect(() => requiredChecks(workflowWith("  a:\n    uses: octo/repo/.github/workflows/x.yml@v1\n"), "dev")).toThrow(/job a calls octo\/repo/);
  });
});

describe("what the GitHub settings must be (derived from github.json and the environment files)", () => {
  const settings = expected();

  it("gives each environment its own Environment, restricted to its branch, and a -plan Environment only pull-request refs reach", () => {
    for (const environment of environments) {
      const own = settings.environments.find((candidate) => candidate.name === environment.name)!;
      const plan = settings.environments.find((candidate) => candidate.name === `${environment.name}-plan`)!;
      expect(own.branchPolicies).toEqual([{ name: environment.branch, type: "branch" }]);
      expect(plan.branchPolicies).toEqual([{ name: PULL_REQUEST_REF_PATTERN, type: "branch" }]);
      expect(own.secrets.required).toEqual(["TF_WRITE_TOKEN"]);
      expect(plan.secrets.required).toEqual(["TF_READ_TOKEN"]);
      for (const gitHubEnvironment of [own, plan]) {
        expect(gitHubEnvironment.protect).toBe(environment.protectData);
        expect([...gitHubEnvironment.reviewerTeams].sort()).toEqual(environment.protectData ? [github.teams.platform, github.teams.security].sort() : []);
      }
    }
    expect(protectedEnvironments.length).toBeGreaterThan(0);
  });

  it("runs drift and promotion from the default branch only, with no reviewers", () => {
    for (const name of ["drift", "promotion"]) {
      const environment = settings.environments.find((candidate) => candidate.name === name)!;
      expect(environment.branchPolicies).toEqual([{ name: github.defaultBranch, type: "branch" }]);
      expect(environment.reviewerTeams).toEqual([]);
    }
    expect(settings.environments.find((candidate) => candidate.name === "drift")!.secrets).toEqual({ required: ["TF_READ_TOKEN"], optional: [] });
    expect(settings.environments.find((candidate) => candidate.name === "promotion")!.secrets).toEqual({ required: [], optional: ["PROMOTION_APP_CLIENT_ID", "PROMOTION_APP_PRIVATE_KEY"] });
  });

  it("protects each environment branch with its own ruleset (its own checks), merge commits only", () => {
    for (const environment of environments) {
      const ruleset = settings.rulesets.find((candidate) => candidate.refs.includes(`refs/heads/${environment.branch}`))!;
      expect(ruleset.pullRequest).toEqual({ approvals: 1, dismissStale: true, codeOwners: true, allowedMergeMethods: ["merge"] });
      expect(ruleset.checks).toEqual(requiredChecks(readWorkflow, environment.name));
    }
  });

  it("adds a default-branch ruleset only when no environment deploys the default branch", () => {
    const outside = expected({ defaultBranch: "trunk" });
    expect(outside.rulesets.map((ruleset) => ruleset.refs)).toEqual([...environments.map((environment) => [`refs/heads/${environment.branch}`]), ["refs/heads/trunk"]]);
    expect(outside.rulesets.at(-1)).toMatchObject({ name: "default branch", pullRequest: { allowedMergeMethods: undefined }, checks: requiredChecks(readWorkflow, "") });
    const inside = expected({ defaultBranch: environments[0]!.branch });
    expect(inside.rulesets).toHaveLength(environments.length);
    expect(inside.environments.find((environment) => environment.name === "drift")!.branchPolicies).toEqual([{ name: environments[0]!.branch, type: "branch" }]);
  });

  it("refuses an environment file whose Environments would clash with another's, naming the file", () => {
    const clash = (name: string) => [...environments, { ...environments[0]!, name, file: `environments/${name}.json`, branch: `${name}-branch` }];
    expect(() => expectedSettings({ github, environments: clash("drift"), readWorkflow })).toThrow(/stacks\/bootstrap\/github\.json defaultBranch: the GitHub Environment "drift" it needs is also the one of environments\/drift\.json/);
    expect(() => expectedSettings({ github, environments: clash(`${environments[0]!.name}-plan`), readWorkflow })).toThrow(new RegExp(`environments/${environments[0]!.name}-plan\\.json: the GitHub Environment "${environments[0]!.name}-plan" it needs is also the one of ${environments[0]!.file}`));
  });

  it("names the field of github.json that is wrong", () => {
    expect(() => expected({ defaultBranch: "" })).toThrow('stacks/bootstrap/github.json: defaultBranch: found "", expected a non-empty string');
    expect(() => expected({ teams: { platform: "p" } })).toThrow(/stacks\/bootstrap\/github\.json: teams: found \{"platform":"p"\}/);
  });

  it("covers every GitHub Environment a workflow job runs in, with the Terraform tokens that job reads", () => {
    for (const file of workflowFiles) {
      for (const [id, job] of Object.entries(workflow(file).jobs as Record<string, any>)) {
        if (job.environment === undefined) continue;
        const template = String(typeof job.environment === "string" ? job.environment : job.environment.name);
        const names = template.includes("${{") ? environments.map((environment) => template.replace(/\$\{\{[^}]*\}\}/g, environment.name)) : [template];
        const tokens = TERRAFORM_TOKENS.filter((token) => JSON.stringify(job).includes(`secrets.${token}`));
        for (const name of names) {
          const environment = settings.environments.find((candidate) => candidate.name === name);
          expect({ file, id, name, found: environment !== undefined }).toEqual({ file, id, name, found: true });
          expect(tokens.every((token) => environment!.secrets.required.includes(token))).toBe(true);
        }
      }
    }
  });

  it("creates the labels the workflows and the plan action apply", () => {
    // The plan action labels through the review library's plan pipeline.
    const planSource = readFileSync(join(repoRoot, "review", "src", "terraform", "review.ts"), "utf8");
    const planLabels = [...planSource.matchAll(/LABEL_\w+ = "([^"]+)"/g)].map((match) => match[1]);
    expect(planLabels.length).toBeGreaterThan(0);
    const driftLabels = [...readWorkflow(".github/workflows/drift.yml").matchAll(/gh label create (\S+)/g)].map((match) => match[1]);
    expect(LABELS.map((label) => label.name).sort()).toEqual([...planLabels, ...driftLabels].sort());
  });
});

describe("each check, as a function of (what GitHub has, what the data asks for)", () => {
  const settings = expected();
  const teams = Object.fromEntries(settings.teams.map((slug, index) => [slug, { id: 100 + index, slug, privacy: "closed" }]));
  const context = { expected: settings, teams, actionsAppId: 15368 };
  const aProtected = settings.environments.find((environment) => environment.protect)!;
  const anUnprotected = settings.environments.find((environment) => !environment.protect && environment.secrets.required.length > 0)!;
  const reviewersOf = (slugs: readonly string[]) => slugs.map((slug) => ({ type: "Team", reviewer: { id: teams[slug]!.id, slug } }));
  const configured = (environment: typeof aProtected, overrides: Record<string, unknown> = {}) => ({
    settings: {
      can_admins_bypass: !environment.protect,
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
      protection_rules: environment.protect ? [{ type: "required_reviewers", prevent_self_review: true, reviewers: reviewersOf(environment.reviewerTeams) }] : [],
      ...overrides,
    },
    branchPolicies: environment.branchPolicies.map((policy, index) => ({ id: index + 1, ...policy })),
    secrets: [...environment.secrets.required, ...environment.secrets.optional],
  });

  it("passes an environment configured as the data says", () => {
    for (const environment of settings.environments) expect(checkEnvironment(configured(environment), environment, context)).toEqual([]);
  });

  it("reports a protected environment without reviewers: reviewers, self-review and administrator bypass", () => {
    const differences = checkEnvironment(configured(aProtected, { protection_rules: [], can_admins_bypass: true }), aProtected, context);
    expect(differences.map((item) => [item.severity, item.setting, item.actual, item.fix])).toEqual([
      ["error", "required reviewers", "none", "setup"],
      ["error", "prevent self-review", "off", "setup"],
      ["error", "allow administrators to bypass", "on", "setup"],
    ]);
    expect(differences[0]!.expected).toBe(`teams ${aProtected.reviewerTeams.join(", ")} (${aProtected.source} has "protectData": true)`);
    expect(differences[0]!.path).toBe(`PUT ${settings.repo}/environments/${aProtected.name}`);
  });

  it("reports every way more refs than the data allows could reach an environment's secrets", () => {
    const open = checkEnvironment(configured(anUnprotected, { deployment_branch_policy: null }), anUnprotected, context);
    expect(open.map((item) => [item.setting, item.actual])).toEqual([["deployment branches", "all branches (no restriction)"]]);
    const protectedBranches = checkEnvironment(configured(anUnprotected, { deployment_branch_policy: { protected_branches: true, custom_branch_policies: false } }), anUnprotected, context);
    expect(protectedBranches.map((item) => item.actual)).toEqual(["protected branches only"]);
    const extra = configured(anUnprotected);
    extra.branchPolicies.push({ id: 77, name: "feature/*", type: "branch" });
    const [widened] = checkEnvironment(extra, anUnprotected, context);
    expect(widened).toMatchObject({ severity: "error", fix: "manual", actual: "also branch feature/* (more refs reach its secrets)" });
    expect(widened!.command).toBe(`gh api -X DELETE repos/${settings.owner}/${settings.repository}/environments/${anUnprotected.name}/deployment-branch-policies/77`);
  });

  it("names each missing secret with the command that sets it, and a Terraform token where it does not belong", () => {
    const environment = configured(anUnprotected);
    environment.secrets = TERRAFORM_TOKENS.filter((token) => !anUnprotected.secrets.required.includes(token));
    const lines = checkEnvironment(environment, anUnprotected, context).map(formatDifference);
    for (const name of anUnprotected.secrets.required) {
      expect(lines).toContain(`✗ environment ${anUnprotected.name}: secret ${name}: is not set, must be set [GET ${settings.repo}/environments/${anUnprotected.name}/secrets] → gh secret set --env ${anUnprotected.name} ${name} --repo ${settings.owner}/${settings.repository}`);
    }
    for (const name of environment.secrets) expect(lines.some((line) => line.includes(`secret ${name}: is set, must be absent`) && line.endsWith(`gh secret delete --env ${anUnprotected.name} ${name} --repo ${settings.owner}/${settings.repository}`))).toBe(true);
  });

  it("treats the promotion secrets as optional: a notice, not an error", () => {
    const promotion = settings.environments.find((environment) => environment.name === "promotion")!;
    const differences = checkEnvironment({ ...configured(promotion), secrets: [] }, promotion, context);
    expect(differences.map((item) => [item.severity, item.setting])).toEqual([
      ["notice", "secret PROMOTION_APP_CLIENT_ID"],
      ["notice", "secret PROMOTION_APP_PRIVATE_KEY"],
    ]);
  });

  it("reports a missing environment once, with what it must be, and still lists its secrets", () => {
    const differences = checkEnvironment(null, aProtected, context);
    expect(differences[0]).toMatchObject({ setting: "exists", actual: "no", fix: "setup" });
    expect(differences[0]!.expected).toContain(`reviewers: teams ${aProtected.reviewerTeams.join(", ")}`);
    expect(differences.slice(1).map((item) => item.setting)).toEqual(aProtected.secrets.required.map((name) => `secret ${name}`));
  });

  it("reports a repository-level Terraform token with the command that deletes it, and one shared by the organization", () => {
    const actual = { repositorySecrets: ["TF_API_TOKEN", "INFRACOST_API_KEY"], organizationSecrets: ["TF_READ_TOKEN"], environments: {}, repositoryId: 9 } as unknown as FetchedSettings;
    const lines = checkRepositorySecrets(actual, settings).map(formatDifference);
    expect(lines).toEqual([
      `✗ repository secret TF_API_TOKEN: set: is yes (every workflow on every branch can read it), must be no: Terraform tokens live in GitHub Environments only [GET ${settings.repo}/actions/secrets] → gh secret delete TF_API_TOKEN --repo ${settings.owner}/${settings.repository}`,
      `✗ organization secret TF_READ_TOKEN: shared with ${settings.owner}/${settings.repository}: is yes (every workflow on every branch can read it), must be no [GET ${settings.repo}/actions/organization-secrets] → gh api -X DELETE orgs/${settings.owner}/actions/secrets/TF_READ_TOKEN/repositories/9`,
    ]);
  });

  it("reports a team that is missing, secret, or without write access", () => {
    const [first, second] = settings.teams;
    const actual = { teams: { [first!]: null, [second!]: { id: 3, slug: second, privacy: "secret" } }, repositoryTeams: [{ slug: second, permission: "pull" }] } as unknown as FetchedSettings;
    expect(checkTeams(actual, settings).map((item) => `${item.subject}: ${item.setting}: ${item.actual}`)).toEqual([
      `team ${first}: exists in organization ${settings.owner}: no (404)`,
      `team ${second}: visibility: secret`,
      `team ${second}: access to ${settings.owner}/${settings.repository}: pull`,
    ]);
  });

  it("reports a ruleset that allows squash, trusts checks from any source, has a bypass, or lost a rule", () => {
    const ruleset = settings.rulesets[0]!;
    const actual = {
      id: 9,
      name: ruleset.name,
      target: "branch",
      enforcement: "active",
      bypass_actors: [{ actor_id: 5, actor_type: "RepositoryRole", bypass_mode: "always" }],
      conditions: { ref_name: { include: ruleset.refs, exclude: [] } },
      rules: [
        { type: "pull_request", parameters: { required_approving_review_count: 1, dismiss_stale_reviews_on_push: true, require_code_owner_review: true, allowed_merge_methods: ["merge", "squash"] } },
        { type: "required_status_checks", parameters: { strict_required_status_checks_policy: true, required_status_checks: ruleset.checks.map((name) => ({ context: name })) } },
        { type: "deletion" },
      ],
    };
    const differences = checkRuleset(actual, ruleset, context);
    expect(differences.map((item) => [item.setting, item.fix])).toEqual([
      ["allowed merge methods", "setup"],
      ...ruleset.checks.map(() => ["required status check", "setup"]),
      ["block force pushes", "setup"],
      ["bypass list", "manual"],
    ]);
    expect(differences[1]!.actual).toBe(`"${ruleset.checks[0]}" from any source`);
    expect(checkRuleset(undefined, ruleset, context)).toEqual([expect.objectContaining({ setting: "exists", actual: "no", path: `POST ${settings.repo}/rulesets` })]);
  });

  it("reports the OIDC subject prefix GitHub uses when it is not the one the bootstrap's roles trust", () => {
    const ok = checkOidcSubject({ oidc: { use_default: true, sub_claim_prefix: settings.trustedOidcPrefix } } as unknown as FetchedSettings, settings);
    expect(ok).toEqual([]);
    const immutable = `repo:${settings.owner}@123/${settings.repository}@456`;
    const [changed] = checkOidcSubject({ oidc: { use_default: true, use_immutable_subject: false, sub_claim_prefix: immutable } } as unknown as FetchedSettings, settings);
    expect(changed).toMatchObject({ severity: "error", setting: "prefix", actual: `${immutable} (immutable: owner and repository ids)` });
    expect(changed!.expected).toContain(`until the bootstrap trusts ${immutable}:environment:<env>`);
    expect(changed!.expected).toContain(`set "oidcSubjectPrefix": "${immutable}" in stacks/bootstrap/github.json`);
    // With github.json naming the immutable prefix, the roles trust it and the check passes.
    const trusting = expected({ oidcSubjectPrefix: immutable });
    expect(checkOidcSubject({ oidc: { use_default: true, sub_claim_prefix: immutable } } as unknown as FetchedSettings, trusting)).toEqual([]);
    const [custom] = checkOidcSubject({ oidc: { use_default: false, include_claim_keys: ["repo", "context"], sub_claim_prefix: settings.trustedOidcPrefix } } as unknown as FetchedSettings, settings);
    expect(custom).toMatchObject({ setting: "template", actual: "custom (repo, context)" });
  });

  it("keeps what an administrator added when it rewrites an environment (a PUT resets what it omits)", () => {
    const current = configured(aProtected, { protection_rules: [{ type: "wait_timer", wait_timer: 15 }, { type: "required_reviewers", prevent_self_review: false, reviewers: [{ type: "User", reviewer: { id: 42, login: "octocat" } }] }] });
    expect(environmentBody(current, aProtected, teams)).toEqual({
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
      wait_timer: 15,
      reviewers: [{ type: "User", id: 42 }, ...aProtected.reviewerTeams.map((slug) => ({ type: "Team", id: teams[slug]!.id }))],
      prevent_self_review: true,
      can_admins_bypass: false,
    });
  });
});

describe("github:check and github:setup against a fake GitHub", () => {
  let fake: FakeGitHubSettings;
  afterEach(() => fake?.close());

  it("check on an empty repository lists everything; setup creates it; once the secrets are set, check passes; setup again changes nothing", async () => {
    const settings = expected();
    fake = await startFake(settings);
    const request = createGitHubRequest({ apiUrl: fake.url, token: "t0ken" });

    const empty = await capture((print) => runCheck(request, settings, print));
    expect(empty.code).toBe(1);
    const errors = errorLines(empty.lines);
    for (const environment of settings.environments) expect(errors).toContain(formatDifference(checkEnvironment(null, environment, { expected: settings, teams: {} })[0]!));
    for (const ruleset of settings.rulesets) expect(errors.some((line) => line.startsWith(`✗ ruleset "${ruleset.name}": exists: is no`))).toBe(true);
    for (const label of LABELS) expect(errors).toContain(`✗ label ${label.name}: exists: is no, must be yes (the workflows apply it) [POST ${settings.repo}/labels] → npm run github:setup`);
    expect(fake.writes()).toEqual([]);

    const setup = await capture((print) => runSetup(request, settings, print));
    const changes = setup.lines.filter((line) => line.startsWith("changed: "));
    expect(changes).toHaveLength(settings.environments.length * 2 + settings.rulesets.length + LABELS.length);
    // What is left needs a person: the secrets' values.
    expect(setup.code).toBe(1);
    expect(errorLines(setup.lines).every((line) => / secret \w+: is not set, must be set .* → gh secret set --env /.test(line))).toBe(true);
    expect(errorLines(setup.lines)).toHaveLength(settings.environments.reduce((count, environment) => count + environment.secrets.required.length, 0));

    for (const environment of protectedEnvironments) {
      const stored = fake.state.environments.get(environment.name)!;
      expect(stored.reviewers.map((reviewer) => reviewer.id).sort()).toEqual([github.teams.platform, github.teams.security].map((slug: string) => fake.state.teams.get(slug)!.id).sort());
      expect({ preventSelfReview: stored.preventSelfReview, canAdminsBypass: stored.canAdminsBypass }).toEqual({ preventSelfReview: true, canAdminsBypass: false });
      expect(fake.state.environments.get(`${environment.name}-plan`)!.branchPolicies.map(({ name, type }) => ({ name, type }))).toEqual([{ name: "refs/pull/*/merge", type: "branch" }]);
    }
    for (const environment of unprotectedEnvironments) expect(fake.state.environments.get(environment.name)!.reviewers).toEqual([]);
    const stored = [...fake.state.rulesets.values()].find((ruleset) => ruleset.name === settings.rulesets[0]!.name);
    expect(stored.rules.find((rule: any) => rule.type === "pull_request").parameters.allowed_merge_methods).toEqual(["merge"]);
    expect(stored.rules.find((rule: any) => rule.type === "required_status_checks").parameters.required_status_checks).toEqual(settings.rulesets[0]!.checks.map((context) => ({ context, integration_id: fake.state.actionsAppId })));

    setRequiredSecrets(fake, settings);
    const passing = await capture((print) => runCheck(request, settings, print));
    expect(errorLines(passing.lines)).toEqual([]);
    expect(passing.code).toBe(0);
    expect(passing.lines.at(-1)).toMatch(/^github:check: every setting matches/);

    const writes = fake.writes().length;
    const again = await capture((print) => runSetup(request, settings, print));
    expect(again.lines).toContain("github:setup: nothing to change.");
    expect(again.code).toBe(0);
    expect(fake.writes()).toHaveLength(writes);
    expect(fake.requests.every((recorded) => recorded.authorization === "Bearer t0ken")).toBe(true);
  });

  it("reports a repository-level TF_API_TOKEN, on any page of the list, and leaves it for the administrator to delete", async () => {
    const settings = expected();
    fake = await startFake(settings);
    for (let index = 0; index < 120; index += 1) fake.state.repositorySecrets.add(`OTHER_SECRET_${index}`);
    fake.state.repositorySecrets.add("TF_API_TOKEN");
    const request = createGitHubRequest({ apiUrl: fake.url, token: "t" });
    const setup = await capture((print) => runSetup(request, settings, print));
    expect(setup.lines).toContain(`✗ repository secret TF_API_TOKEN: set: is yes (every workflow on every branch can read it), must be no: Terraform tokens live in GitHub Environments only [GET ${settings.repo}/actions/secrets] → gh secret delete TF_API_TOKEN --repo ${settings.owner}/${settings.repository}`);
    expect(fake.writes().filter((recorded) => recorded.method === "DELETE")).toEqual([]);
    expect(fake.state.repositorySecrets.has("TF_API_TOKEN")).toBe(true);
  });

  it("reports a protected environment without reviewers, and setup adds them keeping what an administrator set there", async () => {
    const settings = expected();
    fake = await startFake(settings);
    const target = protectedEnvironments[0]!;
    const gitHubEnvironment = settings.environments.find((environment) => environment.name === target.name)!;
    fake.seedEnvironment(target.name, { deploymentBranchPolicy: { protected_branches: false, custom_branch_policies: true }, branchPolicies: [{ id: 1, name: target.branch, type: "branch" }], waitTimer: 10, reviewers: [{ type: "User", id: 42 }] });
    const request = createGitHubRequest({ apiUrl: fake.url, token: "t" });
    const check = await capture((print) => runCheck(request, settings, print));
    expect(check.lines).toContain(
      `✗ environment ${target.name}: required reviewers: is user octocat, must be teams ${gitHubEnvironment.reviewerTeams.join(", ")} (${target.file} has "protectData": true) [PUT ${settings.repo}/environments/${target.name}] → npm run github:setup`,
    );
    await capture((print) => runSetup(request, settings, print));
    const stored = fake.state.environments.get(target.name)!;
    expect(stored.waitTimer).toBe(10);
    expect(stored.reviewers).toEqual([{ type: "User", id: 42 }, ...gitHubEnvironment.reviewerTeams.map((slug) => ({ type: "Team", id: fake.state.teams.get(slug)!.id }))]);
    expect(stored.branchPolicies).toEqual([{ id: 1, name: target.branch, type: "branch" }]);
    const after = checkSettings(await fetchSettings(request, settings), settings).filter((item) => item.subject === `environment ${target.name}`);
    expect(after.map((item) => [item.severity, item.setting, item.actual])).toEqual([
      ["notice", "required reviewers", "also user octocat"],
      ...gitHubEnvironment.secrets.required.map((name) => ["error", `secret ${name}`, "not set"]),
    ]);
  });

  it("never deletes a deployment branch rule, a ruleset rule or a bypass it did not create", async () => {
    const settings = expected();
    fake = await startFake(settings);
    const planEnvironment = `${environments[0]!.name}-plan`;
    fake.seedEnvironment(planEnvironment, { deploymentBranchPolicy: { protected_branches: false, custom_branch_policies: true }, branchPolicies: [{ id: 3, name: github.defaultBranch, type: "branch" }] });
    const ruleset = settings.rulesets[0]!;
    fake.seedRuleset({
      name: ruleset.name,
      bypass_actors: [{ actor_id: 5, actor_type: "RepositoryRole", bypass_mode: "always" }],
      conditions: { ref_name: { include: ["refs/heads/release/*"], exclude: ruleset.refs } },
      rules: [{ type: "required_signatures" }, { type: "pull_request", parameters: { required_approving_review_count: 2, dismiss_stale_reviews_on_push: false, require_code_owner_review: false, require_last_push_approval: true, required_review_thread_resolution: false, allowed_merge_methods: ["squash"] } }],
    });
    const request = createGitHubRequest({ apiUrl: fake.url, token: "t" });
    const setup = await capture((print) => runSetup(request, settings, print));
    expect(fake.state.environments.get(planEnvironment)!.branchPolicies.map((policy) => policy.name)).toEqual([github.defaultBranch, PULL_REQUEST_REF_PATTERN]);
    expect(setup.lines.some((line) => line.startsWith(`✗ environment ${planEnvironment}: deployment branch rule: is also branch ${github.defaultBranch}`) && line.endsWith("/deployment-branch-policies/3"))).toBe(true);
    const stored = [...fake.state.rulesets.values()].find((candidate) => candidate.name === ruleset.name);
    expect(stored.bypass_actors).toEqual([{ actor_id: 5, actor_type: "RepositoryRole", bypass_mode: "always" }]);
    expect(stored.conditions.ref_name).toEqual({ include: ["refs/heads/release/*", ...ruleset.refs], exclude: [] });
    expect(stored.rules.map((rule: any) => rule.type)).toEqual(["required_signatures", "pull_request", "required_status_checks", "non_fast_forward", "deletion"]);
    expect(stored.rules[1].parameters).toMatchObject({ required_approving_review_count: 2, dismiss_stale_reviews_on_push: true, require_code_owner_review: true, require_last_push_approval: true, allowed_merge_methods: ["merge"] });
    expect(setup.lines.some((line) => line.startsWith(`✗ ruleset "${ruleset.name}": bypass list: is RepositoryRole 5 (always)`))).toBe(true);
  });

  it("changes the default branch only when asked to", async () => {
    const settings = expected();
    fake = await startFake(settings);
    fake.state.defaultBranch = settings.branches.find((branch) => branch !== settings.defaultBranch)!;
    const before = fake.state.defaultBranch;
    const request = createGitHubRequest({ apiUrl: fake.url, token: "t" });
    const check = await capture((print) => runCheck(request, settings, print));
    expect(check.lines).toContain(`✗ repository: default branch: is "${before}", must be "${settings.defaultBranch}" (stacks/bootstrap/github.json defaultBranch: scheduled drift checks run there) [PATCH ${settings.repo}] → npm run github:setup -- --set-default-branch`);
    await capture((print) => runSetup(request, settings, print));
    expect(fake.state.defaultBranch).toBe(before);
    const setup = await capture((print) => runSetup(request, settings, print, { setDefaultBranch: true }));
    expect(setup.lines).toContain(`changed: default branch: ${before} → ${settings.defaultBranch} (PATCH ${settings.repo})`);
    expect(fake.state.defaultBranch).toBe(settings.defaultBranch);
  });

  it("stops with a clear error, changing nothing, when a team the protected environments need is missing", async () => {
    const settings = expected();
    const [missing, ...present] = settings.teams;
    fake = await startFake(settings, present);
    const request = createGitHubRequest({ apiUrl: fake.url, token: "t" });
    const check = await capture((print) => runCheck(request, settings, print));
    expect(check.lines).toContain(
      `✗ team ${missing}: exists in organization ${settings.owner}: is no (404), must be yes: stacks/bootstrap/github.json teams names it (CODEOWNERS, protected environments' reviewers) [GET /orgs/${settings.owner}/teams/${missing}] → create the team in ${settings.owner}, or correct teams in stacks/bootstrap/github.json and run npm run codeowners`,
    );
    await expect(runSetup(request, settings, () => undefined)).rejects.toThrow(`Team ${missing} does not exist in organization ${settings.owner} (GET /orgs/${settings.owner}/teams/<slug> answered 404): protected environments need it as a reviewer.`);
    expect(fake.writes()).toEqual([]);
  });

  it("reports what GitHub refused, naming the permission the token lacks, and goes on with the rest", async () => {
    const settings = expected();
    fake = await startFake(settings);
    const real = createGitHubRequest({ apiUrl: fake.url, token: "t" });
    const refusing: typeof real = (method, path, body) => (method === "POST" && path.endsWith("/rulesets") ? Promise.resolve({ status: 403, data: { message: "Resource not accessible by personal access token" } }) : real(method, path, body));
    const { changes, failures } = await applySetup(refusing, settings, await fetchSettings(real, settings));
    expect(failures).toHaveLength(settings.rulesets.length);
    expect(failures[0]).toContain(`POST ${settings.repo}/rulesets answered 403 (Resource not accessible by personal access token). A fine-grained token needs "Administration: read and write" on this repository`);
    expect(changes.filter((change) => change.startsWith("label "))).toHaveLength(LABELS.length);
  });

  it("says when GitHub cannot be reached or the repository is not visible", async () => {
    const settings = expected();
    await expect(fetchSettings(createGitHubRequest({ apiUrl: "http://127.0.0.1:1", token: "t" }), settings)).rejects.toThrow(`GET ${settings.repo}: GitHub's API at http://127.0.0.1:1 could not be reached`);
    fake = await startFake(expected({ repository: "elsewhere" }));
    await expect(fetchSettings(createGitHubRequest({ apiUrl: fake.url, token: "t" }), settings)).rejects.toThrow(
      `GET ${settings.repo} answered 404: the repository ${settings.owner}/${settings.repository} (stacks/bootstrap/github.json owner, repository) does not exist or the token cannot see it.`,
    );
  });

  it("as npm scripts: the command reads the repository's files, GITHUB_TOKEN and GITHUB_API_URL", async () => {
    const settings = expected();
    fake = await startFake(settings);
    const packageJson = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
    expect(packageJson.scripts["github:check"]).toBe("node scripts/node.mjs scripts/github-setup.mjs check");
    expect(packageJson.scripts["github:setup"]).toBe("node scripts/node.mjs scripts/github-setup.mjs setup");
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [join(repoRoot, "scripts", "github-setup.mjs"), ...args], { env: { ...process.env, GITHUB_TOKEN: "from-env", GITHUB_API_URL: fake.url } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const check = await run("check");
    expect(check.code).toBe(1);
    expect(check.stdout.split("\n")[0]).toBe(`GitHub settings of ${settings.owner}/${settings.repository} against stacks/bootstrap/github.json, environments/*.json and ${PULL_REQUEST_WORKFLOW}:`);
    expect(fake.requests[0]!.authorization).toBe("Bearer from-env");
    const setup = await run("setup");
    expect(setup.stdout).toMatch(/^changed: /m);
    setRequiredSecrets(fake, settings);
    expect((await run("check")).code).toBe(0);
    expect(await run("check", "--set-default-branch")).toMatchObject({ code: 2, stderr: "usage: node scripts/github-setup.mjs check | setup [--set-default-branch]\n" });
  });
});

describe("the token", () => {
  it("comes from GITHUB_TOKEN, else from `gh auth token`, else a clear error naming the permissions", () => {
    const noGh = () => ({ status: 1, stdout: "" });
    expect(resolveToken({ GITHUB_TOKEN: "env-token" }, () => ({ status: 0, stdout: "gh-token\n" }))).toBe("env-token");
    const calls: string[][] = [];
    expect(
      resolveToken({}, (args) => {
        calls.push(args);
        return { status: 0, stdout: "gh-token\n" };
      }),
    ).toBe("gh-token");
    expect(resolveToken({ GITHUB_API_URL: "https://github.example.com/api/v3" }, (args) => (calls.push(args), { status: 0, stdout: "ghes-token" }))).toBe("ghes-token");
    expect(calls).toEqual([
      ["auth", "token"],
      ["auth", "token", "--hostname", "github.example.com"],
    ]);
    expect(() => resolveToken({}, noGh)).toThrow(/No GitHub token: set GITHUB_TOKEN \(a fine-grained token for this repository with Administration: read and write, Actions: read, Environments: read, Secrets: read, Issues: read and write, and the organization permission Members: read\) or log in with `gh auth login`/);
  });
});

describe("the differences, printed", () => {
  it("puts the setting, what it is, what it must be and the REST path on one line", () => {
    const item: Difference = { severity: "error", subject: "environment x", setting: "deployment branches", actual: "all branches", expected: "selected branches: branch x", path: "PUT /repos/o/r/environments/x", fix: "setup" };
    expect(formatDifference(item)).toBe("✗ environment x: deployment branches: is all branches, must be selected branches: branch x [PUT /repos/o/r/environments/x] → npm run github:setup");
    expect(formatDifference({ ...item, severity: "notice", fix: "manual", command: "do it" })).toBe("○ environment x: deployment branches: is all branches, must be selected branches: branch x [PUT /repos/o/r/environments/x] → do it");
  });
});
