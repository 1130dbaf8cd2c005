// A loopback stand-in for the repository-settings part of GitHub's REST API, in memory: the
// repository (default branch), branches, organization teams and their access, environments with
// their protection rules, deployment branch policies and secret names, repository rulesets,
// repository and organization secret names, labels, the OIDC subject customization and the
// GitHub Actions app. Answers have the shapes GitHub documents (rest/deployments/environments,
// rest/deployments/branch-policies, rest/repos/rules, rest/actions/secrets, rest/actions/oidc) and
// refuse what GitHub refuses (unknown reviewer ids, both deployment-branch flags equal, branch
// policies while custom_branch_policies is off, a duplicate pattern answers 303, duplicate ruleset
// names). A PUT of an environment resets every field it omits, the strictest reading of a PUT:
// a client that wants to keep a setting must send it.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/* eslint-disable @typescript-eslint/no-explicit-any -- request bodies are checked field by field, as GitHub does */

export interface FakeTeam {
  id: number;
  slug: string;
  privacy: "closed" | "secret";
  /** The team's access to the repository (undefined: none). */
  permission?: "pull" | "triage" | "push" | "maintain" | "admin";
}

export interface FakeEnvironment {
  id: number;
  waitTimer: number;
  preventSelfReview: boolean;
  reviewers: { type: "User" | "Team"; id: number }[];
  deploymentBranchPolicy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  canAdminsBypass: boolean;
  branchPolicies: { id: number; name: string; type: "branch" | "tag" }[];
  secrets: string[];
}

export interface FakeRepositoryState {
  owner: string;
  repo: string;
  repositoryId: number;
  defaultBranch: string;
  branches: Set<string>;
  teams: Map<string, FakeTeam>;
  users: Map<number, string>;
  environments: Map<string, FakeEnvironment>;
  rulesets: Map<number, any>;
  repositorySecrets: Set<string>;
  organizationSecrets: Set<string>;
  labels: Map<string, { name: string; color: string; description: string }>;
  oidc: { use_default: boolean; include_claim_keys?: string[]; use_immutable_subject?: boolean; sub_claim_prefix?: string } | undefined;
  actionsAppId: number;
}

export interface RecordedSettingsRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly authorization: string | undefined;
}

export interface FakeGitHubSettings {
  readonly url: string;
  readonly state: FakeRepositoryState;
  readonly requests: RecordedSettingsRequest[];
  /** Requests other than GETs. */
  writes(): RecordedSettingsRequest[];
  /** Adds an environment as an administrator would in the UI. */
  seedEnvironment(name: string, settings?: Partial<Omit<FakeEnvironment, "id">>): FakeEnvironment;
  /** Adds a repository ruleset as an administrator would. */
  seedRuleset(ruleset: Record<string, unknown>): any;
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("error", reject);
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      resolve(text === "" ? undefined : JSON.parse(text));
    });
  });

type Answer = [number, unknown];

export async function startFakeGitHubSettings(options: Partial<Pick<FakeRepositoryState, "owner" | "repo" | "defaultBranch">> & { branches?: string[]; teams?: Omit<FakeTeam, "id">[] } = {}): Promise<FakeGitHubSettings> {
  let nextId = 5000;
  const id = () => nextId++;
  const owner = options.owner ?? "acme";
  const repo = options.repo ?? "infra";
  const state: FakeRepositoryState = {
    owner,
    repo,
    repositoryId: 880011,
    defaultBranch: options.defaultBranch ?? "main",
    branches: new Set(options.branches ?? [options.defaultBranch ?? "main"]),
    teams: new Map((options.teams ?? []).map((team) => [team.slug, { ...team, id: id() }])),
    users: new Map([[42, "octocat"]]),
    environments: new Map(),
    rulesets: new Map(),
    repositorySecrets: new Set(),
    organizationSecrets: new Set(),
    labels: new Map(),
    oidc: { use_default: true, sub_claim_prefix: `repo:${owner}/${repo}` },
    actionsAppId: 15368,
  };
  const requests: RecordedSettingsRequest[] = [];
  let url = "";

  const newEnvironment = (): FakeEnvironment => ({
    id: id(),
    waitTimer: 0,
    preventSelfReview: false,
    reviewers: [],
    deploymentBranchPolicy: null,
    canAdminsBypass: true,
    branchPolicies: [],
    secrets: [],
  });

  const teamById = (teamId: number) => [...state.teams.values()].find((team) => team.id === teamId);

  /** GET /repos/{owner}/{repo}/environments/{name}, as documented. */
  const environmentJson = (name: string, environment: FakeEnvironment) => {
    const rules: unknown[] = [];
    if (environment.waitTimer > 0) rules.push({ id: environment.id + 1, node_id: "GA_wait", type: "wait_timer", wait_timer: environment.waitTimer });
    if (environment.reviewers.length > 0) {
      rules.push({
        id: environment.id + 2,
        node_id: "GA_reviewers",
        type: "required_reviewers",
        prevent_self_review: environment.preventSelfReview,
        reviewers: environment.reviewers.map((reviewer) => ({
          type: reviewer.type,
          reviewer: reviewer.type === "Team" ? { id: reviewer.id, slug: teamById(reviewer.id)?.slug, name: teamById(reviewer.id)?.slug } : { id: reviewer.id, login: state.users.get(reviewer.id) },
        })),
      });
    }
    if (environment.deploymentBranchPolicy) rules.push({ id: environment.id + 3, node_id: "GA_branch", type: "branch_policy" });
    return {
      id: environment.id,
      node_id: `EN_${environment.id}`,
      name,
      url: `${url}/repos/${owner}/${repo}/environments/${name}`,
      html_url: `https://github.example/${owner}/${repo}/deployments/activity_log?environments_filter=${name}`,
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
      can_admins_bypass: environment.canAdminsBypass,
      protection_rules: rules,
      deployment_branch_policy: environment.deploymentBranchPolicy,
    };
  };

  const page = (items: unknown[], query: URLSearchParams): unknown[] => {
    const perPage = Math.min(Number(query.get("per_page") ?? 30), 100);
    const number = Math.max(Number(query.get("page") ?? 1), 1);
    return items.slice((number - 1) * perPage, number * perPage);
  };

  const putEnvironment = (name: string, body: any): Answer => {
    const environment = state.environments.get(name) ?? newEnvironment();
    const reviewers = body?.reviewers ?? [];
    for (const reviewer of reviewers) {
      const known = reviewer?.type === "Team" ? teamById(reviewer.id) : reviewer?.type === "User" ? state.users.get(reviewer.id) : undefined;
      if (!known) return [422, { message: `Validation Failed: reviewer ${JSON.stringify(reviewer)} not found` }];
    }
    const policy = body?.deployment_branch_policy ?? null;
    if (policy && policy.protected_branches === policy.custom_branch_policies) {
      return [422, { message: "Validation Failed: protected_branches and custom_branch_policies cannot have the same value" }];
    }
    environment.waitTimer = body?.wait_timer ?? 0;
    environment.preventSelfReview = body?.prevent_self_review ?? false;
    environment.reviewers = reviewers.map((reviewer: any) => ({ type: reviewer.type, id: reviewer.id }));
    environment.deploymentBranchPolicy = policy;
    environment.canAdminsBypass = body?.can_admins_bypass ?? true;
    if (!policy?.custom_branch_policies) environment.branchPolicies = [];
    state.environments.set(name, environment);
    return [200, environmentJson(name, environment)];
  };

  const validRuleset = (body: any, ownId?: number): string | undefined => {
    if (typeof body?.name !== "string" || body.name === "") return "name is required";
    if (!["active", "evaluate", "disabled"].includes(body.enforcement)) return `enforcement: ${JSON.stringify(body.enforcement)} is not active, evaluate or disabled`;
    if ([...state.rulesets.values()].some((ruleset) => ruleset.name === body.name && ruleset.id !== ownId)) return "Name must be unique";
    for (const rule of body.rules ?? []) {
      if (rule.type === "pull_request" && rule.parameters?.allowed_merge_methods?.length === 0) return "allowed_merge_methods: at least one option must be enabled";
      if (rule.type === "pull_request" && typeof rule.parameters?.required_approving_review_count !== "number") return "pull_request: required_approving_review_count is required";
    }
    return undefined;
  };

  const storeRuleset = (body: any, rulesetId: number) => {
    const ruleset = {
      id: rulesetId,
      name: body.name,
      target: body.target ?? "branch",
      source_type: "Repository",
      source: `${owner}/${repo}`,
      enforcement: body.enforcement,
      bypass_actors: body.bypass_actors ?? [],
      conditions: body.conditions ?? { ref_name: { include: [], exclude: [] } },
      rules: body.rules ?? [],
      node_id: `RRS_${rulesetId}`,
      current_user_can_bypass: "never",
    };
    state.rulesets.set(rulesetId, ruleset);
    return ruleset;
  };
  const rulesetSummary = (ruleset: any) => ({ id: ruleset.id, name: ruleset.name, target: ruleset.target, source_type: ruleset.source_type, source: ruleset.source, enforcement: ruleset.enforcement, node_id: ruleset.node_id });

  const apply = (method: string, path: string, query: URLSearchParams, body: any): Answer | undefined => {
    const base = `/repos/${owner}/${repo}`;
    let match: RegExpExecArray | null;
    if (path === base) {
      if (method === "GET") return [200, { id: state.repositoryId, name: repo, full_name: `${owner}/${repo}`, default_branch: state.defaultBranch, private: true }];
      if (method === "PATCH") {
        if (body?.default_branch !== undefined) {
          if (!state.branches.has(body.default_branch)) return [422, { message: `Validation Failed: the branch ${body.default_branch} does not exist` }];
          state.defaultBranch = body.default_branch;
        }
        return [200, { id: state.repositoryId, default_branch: state.defaultBranch }];
      }
    }
    if ((match = new RegExp(`^${base}/branches/(.+)$`).exec(path)) && method === "GET") {
      const branch = decodeURIComponent(match[1]!);
      return state.branches.has(branch) ? [200, { name: branch, protected: false }] : [404, { message: "Branch not found" }];
    }
    if ((match = new RegExp(`^/orgs/${owner}/teams/([^/]+)$`).exec(path)) && method === "GET") {
      const team = state.teams.get(match[1]!);
      return team ? [200, { id: team.id, slug: team.slug, name: team.slug, privacy: team.privacy }] : [404, { message: "Not Found" }];
    }
    if (path === `${base}/teams` && method === "GET") {
      const teams = [...state.teams.values()].filter((team) => team.permission).map((team) => ({ id: team.id, slug: team.slug, permission: team.permission, privacy: team.privacy }));
      return [200, page(teams, query)];
    }
    if ((match = new RegExp(`^${base}/environments/([^/]+)$`).exec(path))) {
      const name = decodeURIComponent(match[1]!);
      const environment = state.environments.get(name);
      if (method === "GET") return environment ? [200, environmentJson(name, environment)] : [404, { message: "Not Found" }];
      if (method === "PUT") return putEnvironment(name, body);
    }
    if ((match = new RegExp(`^${base}/environments/([^/]+)/deployment-branch-policies$`).exec(path))) {
      const environment = state.environments.get(decodeURIComponent(match[1]!));
      if (!environment) return [404, { message: "Not Found" }];
      if (method === "GET") return [200, { total_count: environment.branchPolicies.length, branch_policies: page(environment.branchPolicies, query) }];
      if (method === "POST") {
        if (!environment.deploymentBranchPolicy?.custom_branch_policies) return [404, { message: "Not Found" }];
        if (typeof body?.name !== "string" || body.name === "") return [422, { message: "Validation Failed: name" }];
        const type = body.type ?? "branch";
        if (environment.branchPolicies.some((policy) => policy.name === body.name && policy.type === type)) return [303, undefined];
        const policy = { id: id(), name: body.name, type };
        environment.branchPolicies.push(policy);
        return [200, { ...policy, node_id: `BP_${policy.id}` }];
      }
    }
    if ((match = new RegExp(`^${base}/environments/([^/]+)/secrets$`).exec(path)) && method === "GET") {
      const environment = state.environments.get(decodeURIComponent(match[1]!));
      if (!environment) return [404, { message: "Not Found" }];
      const secrets = environment.secrets.map((name) => ({ name, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z" }));
      return [200, { total_count: secrets.length, secrets: page(secrets, query) }];
    }
    if ((path === `${base}/actions/secrets` || path === `${base}/actions/organization-secrets`) && method === "GET") {
      const names = [...(path.endsWith("organization-secrets") ? state.organizationSecrets : state.repositorySecrets)];
      const secrets = names.map((name) => ({ name, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z" }));
      return [200, { total_count: secrets.length, secrets: page(secrets, query) }];
    }
    if (path === `${base}/rulesets`) {
      if (method === "GET") return [200, page([...state.rulesets.values()].map(rulesetSummary), query)];
      if (method === "POST") {
        const problem = validRuleset(body);
        if (problem) return [422, { message: `Validation Failed: ${problem}` }];
        return [201, storeRuleset(body, id())];
      }
    }
    if ((match = new RegExp(`^${base}/rulesets/(\\d+)$`).exec(path))) {
      const ruleset = state.rulesets.get(Number(match[1]));
      if (!ruleset) return [404, { message: "Not Found" }];
      if (method === "GET") return [200, ruleset];
      if (method === "PUT") {
        const merged = { ...ruleset, ...body };
        const problem = validRuleset(merged, ruleset.id);
        if (problem) return [422, { message: `Validation Failed: ${problem}` }];
        return [200, storeRuleset(merged, ruleset.id)];
      }
    }
    if ((match = new RegExp(`^${base}/labels/(.+)$`).exec(path)) && method === "GET") {
      const label = state.labels.get(decodeURIComponent(match[1]!));
      return label ? [200, label] : [404, { message: "Not Found" }];
    }
    if (path === `${base}/labels` && method === "POST") {
      if (typeof body?.name !== "string") return [422, { message: "Validation Failed: name" }];
      if (state.labels.has(body.name)) return [422, { message: "Validation Failed: already_exists" }];
      state.labels.set(body.name, { name: body.name, color: body.color, description: body.description });
      return [201, state.labels.get(body.name)];
    }
    if (path === `${base}/actions/oidc/customization/sub` && method === "GET") return state.oidc ? [200, state.oidc] : [404, { message: "Not Found" }];
    if (path === "/apps/github-actions" && method === "GET") return [200, { id: state.actionsAppId, slug: "github-actions", name: "GitHub Actions" }];
    return undefined;
  };

  const server = createServer((request, response) => {
    void (async () => {
      const parsed = new URL(request.url ?? "/", "http://127.0.0.1");
      const body = await readBody(request);
      const recorded: RecordedSettingsRequest = { method: request.method ?? "GET", path: parsed.pathname, body, authorization: request.headers.authorization };
      requests.push(recorded);
      const answer = apply(recorded.method, recorded.path, parsed.searchParams, body as any) ?? [404, { message: `Not Found (the fake has no ${recorded.method} ${recorded.path})` }];
      const [status, data] = answer;
      if (data === undefined) {
        response.writeHead(status);
        return response.end();
      }
      response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      response.end(JSON.stringify(data));
    })().catch((error: unknown) => {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    get url() {
      return url;
    },
    state,
    requests,
    writes: () => requests.filter((request) => request.method !== "GET"),
    seedEnvironment: (name, settings = {}) => {
      const environment = { ...newEnvironment(), ...settings };
      state.environments.set(name, environment);
      return environment;
    },
    seedRuleset: (ruleset) => storeRuleset({ enforcement: "active", ...ruleset }, id()),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
