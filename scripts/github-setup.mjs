#!/usr/bin/env node
// The GitHub side of Day 1, from the repository's own data:
//
//   npm run github:check                            read-only: every setting that differs, one line each; exit 1 if any
//   npm run github:setup [-- --set-default-branch]  creates or tightens what differs, prints each change, then checks again
//
// What the settings must be is derived from stacks/bootstrap/github.json (owner, repository, defaultBranch,
// teams), environments/*.json (read through scripts/environments.mjs: name, branch, protectData) and the job
// names of .github/workflows/pull-request.yml (the required status checks). Nothing here names an environment.
//
// setup never deletes anything and never grants anyone access: a reviewer, a deployment branch pattern, a
// ruleset bypass actor or a secret it did not create is left alone and reported with the command that removes
// it; team access and secret values are printed as commands for an administrator (`gh secret set --env ...`).
//
// Token: GITHUB_TOKEN, else the output of `gh auth token`. API: GITHUB_API_URL (default https://api.github.com).
// No dependencies: everything that talks to GitHub takes a `request(method, path, body)` function, so tests
// pass a client bound to a loopback server; only main() reads files, spawns gh or prints.
//
// REST endpoints used (docs.github.com/rest, OpenAPI description github/rest-api-description as shipped in
// @octokit/openapi-types 29.0.1; fine-grained permissions from github/docs
// src/github-apps/data/fpt-2026-03-10/fine-grained-pat-permissions.json):
//   GET/PATCH /repos/{owner}/{repo}                                   default_branch            (Administration: write to change)
//   GET  /repos/{owner}/{repo}/branches/{branch}                       the branch exists         (Metadata)
//   GET  /orgs/{org}/teams/{team_slug}                                 team id, privacy          (organization Members: read)
//   GET  /repos/{owner}/{repo}/teams                                   each team's permission    (Administration: read)
//   GET/PUT /repos/{owner}/{repo}/environments/{environment_name}      wait_timer, prevent_self_review, reviewers [{type, id}],
//        deployment_branch_policy {protected_branches, custom_branch_policies}, can_admins_bypass
//        (rest/deployments/environments; GET: Actions: read, PUT: Administration: write)
//   GET/POST /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies   {name, type: branch|tag}
//        (rest/deployments/branch-policies; POST answers 303 when the pattern exists, 404 while custom_branch_policies is false)
//   GET  /repos/{owner}/{repo}/environments/{environment_name}/secrets (Environments: read)
//   GET  /repos/{owner}/{repo}/actions/secrets, /actions/organization-secrets (Secrets: read)
//   GET/POST/PUT /repos/{owner}/{repo}/rulesets[/{ruleset_id}]         (rest/repos/rules; writes: Administration: write)
//   GET  /apps/github-actions                                          the id of the app whose check runs are required
//   GET/POST /repos/{owner}/{repo}/labels[/{name}]                     (Issues: read / write)
//   GET  /repos/{owner}/{repo}/actions/oidc/customization/sub          use_default, include_claim_keys, use_immutable_subject,
//        sub_claim_prefix (schema "oidc-custom-sub-repo")
// Field names checked against that OpenAPI description: the pull_request rule's `allowed_merge_methods`
// ("merge" | "squash" | "rebase", schema "repository-rule-pull-request"), deployment branch policies'
// `type` ("branch" | "tag"). `can_admins_bypass` is returned by GET but missing from the description's PUT
// body; go-github's CreateUpdateEnvironment sends it (github/repos_environments.go, default true), so
// setup sends it and the check reads it back: if GitHub ignored it, github:check would keep reporting it.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readEnvironments } from "./environments.mjs";
import { GitHubUnreachableError, createGitHubRest } from "./github-rest.mjs";
import { runWhenExecuted } from "./run-when-executed.mjs";

const repoRoot = join(fileURLToPath(new URL(".", import.meta.url)), "..");

/** The workflow whose jobs report the checks a pull request needs (test/scripts/github-setup.test.ts checks it is the only one). */
export const PULL_REQUEST_WORKFLOW = ".github/workflows/pull-request.yml";

/** Every Terraform Cloud token name: each GitHub Environment holds only the one its row of the operating model lists. */
export const TERRAFORM_TOKENS = ["TF_API_TOKEN", "TF_READ_TOKEN", "TF_WRITE_TOKEN"];

/**
 * GitHub matches deployment branch rules against GITHUB_REF, which is refs/pull/<n>/merge for
 * pull_request runs; docs: "Adding another branch rule for `refs/pull/*\/merge` would also allow
 * workflows triggered by `pull_request` events to deploy to the environment" (github/docs
 * content/actions/reference/workflows-and-actions/deployments-and-environments.md). `*` does not
 * match `/` (Ruby File.fnmatch), so this admits exactly one path segment: the pull request number.
 */
export const PULL_REQUEST_REF_PATTERN = "refs/pull/*/merge";

/** Labels the workflows and actions put on issues and pull requests (drift.yml; .github/actions/plan/src/run.ts). */
export const LABELS = [
  { name: "drift", color: "D93F0B", description: "Deployed resources differ from the environment branch" },
  { name: "plan:no-changes", color: "0E8A16", description: "The plan of this pull request changes nothing" },
  { name: "plan:destroy", color: "B60205", description: "The plan of this pull request destroys or replaces resources" },
];

/** Team permissions that let a team own code (CODEOWNERS needs write) and review deployments (read). */
const WRITE_PERMISSIONS = new Set(["push", "maintain", "admin"]);

// ---------------------------------------------------------------------------------------------
// Workflows: the check names a pull request produces
// ---------------------------------------------------------------------------------------------

const unquote = (value) => {
  const text = value.trim();
  if (/^'.*'$/.test(text)) return text.slice(1, -1).replace(/''/g, "'");
  if (/^".*"$/.test(text)) return JSON.parse(text);
  return text.replace(/\s+#.*$/, "");
};

/**
 * The jobs of a workflow file with the keys that decide their check names: id, name, if, uses,
 * environment, and whether they have a strategy (a matrix would multiply the names). Reads the
 * block layout the repository's workflows use; the test compares it with a full YAML parser.
 */
export function parseWorkflowJobs(text, file) {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => /^jobs:\s*(#.*)?$/.test(line));
  if (start === -1) throw new Error(`${file}: no top-level "jobs:" mapping found`);
  const jobs = [];
  let jobIndent;
  let job;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    if (/^\s*(#.*)?$/.test(line)) continue;
    const indent = /^ */.exec(line)[0].length;
    jobIndent ??= indent;
    if (indent === jobIndent) {
      const match = /^\s*([A-Za-z_][\w-]*):\s*(#.*)?$/.exec(line);
      if (!match) throw new Error(`${file}: expected a job id at "${line.trim()}"`);
      job = { id: match[1], keys: {}, keyIndent: undefined };
      jobs.push(job);
      continue;
    }
    job.keyIndent ??= indent;
    if (indent !== job.keyIndent) continue;
    const match = /^\s*([\w-]+):(?:\s+(.*))?$/.exec(line);
    if (match) job.keys[match[1]] = match[2] === undefined ? "" : unquote(match[2]);
  }
  return jobs.map(({ id, keys }) => ({
    id,
    name: keys.name || undefined,
    if: keys.if || undefined,
    uses: keys.uses || undefined,
    environment: keys.environment || undefined,
    strategy: "strategy" in keys,
  }));
}

const TARGET_OUTPUT = /\$\{\{\s*needs\.target\.outputs\.environment\s*\}\}/g;

/**
 * Whether a job of the pull-request workflow runs for a same-repository pull request into a
 * branch whose environment is `environment` ("" for a branch no environment deploys). Knows the
 * conditions the workflow uses (`needs.target.outputs.<x> ==|!= '<value>'` joined by &&) and
 * refuses anything else, so a new condition cannot silently drop or add a required check.
 */
export function jobRunsFor(job, environment, file) {
  if (job.if === undefined) return true;
  const expression = job.if.replace(/^\$\{\{\s*/, "").replace(/\s*\}\}$/, "");
  const outputs = { environment, fork: "false" };
  return expression.split("&&").every((term) => {
    const match = /^\s*needs\.target\.outputs\.([\w-]+)\s*(==|!=)\s*'([^']*)'\s*$/.exec(term);
    if (!match || !(match[1] in outputs)) {
      throw new Error(`${file}: job ${job.id}: cannot tell whether "if: ${job.if}" runs on a pull request; scripts/github-setup.mjs knows only needs.target.outputs.environment and .fork compared with a quoted string`);
    }
    const [, output, operator, value] = match;
    return operator === "==" ? outputs[output] === value : outputs[output] !== value;
  });
}

/** The name a job's check run carries, with the target environment filled in. */
function checkName(name, environment, file, jobId) {
  const resolved = name.replace(TARGET_OUTPUT, environment);
  if (resolved.includes("${{")) throw new Error(`${file}: job ${jobId}: its name "${name}" uses an expression other than needs.target.outputs.environment; cannot derive its check name`);
  return resolved;
}

/**
 * The check names a pull request into a branch must pass: every job of the pull-request workflow
 * that runs for it (fork-only notices aside), a called reusable workflow's jobs as
 * "<caller> / <job>", as GitHub names them. `readWorkflow(path)` returns a workflow file's text.
 */
export function requiredChecks(readWorkflow, environment = "") {
  const file = PULL_REQUEST_WORKFLOW;
  const checks = [];
  for (const job of parseWorkflowJobs(readWorkflow(file), file)) {
    if (job.strategy) throw new Error(`${file}: job ${job.id} has a strategy; a matrix job's check names cannot be derived`);
    if (!jobRunsFor(job, environment, file)) continue;
    const name = checkName(job.name ?? job.id, environment, file, job.id);
    if (job.uses?.startsWith("./.github/workflows/")) {
      const called = job.uses.slice(2);
      for (const calledJob of parseWorkflowJobs(readWorkflow(called), called)) {
        checks.push(`${name} / ${checkName(calledJob.name ?? calledJob.id, environment, called, calledJob.id)}`);
      }
    } else if (job.uses) {
      throw new Error(`${file}: job ${job.id} calls ${job.uses}; only reusable workflows of this repository are understood`);
    } else {
      checks.push(name);
    }
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------
// What the settings must be
// ---------------------------------------------------------------------------------------------

const gitRef = (branch) => `refs/heads/${branch}`;

/**
 * The settings the repository's data asks for. `github` is stacks/bootstrap/github.json,
 * `environments` what readEnvironments returns, `readWorkflow` reads a workflow file.
 */
export function expectedSettings({ github, environments, readWorkflow }) {
  for (const field of ["owner", "repository", "defaultBranch"]) {
    if (typeof github?.[field] !== "string" || github[field] === "") {
      throw new Error(`stacks/bootstrap/github.json: ${field}: found ${JSON.stringify(github?.[field])}, expected a non-empty string`);
    }
  }
  if (typeof github.teams?.platform !== "string" || typeof github.teams?.security !== "string") {
    throw new Error(`stacks/bootstrap/github.json: teams: found ${JSON.stringify(github.teams)}, expected { "platform": "<team slug>", "security": "<team slug>" }`);
  }
  const { owner, repository, defaultBranch } = github;
  const teams = [github.teams.security, github.teams.platform];
  const gitHubEnvironments = [];
  const add = (environment) => {
    const clash = gitHubEnvironments.find((other) => other.name === environment.name);
    if (clash) throw new Error(`${environment.source}: the GitHub Environment "${environment.name}" it needs is also the one of ${clash.source}; rename the environment file`);
    gitHubEnvironments.push(environment);
  };
  for (const environment of environments) {
    const protect = environment.protectData;
    add({
      name: environment.name,
      source: environment.file,
      purpose: `deploys and destroys ${environment.name}`,
      branchPolicies: [{ name: environment.branch, type: "branch" }],
      reviewerTeams: protect ? teams : [],
      protect,
      secrets: { required: ["TF_WRITE_TOKEN"], optional: [] },
    });
    add({
      name: `${environment.name}-plan`,
      source: environment.file,
      purpose: `plans ${environment.name} for pull requests`,
      branchPolicies: [{ name: PULL_REQUEST_REF_PATTERN, type: "branch" }],
      reviewerTeams: protect ? teams : [],
      protect,
      secrets: { required: ["TF_READ_TOKEN"], optional: [] },
    });
  }
  add({
    name: "drift",
    source: "stacks/bootstrap/github.json defaultBranch",
    purpose: "checks every environment for drift",
    branchPolicies: [{ name: defaultBranch, type: "branch" }],
    reviewerTeams: [],
    protect: false,
    secrets: { required: ["TF_READ_TOKEN"], optional: [] },
  });
  add({
    name: "promotion",
    source: "stacks/bootstrap/github.json defaultBranch",
    purpose: "opens promotion pull requests (promote.yml)",
    branchPolicies: [{ name: defaultBranch, type: "branch" }],
    reviewerTeams: [],
    protect: false,
    secrets: { required: [], optional: ["PROMOTION_APP_CLIENT_ID", "PROMOTION_APP_PRIVATE_KEY"] },
  });

  const pullRequestRule = (allowedMergeMethods) => ({ approvals: 1, dismissStale: true, codeOwners: true, allowedMergeMethods });
  // Promotions merge dev into staging into prod: only merge commits keep the ancestry they rely on
  // (squash or rebase would rewrite the commits, so the next promotion would conflict or re-apply them).
  const rulesets = environments.map((environment) => ({
    name: `environment ${environment.name}`,
    source: environment.file,
    refs: [gitRef(environment.branch)],
    pullRequest: pullRequestRule(["merge"]),
    checks: requiredChecks(readWorkflow, environment.name),
  }));
  if (!environments.some((environment) => environment.branch === defaultBranch)) {
    rulesets.push({
      name: "default branch",
      source: "stacks/bootstrap/github.json defaultBranch",
      refs: [gitRef(defaultBranch)],
      pullRequest: pullRequestRule(undefined),
      checks: requiredChecks(readWorkflow, ""),
    });
  }
  return {
    owner,
    repository,
    repo: `/repos/${owner}/${repository}`,
    defaultBranch,
    branches: [...new Set([defaultBranch, ...environments.map((environment) => environment.branch)])],
    teams,
    environments: gitHubEnvironments,
    rulesets,
    labels: LABELS,
    // What the bootstrap's roles trust: github.json's oidcSubjectPrefix, else the name-based `repo:<owner>/<repo>`.
    trustedOidcPrefix: github.oidcSubjectPrefix ?? `repo:${owner}/${repository}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Talking to GitHub
// ---------------------------------------------------------------------------------------------

/** Which fine-grained permission an endpoint needs, for error messages (see the header). */
const PERMISSION_HINTS = [
  [/^PATCH \/repos\/[^/]+\/[^/]+$/, "Administration: read and write"],
  [/^GET \/repos\/[^/]+\/[^/]+\/environments\/[^/]+\/secrets/, "Environments: read"],
  [/^GET \/repos\/[^/]+\/[^/]+\/environments/, "Actions: read"],
  [/^(PUT|POST) \/repos\/[^/]+\/[^/]+\/(environments|rulesets)/, "Administration: read and write"],
  [/^GET \/repos\/[^/]+\/[^/]+\/actions\/(organization-)?secrets/, "Secrets: read"],
  [/^GET \/repos\/[^/]+\/[^/]+\/actions\/oidc/, "Actions: read"],
  [/^POST \/repos\/[^/]+\/[^/]+\/labels/, "Issues: read and write"],
  [/^GET \/repos\/[^/]+\/[^/]+\/teams/, "Administration: read"],
  [/^GET \/orgs\/[^/]+\/teams/, "Members: read (an organization permission)"],
];

/** An answer GitHub gave that the command cannot go on with. */
export class GitHubApiError extends Error {}

const describeFailure = (method, path, response) => {
  const message = typeof response.data === "object" && response.data?.message ? response.data.message : String(response.data ?? "").slice(0, 200);
  const hint = PERMISSION_HINTS.find(([pattern]) => pattern.test(`${method} ${path.split("?")[0]}`))?.[1];
  const plan =
    response.status === 422 && /^PUT \/repos\/[^/]+\/[^/]+\/environments\//.test(`${method} ${path}`)
      ? " Required reviewers and the administrator bypass setting need a public repository, or GitHub Enterprise for a private one (docs: Deployments and environments)."
      : "";
  const advice =
    plan ||
    (response.status === 401
      ? " The token was refused: it is invalid or expired (GITHUB_TOKEN, or `gh auth login`)."
      : response.status === 403 || response.status === 404
        ? hint
          ? ` A fine-grained token needs "${hint}" on this repository; with gh, log in as a repository administrator.`
          : " The token cannot see this: check it belongs to a repository administrator."
        : "");
  return `${method} ${path} answered ${response.status}${message ? ` (${message})` : ""}.${advice}`;
};

async function call(request, method, path, body, accept = [200, 201, 204]) {
  const response = await request(method, path, body);
  if (!accept.includes(response.status)) throw new GitHubApiError(describeFailure(method, path, response));
  return response;
}

/** GET that answers undefined on 404. */
async function find(request, path) {
  const response = await call(request, "GET", path, undefined, [200, 404]);
  return response.status === 404 ? undefined : response.data;
}

/** Every item of a paginated list (`key` names the array inside the answer, if it is not the answer itself). */
async function listAll(request, path, key, { missingIsEmpty = false } = {}) {
  const items = [];
  for (let page = 1; ; page += 1) {
    const separator = path.includes("?") ? "&" : "?";
    const response = await call(request, "GET", `${path}${separator}per_page=100&page=${page}`, undefined, missingIsEmpty ? [200, 404] : [200]);
    if (response.status === 404) return items;
    const batch = key ? response.data?.[key] : response.data;
    if (!Array.isArray(batch)) throw new GitHubApiError(`GET ${path}: expected a list${key ? ` in "${key}"` : ""}, got ${JSON.stringify(response.data).slice(0, 200)}`);
    items.push(...batch);
    if (batch.length < 100) return items;
  }
}

/** A `request(method, path, body)` bound to GitHub's REST API (or any base URL): resolves to { status, data }. */
export function createGitHubRequest({ apiUrl = "https://api.github.com", token, fetchImpl = globalThis.fetch, sleep }) {
  const send = createGitHubRest({ apiUrl, token, userAgent: "trading-platform-infra github-setup", fetchImpl, sleep });
  return async (method, path, body) => {
    try {
      const { status, data } = await send(method, path, { body });
      return { status, data };
    } catch (error) {
      if (error instanceof GitHubUnreachableError) throw new GitHubApiError(error.message);
      throw error;
    }
  };
}

const environmentPath = (expected, name) => `${expected.repo}/environments/${encodeURIComponent(name)}`;

/** Reads every setting the checks compare (GETs only). */
export async function fetchSettings(request, expected) {
  const repository = await find(request, expected.repo);
  if (!repository) {
    throw new GitHubApiError(`GET ${expected.repo} answered 404: the repository ${expected.owner}/${expected.repository} (stacks/bootstrap/github.json owner, repository) does not exist or the token cannot see it.`);
  }
  const branches = {};
  for (const branch of expected.branches) branches[branch] = (await find(request, `${expected.repo}/branches/${branch.split("/").map(encodeURIComponent).join("/")}`)) !== undefined;
  const teams = {};
  for (const slug of expected.teams) teams[slug] = (await find(request, `/orgs/${expected.owner}/teams/${slug}`)) ?? null;
  const repositoryTeams = await listAll(request, `${expected.repo}/teams`, undefined, { missingIsEmpty: true });
  const environments = {};
  for (const environment of expected.environments) {
    const path = environmentPath(expected, environment.name);
    const settings = await find(request, path);
    environments[environment.name] = settings
      ? {
          settings,
          branchPolicies: await listAll(request, `${path}/deployment-branch-policies`, "branch_policies", { missingIsEmpty: true }),
          secrets: (await listAll(request, `${path}/secrets`, "secrets", { missingIsEmpty: true })).map((secret) => secret.name),
        }
      : null;
  }
  const rulesets = [];
  for (const summary of await listAll(request, `${expected.repo}/rulesets?includes_parents=false`)) {
    if (summary.source_type !== undefined && summary.source_type !== "Repository") continue;
    if (!expected.rulesets.some((ruleset) => ruleset.name === summary.name)) continue;
    rulesets.push(await find(request, `${expected.repo}/rulesets/${summary.id}`));
  }
  const labels = {};
  for (const label of expected.labels) labels[label.name] = (await find(request, `${expected.repo}/labels/${encodeURIComponent(label.name)}`)) !== undefined;
  const actionsApp = await find(request, "/apps/github-actions");
  return {
    defaultBranch: repository.default_branch,
    repositoryId: repository.id,
    branches,
    teams,
    repositoryTeams,
    environments,
    rulesets: rulesets.filter(Boolean),
    repositorySecrets: (await listAll(request, `${expected.repo}/actions/secrets`, "secrets")).map((secret) => secret.name),
    organizationSecrets: (await listAll(request, `${expected.repo}/actions/organization-secrets`, "secrets", { missingIsEmpty: true })).map((secret) => secret.name),
    labels,
    actionsAppId: actionsApp?.id,
    oidc: await find(request, `${expected.repo}/actions/oidc/customization/sub`),
  };
}

// ---------------------------------------------------------------------------------------------
// Checks: (fetched settings, expected settings) -> differences
// ---------------------------------------------------------------------------------------------
// A difference: { severity: "error" | "notice", subject, setting, actual, expected, path,
//                 fix: "setup" (github:setup changes it) | "manual" (command says how), command? }

const difference = (fields) => ({ severity: "error", fix: "manual", ...fields });
const list = (items) => (items.length === 0 ? "none" : items.join(", "));
const quoted = (items) => list(items.map((item) => `"${item}"`));

export function checkDefaultBranch(actual, expected) {
  if (actual.defaultBranch === expected.defaultBranch) return [];
  return [
    difference({
      subject: "repository",
      setting: "default branch",
      actual: `"${actual.defaultBranch}"`,
      expected: `"${expected.defaultBranch}" (stacks/bootstrap/github.json defaultBranch: scheduled drift checks run there)`,
      path: `PATCH ${expected.repo}`,
      fix: "setup",
      command: "npm run github:setup -- --set-default-branch",
    }),
  ];
}

export function checkBranches(actual, expected) {
  return expected.branches
    .filter((branch) => !actual.branches[branch])
    .map((branch) =>
      difference({
        subject: `branch ${branch}`,
        setting: "exists",
        actual: "no",
        expected: "yes (an environment file or github.json names it)",
        path: `GET ${expected.repo}/branches/${branch}`,
        command: `git push origin origin/${actual.defaultBranch}:refs/heads/${branch}`,
      }),
    );
}

export function checkTeams(actual, expected) {
  const differences = [];
  for (const slug of expected.teams) {
    const team = actual.teams[slug];
    if (!team) {
      differences.push(
        difference({
          subject: `team ${slug}`,
          setting: `exists in organization ${expected.owner}`,
          actual: "no (404)",
          expected: "yes: stacks/bootstrap/github.json teams names it (CODEOWNERS, protected environments' reviewers)",
          path: `GET /orgs/${expected.owner}/teams/${slug}`,
          command: `create the team in ${expected.owner}, or correct teams in stacks/bootstrap/github.json and run npm run codeowners`,
        }),
      );
      continue;
    }
    if (team.privacy === "secret") {
      differences.push(difference({ subject: `team ${slug}`, setting: "visibility", actual: "secret", expected: "visible (a code owner team must be visible)", path: `PATCH /orgs/${expected.owner}/teams/${slug}`, command: `gh api -X PATCH orgs/${expected.owner}/teams/${slug} -f privacy=closed` }));
    }
    const permission = actual.repositoryTeams.find((candidate) => candidate.slug === slug)?.permission;
    if (!WRITE_PERMISSIONS.has(permission)) {
      differences.push(
        difference({
          subject: `team ${slug}`,
          setting: `access to ${expected.owner}/${expected.repository}`,
          actual: permission ?? "none",
          expected: "write (code owners need write; environment reviewers need access)",
          path: `GET ${expected.repo}/teams`,
          command: `gh api -X PUT orgs/${expected.owner}/teams/${slug}/repos/${expected.owner}/${expected.repository} -f permission=push`,
        }),
      );
    }
  }
  return differences;
}

/** The required_reviewers rule of an environment as GitHub returns it (or undefined). */
const reviewersRule = (settings) => settings?.protection_rules?.find((rule) => rule.type === "required_reviewers");

const branchPolicySetting = (policy) => (policy == null ? "all branches (no restriction)" : policy.protected_branches ? "protected branches only" : policy.custom_branch_policies ? "selected branches and tags" : "unknown");

/** Differences of one GitHub Environment; `actualEnvironment` is fetchSettings' entry (null: missing). */
export function checkEnvironment(actualEnvironment, environment, context) {
  const { expected, teams } = context;
  const path = environmentPath(expected, environment.name);
  const subject = `environment ${environment.name}`;
  const differences = [];
  const patterns = environment.branchPolicies.map((policy) => `${policy.type} ${policy.name}`);
  if (!actualEnvironment) {
    differences.push(
      difference({
        subject,
        setting: "exists",
        actual: "no",
        expected: `yes (${environment.purpose}; deployment branches: ${list(patterns)}${environment.protect ? `; reviewers: teams ${list(environment.reviewerTeams)}` : ""})`,
        path: `PUT ${path}`,
        fix: "setup",
      }),
    );
  } else {
    const { settings, branchPolicies } = actualEnvironment;
    const policy = settings.deployment_branch_policy;
    if (!(policy && policy.custom_branch_policies === true && policy.protected_branches === false)) {
      differences.push(difference({ subject, setting: "deployment branches", actual: branchPolicySetting(policy), expected: `selected branches: ${list(patterns)}`, path: `PUT ${path}`, fix: "setup" }));
    }
    const actualPatterns = branchPolicies.map((candidate) => `${candidate.type ?? "branch"} ${candidate.name}`);
    for (const pattern of patterns.filter((candidate) => !actualPatterns.includes(candidate))) {
      differences.push(difference({ subject, setting: "deployment branch rule", actual: `missing ${pattern}`, expected: `${list(patterns)} only`, path: `POST ${path}/deployment-branch-policies`, fix: "setup" }));
    }
    for (const extra of branchPolicies.filter((candidate) => !patterns.includes(`${candidate.type ?? "branch"} ${candidate.name}`))) {
      differences.push(
        difference({
          subject,
          setting: "deployment branch rule",
          actual: `also ${extra.type ?? "branch"} ${extra.name} (more refs reach its secrets)`,
          expected: `${list(patterns)} only`,
          path: `GET ${path}/deployment-branch-policies`,
          command: `gh api -X DELETE repos/${expected.owner}/${expected.repository}/environments/${encodeURIComponent(environment.name)}/deployment-branch-policies/${extra.id}`,
        }),
      );
    }
    const rule = reviewersRule(settings);
    const reviewerTeams = (rule?.reviewers ?? []).filter((reviewer) => reviewer.type === "Team").map((reviewer) => reviewer.reviewer?.id);
    const others = (rule?.reviewers ?? []).filter((reviewer) => !(reviewer.type === "Team" && environment.reviewerTeams.some((slug) => teams[slug]?.id === reviewer.reviewer?.id)));
    const describeReviewer = (reviewer) => `${reviewer.type === "Team" ? "team" : "user"} ${reviewer.reviewer?.slug ?? reviewer.reviewer?.login ?? reviewer.reviewer?.id}`;
    if (environment.protect) {
      const missing = environment.reviewerTeams.filter((slug) => !teams[slug] || !reviewerTeams.includes(teams[slug].id));
      if (missing.length > 0) {
        differences.push(difference({ subject, setting: "required reviewers", actual: rule ? list((rule.reviewers ?? []).map(describeReviewer)) : "none", expected: `teams ${list(environment.reviewerTeams)} (${environment.source} has "protectData": true)`, path: `PUT ${path}`, fix: "setup" }));
      }
      if (rule?.prevent_self_review !== true) {
        differences.push(difference({ subject, setting: "prevent self-review", actual: "off", expected: "on (whoever started the run cannot approve it)", path: `PUT ${path}`, fix: "setup" }));
      }
      if (settings.can_admins_bypass !== false) {
        differences.push(difference({ subject, setting: "allow administrators to bypass", actual: settings.can_admins_bypass === undefined ? "unknown (not returned)" : "on", expected: "off", path: `PUT ${path}`, fix: "setup" }));
      }
      if (others.length > 0) {
        differences.push(difference({ severity: "notice", subject, setting: "required reviewers", actual: `also ${list(others.map(describeReviewer))}`, expected: `teams ${list(environment.reviewerTeams)} (any one reviewer can approve alone)`, path: `GET ${path}` }));
      }
    } else if ((rule?.reviewers ?? []).length > 0) {
      differences.push(difference({ severity: "notice", subject, setting: "required reviewers", actual: list(rule.reviewers.map(describeReviewer)), expected: "none required by the data (its jobs wait for an approval)", path: `GET ${path}` }));
    }
  }
  const secrets = actualEnvironment?.secrets ?? [];
  const repository = `${expected.owner}/${expected.repository}`;
  for (const name of environment.secrets.required.filter((secret) => !secrets.includes(secret))) {
    differences.push(difference({ subject, setting: `secret ${name}`, actual: "not set", expected: "set", path: `GET ${path}/secrets`, command: `gh secret set --env ${environment.name} ${name} --repo ${repository}` }));
  }
  for (const name of environment.secrets.optional.filter((secret) => !secrets.includes(secret))) {
    differences.push(difference({ severity: "notice", subject, setting: `secret ${name}`, actual: "not set", expected: "set (optional until promote.yml uses it)", path: `GET ${path}/secrets`, command: `gh secret set --env ${environment.name} ${name} --repo ${repository}` }));
  }
  for (const name of TERRAFORM_TOKENS.filter((token) => secrets.includes(token) && !environment.secrets.required.includes(token))) {
    differences.push(difference({ subject, setting: `secret ${name}`, actual: "set", expected: `absent (this environment holds ${list(environment.secrets.required.filter((secret) => TERRAFORM_TOKENS.includes(secret)))} only)`, path: `GET ${path}/secrets`, command: `gh secret delete --env ${environment.name} ${name} --repo ${repository}` }));
  }
  return differences;
}

/** `*` within a path segment, `**` across segments: the fnmatch subset ruleset conditions use. */
const globMatches = (pattern, ref) =>
  new RegExp(`^${pattern.split(/(\*\*|\*)/).map((part) => (part === "**" ? ".*" : part === "*" ? "[^/]*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))).join("")}$`).test(ref);

const ruleOf = (ruleset, type) => ruleset?.rules?.find((rule) => rule.type === type);

/** Differences of one ruleset (`actual` undefined: none with that name). */
export function checkRuleset(actual, ruleset, context) {
  const { expected, actionsAppId } = context;
  const subject = `ruleset "${ruleset.name}"`;
  const path = actual ? `PUT ${expected.repo}/rulesets/${actual.id}` : `POST ${expected.repo}/rulesets`;
  if (!actual) {
    return [
      difference({
        subject,
        setting: "exists",
        actual: "no",
        expected: `yes: ${list(ruleset.refs)} need a reviewed pull request (≥${ruleset.pullRequest.approvals} approval, code owners, stale approvals dismissed${ruleset.pullRequest.allowedMergeMethods ? `, ${ruleset.pullRequest.allowedMergeMethods.join("/")} only` : ""}), checks ${quoted(ruleset.checks)} up to date, no force push, no deletion`,
        path,
        fix: "setup",
      }),
    ];
  }
  const differences = [];
  const add = (setting, actualValue, expectedValue, fields = {}) => differences.push(difference({ subject, setting, actual: actualValue, expected: expectedValue, path, fix: "setup", ...fields }));
  if (actual.enforcement !== "active") add("enforcement", actual.enforcement, "active");
  if ((actual.target ?? "branch") !== "branch") add("target", actual.target, "branch");
  const include = actual.conditions?.ref_name?.include ?? [];
  const exclude = actual.conditions?.ref_name?.exclude ?? [];
  for (const ref of ruleset.refs) {
    if (!include.includes(ref) && !include.includes("~ALL")) add("targets", list(include), `includes ${ref}`);
    const excluding = exclude.filter((pattern) => globMatches(pattern, ref));
    if (excluding.length > 0) add("excludes", list(excluding), `nothing that matches ${ref}`);
  }
  const pullRequest = ruleOf(actual, "pull_request")?.parameters;
  if (!ruleOf(actual, "pull_request")) add("require a pull request", "off", "on");
  else {
    if (!(pullRequest?.required_approving_review_count >= ruleset.pullRequest.approvals)) add("required approvals", String(pullRequest?.required_approving_review_count ?? 0), `at least ${ruleset.pullRequest.approvals}`);
    if (pullRequest?.dismiss_stale_reviews_on_push !== true) add("dismiss stale approvals on push", "off", "on");
    if (pullRequest?.require_code_owner_review !== true) add("require review from code owners", "off", "on");
    const methods = pullRequest?.allowed_merge_methods ?? ["merge", "squash", "rebase"];
    const wanted = ruleset.pullRequest.allowedMergeMethods;
    if (wanted && (methods.length !== wanted.length || methods.some((method) => !wanted.includes(method)))) {
      add("allowed merge methods", list(methods), `${list(wanted)} (promotions need merge commits: squash or rebase rewrites the commits the next promotion merges again)`);
    }
  }
  const statusChecks = ruleOf(actual, "required_status_checks")?.parameters;
  const contexts = statusChecks?.required_status_checks ?? [];
  for (const name of ruleset.checks) {
    const found = contexts.find((candidate) => candidate.context === name);
    if (!found) add("required status check", `missing "${name}"`, `"${name}" from GitHub Actions`);
    else if (actionsAppId !== undefined && found.integration_id !== actionsAppId) {
      add("required status check", `"${name}" from ${found.integration_id === undefined ? "any source" : `app ${found.integration_id}`}`, `from GitHub Actions (app ${actionsAppId}), so no other token can report it`);
    }
  }
  if (ruleset.checks.length > 0 && statusChecks?.strict_required_status_checks_policy !== true) add("require branches to be up to date", "off", "on");
  if (!ruleOf(actual, "non_fast_forward")) add("block force pushes", "off", "on");
  if (!ruleOf(actual, "deletion")) add("restrict deletions", "off", "on");
  if (actual.bypass_actors === undefined) {
    differences.push(difference({ severity: "notice", subject, setting: "bypass list", actual: "not returned (the token cannot write rulesets)", expected: "empty", path: `GET ${expected.repo}/rulesets/${actual.id}` }));
  } else if (actual.bypass_actors.length > 0) {
    differences.push(
      difference({
        subject,
        setting: "bypass list",
        actual: list(actual.bypass_actors.map((actor) => `${actor.actor_type} ${actor.actor_id ?? ""}`.trim() + ` (${actor.bypass_mode ?? "always"})`)),
        expected: "empty (a bypass merges into an environment branch, and so deploys, without review)",
        path: `GET ${expected.repo}/rulesets/${actual.id}`,
        command: `remove them in Settings → Rules → Rulesets → ${ruleset.name}`,
      }),
    );
  }
  return differences;
}

export function checkRepositorySecrets(actual, expected) {
  const repository = `${expected.owner}/${expected.repository}`;
  const differences = [];
  for (const name of TERRAFORM_TOKENS.filter((token) => actual.repositorySecrets.includes(token))) {
    differences.push(difference({ subject: `repository secret ${name}`, setting: "set", actual: "yes (every workflow on every branch can read it)", expected: "no: Terraform tokens live in GitHub Environments only", path: `GET ${expected.repo}/actions/secrets`, command: `gh secret delete ${name} --repo ${repository}` }));
  }
  for (const name of TERRAFORM_TOKENS.filter((token) => actual.organizationSecrets.includes(token))) {
    differences.push(difference({ subject: `organization secret ${name}`, setting: `shared with ${repository}`, actual: "yes (every workflow on every branch can read it)", expected: "no", path: `GET ${expected.repo}/actions/organization-secrets`, command: `gh api -X DELETE orgs/${expected.owner}/actions/secrets/${name}/repositories/${actual.repositoryId}` }));
  }
  const infracost = "INFRACOST_API_KEY";
  // The plan job (the only one that reads it) runs in the environments pull requests reach.
  const planEnvironments = expected.environments.filter((environment) => environment.branchPolicies.some((policy) => policy.name === PULL_REQUEST_REF_PATTERN));
  const everyPlanEnvironmentHasIt = planEnvironments.every((environment) => actual.environments[environment.name]?.secrets.includes(infracost));
  if (!actual.repositorySecrets.includes(infracost) && !actual.organizationSecrets.includes(infracost) && !everyPlanEnvironmentHasIt) {
    differences.push(difference({ severity: "notice", subject: `repository secret ${infracost}`, setting: "set", actual: "no", expected: "yes (optional: without it the cost comment is a notice)", path: `GET ${expected.repo}/actions/secrets`, command: `gh secret set ${infracost} --repo ${repository}` }));
  }
  return differences;
}

export function checkLabels(actual, expected) {
  return expected.labels
    .filter((label) => !actual.labels[label.name])
    .map((label) => difference({ subject: `label ${label.name}`, setting: "exists", actual: "no", expected: "yes (the workflows apply it)", path: `POST ${expected.repo}/labels`, fix: "setup" }));
}

/**
 * The OIDC subject GitHub puts in this repository's tokens. Repositories created (or renamed) on or
 * after 2026-07-15 use immutable subjects, `repo:OWNER@OWNER_ID/REPO@REPO_ID:...` (GitHub's OIDC
 * reference, "Immutable subject claims"); the endpoint's `sub_claim_prefix` says which one applies,
 * even where `use_immutable_subject` reads false. The bootstrap's roles trust
 * `<prefix>:environment:<env>`, the prefix being github.json's `oidcSubjectPrefix` or else the
 * name-based `repo:OWNER/REPO` (stacks/bootstrap/github-config.ts githubEnvironmentSubject).
 */
export function checkOidcSubject(actual, expected) {
  const oidc = actual.oidc;
  const path = `GET ${expected.repo}/actions/oidc/customization/sub`;
  const subject = "OIDC subject";
  if (!oidc) return [difference({ severity: "notice", subject, setting: "format", actual: "unknown (GitHub did not answer)", expected: `${expected.trustedOidcPrefix}:environment:<env>`, path })];
  const differences = [];
  if (oidc.use_default === false) {
    differences.push(
      difference({
        subject,
        setting: "template",
        actual: `custom (${list(oidc.include_claim_keys ?? [])})`,
        expected: "the default template (the roles trust <prefix>:environment:<env>)",
        path,
        command: `gh api -X PUT repos/${expected.owner}/${expected.repository}/actions/oidc/customization/sub -F use_default=true`,
      }),
    );
  }
  const prefix = oidc.sub_claim_prefix;
  if (prefix === undefined) {
    differences.push(difference({ severity: "notice", subject, setting: "prefix", actual: "not returned by this GitHub", expected: expected.trustedOidcPrefix, path }));
  } else if (prefix !== expected.trustedOidcPrefix) {
    differences.push(
      difference({
        subject,
        setting: "prefix",
        actual: `${prefix} (immutable: owner and repository ids)`,
        expected: `${expected.trustedOidcPrefix}, the prefix the bootstrap's roles trust; until the bootstrap trusts ${prefix}:environment:<env> (set "oidcSubjectPrefix": "${prefix}" in stacks/bootstrap/github.json and apply every account's bootstrap again), no role can be assumed`,
        path,
      }),
    );
  }
  return differences;
}

/** Every difference between what GitHub has and what the data asks for. */
export function checkSettings(actual, expected) {
  const context = { expected, teams: actual.teams, actionsAppId: actual.actionsAppId };
  return [
    ...checkDefaultBranch(actual, expected),
    ...checkBranches(actual, expected),
    ...checkTeams(actual, expected),
    ...expected.environments.flatMap((environment) => checkEnvironment(actual.environments[environment.name], environment, context)),
    ...expected.rulesets.flatMap((ruleset) => checkRuleset(actual.rulesets.find((candidate) => candidate.name === ruleset.name), ruleset, context)),
    ...checkRepositorySecrets(actual, expected),
    ...checkLabels(actual, expected),
    ...checkOidcSubject(actual, expected),
  ];
}

/** One line per difference: what, is, must be, where; and the command when a person must act. */
export function formatDifference(item) {
  const mark = item.severity === "error" ? "✗" : "○";
  const command = item.command ? ` → ${item.command}` : item.fix === "setup" ? " → npm run github:setup" : "";
  return `${mark} ${item.subject}: ${item.setting}: is ${item.actual}, must be ${item.expected} [${item.path}]${command}`;
}

// ---------------------------------------------------------------------------------------------
// Setup: tighten what differs, never delete, never grant access
// ---------------------------------------------------------------------------------------------

/** The PUT body for an environment: ours where the data decides, what is there otherwise (a PUT may reset omitted fields). */
export function environmentBody(current, environment, teams) {
  const rule = reviewersRule(current?.settings);
  const currentReviewers = (rule?.reviewers ?? []).map((reviewer) => ({ type: reviewer.type, id: reviewer.reviewer?.id })).filter((reviewer) => reviewer.id !== undefined);
  const reviewers = [...currentReviewers];
  if (environment.protect) {
    for (const slug of environment.reviewerTeams) {
      if (!reviewers.some((reviewer) => reviewer.type === "Team" && reviewer.id === teams[slug].id)) reviewers.push({ type: "Team", id: teams[slug].id });
    }
  }
  const waitTimer = current?.settings?.protection_rules?.find((candidate) => candidate.type === "wait_timer")?.wait_timer;
  const body = { deployment_branch_policy: { protected_branches: false, custom_branch_policies: true } };
  if (waitTimer !== undefined) body.wait_timer = waitTimer;
  if (reviewers.length > 0) {
    body.reviewers = reviewers;
    body.prevent_self_review = environment.protect ? true : rule?.prevent_self_review === true;
  }
  if (environment.protect) body.can_admins_bypass = false;
  else if (current?.settings?.can_admins_bypass !== undefined) body.can_admins_bypass = current.settings.can_admins_bypass;
  return body;
}

/** The ruleset body: our rules and refs merged into what is there; other rules, refs and bypass actors kept. */
export function rulesetBody(current, ruleset, actionsAppId) {
  const include = [...new Set([...(current?.conditions?.ref_name?.include ?? []), ...ruleset.refs])];
  const exclude = (current?.conditions?.ref_name?.exclude ?? []).filter((pattern) => !ruleset.refs.some((ref) => globMatches(pattern, ref)));
  const managed = new Set(["pull_request", "required_status_checks", "non_fast_forward", "deletion"]);
  const currentPullRequest = ruleOf(current, "pull_request")?.parameters ?? {};
  const pullRequest = {
    required_approving_review_count: Math.max(currentPullRequest.required_approving_review_count ?? 0, ruleset.pullRequest.approvals),
    dismiss_stale_reviews_on_push: true,
    require_code_owner_review: true,
    require_last_push_approval: currentPullRequest.require_last_push_approval ?? false,
    required_review_thread_resolution: currentPullRequest.required_review_thread_resolution ?? false,
    ...(currentPullRequest.dismissal_restriction ? { dismissal_restriction: currentPullRequest.dismissal_restriction } : {}),
    ...(currentPullRequest.required_reviewers ? { required_reviewers: currentPullRequest.required_reviewers } : {}),
    ...(ruleset.pullRequest.allowedMergeMethods
      ? { allowed_merge_methods: ruleset.pullRequest.allowedMergeMethods }
      : currentPullRequest.allowed_merge_methods
        ? { allowed_merge_methods: currentPullRequest.allowed_merge_methods }
        : {}),
  };
  const currentChecks = ruleOf(current, "required_status_checks")?.parameters;
  const ours = ruleset.checks.map((context) => ({ context, ...(actionsAppId !== undefined ? { integration_id: actionsAppId } : {}) }));
  const kept = (currentChecks?.required_status_checks ?? []).filter((check) => !ruleset.checks.includes(check.context));
  const rules = [
    ...(current?.rules ?? []).filter((rule) => !managed.has(rule.type)),
    { type: "pull_request", parameters: pullRequest },
    ...(ruleset.checks.length > 0 || kept.length > 0
      ? [
          {
            type: "required_status_checks",
            // Creating an environment's branch (Day 2) deploys nothing and has no pull request to run checks on.
            parameters: { strict_required_status_checks_policy: true, do_not_enforce_on_create: currentChecks?.do_not_enforce_on_create ?? true, required_status_checks: [...kept, ...ours] },
          },
        ]
      : []),
    { type: "non_fast_forward" },
    { type: "deletion" },
  ];
  return {
    name: ruleset.name,
    target: "branch",
    enforcement: "active",
    bypass_actors: (current?.bypass_actors ?? []).map(({ actor_id, actor_type, bypass_mode }) => ({ actor_id, actor_type, bypass_mode })),
    conditions: { ref_name: { include, exclude } },
    rules,
  };
}

const fixableBy = (differences, subject) => differences.some((item) => item.subject === subject && item.fix === "setup");

/**
 * Changes what github:check reports and setup may change, in order: default branch (only with
 * setDefaultBranch), environments and their branch rules, rulesets, labels. Returns the changes
 * made (one sentence each) and the failures GitHub answered with; refuses to start when a team
 * the environments need is missing.
 */
export async function applySetup(request, expected, actual, { setDefaultBranch = false } = {}) {
  const differences = checkSettings(actual, expected);
  const missingTeams = expected.environments.flatMap((environment) => (environment.protect ? environment.reviewerTeams : [])).filter((slug, index, all) => !actual.teams[slug] && all.indexOf(slug) === index);
  if (missingTeams.length > 0) {
    throw new GitHubApiError(
      `Team ${missingTeams.join(", ")} does not exist in organization ${expected.owner} (GET /orgs/${expected.owner}/teams/<slug> answered 404): ` +
        `protected environments need it as a reviewer. Create it, or correct teams in stacks/bootstrap/github.json (then npm run codeowners). Nothing was changed.`,
    );
  }
  const changes = [];
  const failures = [];
  const attempt = async (description, action) => {
    try {
      await action();
      changes.push(description);
    } catch (error) {
      if (!(error instanceof GitHubApiError)) throw error;
      failures.push(`${description}: ${error.message}`);
    }
  };

  if (setDefaultBranch && actual.defaultBranch !== expected.defaultBranch) {
    await attempt(`default branch: ${actual.defaultBranch} → ${expected.defaultBranch} (PATCH ${expected.repo})`, () => call(request, "PATCH", expected.repo, { default_branch: expected.defaultBranch }, [200]));
  }
  for (const environment of expected.environments) {
    const subject = `environment ${environment.name}`;
    const current = actual.environments[environment.name];
    const path = environmentPath(expected, environment.name);
    const needsPut = differences.some((item) => item.subject === subject && item.fix === "setup" && item.path === `PUT ${path}`);
    if (needsPut) {
      const body = environmentBody(current, environment, actual.teams);
      await attempt(`${subject}: ${current ? "updated" : "created"} (selected deployment branches${environment.protect ? `; reviewers ${list(environment.reviewerTeams)}, self-review prevented, no administrator bypass` : ""}) (PUT ${path})`, () =>
        call(request, "PUT", path, body, [200]),
      );
    }
    const existing = (current?.branchPolicies ?? []).map((policy) => `${policy.type ?? "branch"} ${policy.name}`);
    for (const policy of environment.branchPolicies.filter((candidate) => !existing.includes(`${candidate.type} ${candidate.name}`))) {
      await attempt(`${subject}: deployment ${policy.type} rule ${policy.name} added (POST ${path}/deployment-branch-policies)`, () => call(request, "POST", `${path}/deployment-branch-policies`, policy, [200, 201, 303]));
    }
  }
  for (const ruleset of expected.rulesets) {
    const current = actual.rulesets.find((candidate) => candidate.name === ruleset.name);
    if (!fixableBy(differences, `ruleset "${ruleset.name}"`)) continue;
    const body = rulesetBody(current, ruleset, actual.actionsAppId);
    if (current) await attempt(`ruleset "${ruleset.name}": updated (PUT ${expected.repo}/rulesets/${current.id})`, () => call(request, "PUT", `${expected.repo}/rulesets/${current.id}`, body, [200]));
    else await attempt(`ruleset "${ruleset.name}": created for ${list(ruleset.refs)} (POST ${expected.repo}/rulesets)`, () => call(request, "POST", `${expected.repo}/rulesets`, body, [200, 201]));
  }
  for (const label of expected.labels.filter((candidate) => !actual.labels[candidate.name])) {
    await attempt(`label ${label.name}: created (POST ${expected.repo}/labels)`, () => call(request, "POST", `${expected.repo}/labels`, label, [201]));
  }
  return { changes, failures };
}

// ---------------------------------------------------------------------------------------------
// The commands
// ---------------------------------------------------------------------------------------------

/** Prints the check's report through `print`; resolves to the exit code. */
export async function runCheck(request, expected, print) {
  const actual = await fetchSettings(request, expected);
  return report(actual, expected, print, "github:check");
}

function report(actual, expected, print, command) {
  const differences = checkSettings(actual, expected);
  const errors = differences.filter((item) => item.severity === "error");
  print(`GitHub settings of ${expected.owner}/${expected.repository} against stacks/bootstrap/github.json, environments/*.json and ${PULL_REQUEST_WORKFLOW}:`);
  if (actual.oidc?.sub_claim_prefix) {
    const legacy = actual.oidc.sub_claim_prefix === `repo:${expected.owner}/${expected.repository}`;
    print(`  OIDC tokens of this repository carry sub = ${actual.oidc.sub_claim_prefix}:environment:<GitHub Environment> (${legacy ? "legacy name-based format" : "immutable format with owner and repository ids"}).`);
  }
  for (const item of differences) print(formatDifference(item));
  const notices = differences.length - errors.length;
  if (errors.length === 0) print(`${command}: every setting matches${notices ? ` (${notices} notice${notices === 1 ? "" : "s"} above)` : ""}.`);
  else {
    const bySetup = errors.filter((item) => item.fix === "setup" && !item.command).length;
    print(`${command}: ${errors.length} setting${errors.length === 1 ? "" : "s"} differ${errors.length === 1 ? "s" : ""}${bySetup ? `; npm run github:setup changes ${bySetup}` : ""}${errors.length - bySetup ? `; ${errors.length - bySetup} need the command shown` : ""}.`);
  }
  return errors.length === 0 ? 0 : 1;
}

/** Applies setup, prints each change, then checks again; resolves to the exit code. */
export async function runSetup(request, expected, print, options = {}) {
  const before = await fetchSettings(request, expected);
  const { changes, failures } = await applySetup(request, expected, before, options);
  for (const change of changes) print(`changed: ${change}`);
  for (const failure of failures) print(`✗ failed: ${failure}`);
  if (changes.length === 0 && failures.length === 0) print("github:setup: nothing to change.");
  const after = await fetchSettings(request, expected);
  const code = report(after, expected, print, "github:setup");
  return failures.length > 0 ? 1 : code;
}

/** The token: GITHUB_TOKEN, else `gh auth token` for GITHUB_API_URL's host (`runGh` spawns gh; injected for tests). */
export function resolveToken(env, runGh) {
  if (env.GITHUB_TOKEN) return env.GITHUB_TOKEN;
  const host = env.GITHUB_API_URL ? new URL(env.GITHUB_API_URL).hostname : "api.github.com";
  const result = runGh(["auth", "token", ...(host === "api.github.com" ? [] : ["--hostname", host])]);
  const token = result.status === 0 ? String(result.stdout).trim() : "";
  if (token) return token;
  throw new Error(
    "No GitHub token: set GITHUB_TOKEN (a fine-grained token for this repository with Administration: read and write, Actions: read, Environments: read, Secrets: read, Issues: read and write, and the organization permission Members: read) or log in with `gh auth login` as a repository administrator.",
  );
}

function readRepositoryData(root) {
  const githubFile = join(root, "stacks", "bootstrap", "github.json");
  let github;
  try {
    github = JSON.parse(readFileSync(githubFile, "utf8"));
  } catch (error) {
    throw new Error(`stacks/bootstrap/github.json: ${error.message}`, { cause: error });
  }
  const environments = readEnvironments(join(root, "environments"));
  return { github, environments, readWorkflow: (path) => readFileSync(join(root, path), "utf8") };
}

async function main(argv, env) {
  const [command, ...flags] = argv;
  const unknown = flags.filter((flag) => flag !== "--set-default-branch");
  if (!["check", "setup"].includes(command) || unknown.length > 0 || (command === "check" && flags.length > 0)) {
    console.error("usage: node scripts/github-setup.mjs check | setup [--set-default-branch]");
    return 2;
  }
  const expected = expectedSettings(readRepositoryData(repoRoot));
  const token = resolveToken(env, (args) => spawnSync("gh", args, { encoding: "utf8" }));
  const request = createGitHubRequest({ apiUrl: env.GITHUB_API_URL || undefined, token });
  const print = (line) => console.log(line);
  return command === "check" ? runCheck(request, expected, print) : runSetup(request, expected, print, { setDefaultBranch: flags.includes("--set-default-branch") });
}

runWhenExecuted(import.meta.url, main);
