#!/usr/bin/env node
// Checks, before terraform runs, that the Terraform Cloud token a job holds fits the job:
//
//   TF_TOKEN=<token> node scripts/terraform-cloud-preflight.mjs <environment> --access read|write
//
// It reads the environment's workspace through HCP Terraform's Workspaces API ("Show workspace",
// GET /api/v2/organizations/:organization/workspaces/:name), whose `permissions` describe what the
// token's team may do there (developer.hashicorp.com/terraform/cloud-docs/api-docs/workspaces), and
// refuses, naming the fix:
//   - a token that is invalid or cannot see the workspace, or a workspace that does not exist;
//   - a workspace whose Execution Mode is not Local (the plan must run on the runner, so that the
//     saved plan file whose digest was reviewed is the one applied);
//   - for --access read (pull-request plans, drift checks): a token that cannot read state, and a
//     token that CAN write or lock state, because pull-request code holds it;
//   - for --access write (deploy, destroy): a token that cannot read, write, lock and unlock state.
// No dependencies: it runs right after checkout. TF_CLOUD_API_URL points it at another API (tests).
import { readEnvironments } from "./environments.mjs";
import { runWhenExecuted } from "./run-when-executed.mjs";

const DEFAULT_API_URL = "https://app.terraform.io/api/v2";

/**
 * What is wrong with a workspace for a job needing `access`, from the Show-workspace response.
 * Each problem is one sentence that says what to change.
 */
export function workspaceProblems(workspace, access, where) {
  const attributes = workspace?.data?.attributes ?? {};
  const can = attributes.permissions ?? {};
  const problems = [];
  if (attributes["execution-mode"] !== "local") {
    problems.push(
      `${where}: Execution Mode is "${attributes["execution-mode"]}", expected "local" (workspace Settings → General → Execution Mode): the plan must run on the runner so that the reviewed plan file is the one applied.`,
    );
  }
  if (!can["can-read-state-versions"]) problems.push(`${where}: the token cannot read state; give its team the workspace's "Read" state access.`);
  if (access === "read") {
    const writes = ["can-create-state-versions", "can-lock", "can-unlock"].filter((permission) => can[permission]);
    if (writes.length > 0) {
      problems.push(
        `${where}: the token can also ${writes.map((permission) => permission.replace(/^can-/, "").replace(/-/g, " ")).join(", ")}; pull-request code and drift checks hold this token, so it must only read: use a team whose access to the workspace is "Read".`,
      );
    }
  } else {
    const missing = ["can-create-state-versions", "can-lock", "can-unlock"].filter((permission) => !can[permission]);
    if (missing.length > 0) {
      problems.push(`${where}: the token cannot ${missing.map((permission) => permission.replace(/^can-/, "").replace(/-/g, " ")).join(", ")}; a deploy needs "Read and write" state access and "Lock/unlock workspace" (the "Write" role).`);
    }
  }
  return problems;
}

/** Asks the API about the environment's workspace; resolves to the list of problems (empty: fine). */
export async function checkWorkspace({ organization, workspace, token, access, apiUrl = DEFAULT_API_URL, fetchImpl = fetch }) {
  const where = `Terraform Cloud workspace ${organization}/${workspace}`;
  if (!token) return [`${where}: no token was given (the job's TF_TOKEN is empty): set the secret in the job's GitHub Environment.`];
  let response;
  try {
    response = await fetchImpl(`${apiUrl}/organizations/${encodeURIComponent(organization)}/workspaces/${encodeURIComponent(workspace)}`, {
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/vnd.api+json" },
    });
  } catch (error) {
    return [`${where}: the Terraform Cloud API could not be reached (${error.message}).`];
  }
  if (response.status === 401) return [`${where}: the token was refused (401): it is invalid, expired or revoked; create a new team token and update the secret.`];
  if (response.status === 404) {
    return [`${where}: not found (404): the workspace does not exist, or the token's team has no access to it; create it with Execution Mode "Local" and grant the team access.`];
  }
  if (!response.ok) return [`${where}: the Terraform Cloud API answered ${response.status}; try again, or check status.hashicorp.com.`];
  return workspaceProblems(await response.json(), access, where);
}

async function main(argv, env) {
  const [name, flag, access] = argv;
  if (!name || flag !== "--access" || !["read", "write"].includes(access)) {
    console.error("usage: TF_TOKEN=<token> node scripts/terraform-cloud-preflight.mjs <environment> --access read|write");
    return 2;
  }
  const environments = readEnvironments(env.ENVIRONMENTS_DIR || undefined);
  const environment = environments.find((candidate) => candidate.name === name);
  if (!environment) {
    console.error(`Unknown environment "${name}"; expected one of: ${environments.map((candidate) => candidate.name).join(", ")}.`);
    return 1;
  }
  if (!environment.terraformCloud) {
    console.log(`::error title=No Terraform Cloud workspace::${environment.file}: terraformCloud.organization and terraformCloud.workspace are required.`);
    return 1;
  }
  const { organization, workspace } = environment.terraformCloud;
  const problems = await checkWorkspace({ organization, workspace, token: env.TF_TOKEN, access, apiUrl: env.TF_CLOUD_API_URL || DEFAULT_API_URL });
  for (const problem of problems) console.log(`::error title=Terraform Cloud ${access} token::${problem}`);
  if (problems.length === 0) console.log(`Terraform Cloud workspace ${organization}/${workspace}: local execution, the token can ${access === "read" ? "read (and only read)" : "read, write and lock"} state.`);
  return problems.length === 0 ? 0 : 1;
}

runWhenExecuted(import.meta.url, main);
