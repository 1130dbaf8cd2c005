#!/usr/bin/env node
// What the workflows need to know about environments, read from
// environments/*.json so no workflow hard-codes a name or a branch:
//
//   node scripts/environments.mjs matrix              -> environments=[{"name":"dev","branch":"dev","region":"us-east-1","planRoleArn":"arn:..."},...]
//   node scripts/environments.mjs target <branch>     -> environment=, region=, plan-role-arn=, apply-role-arn= of the environment
//                                                        whose branch is <branch> (all empty when none: a PR into a feature branch)
//   node scripts/environments.mjs describe <environment> -> environment=, region=, branch=, plan-role-arn=, apply-role-arn=
//   node scripts/environments.mjs preflight <environment> [--for deploy|plan|drift|destroy]
//                                                     -> exit 1 with an ::error:: per placeholder setting the purpose cannot go on with
//   node scripts/environments.mjs check-destroy <environment> <confirm> [<git ref>]
//                                                     -> exit 1 with the reason when destroying is not allowed
//
// Output lines are `key=value`, ready for `>> "$GITHUB_OUTPUT"`. No dependencies,
// so a job can run it right after checkout, before npm ci and before any
// credential exists. The full schema check is synth's job; this reads only what
// the workflows use (branch, region, protectData, alerts.email, account and the
// account's id in stacks/bootstrap/accounts.json) and refuses files where those are wrong.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { runWhenExecuted } from "./run-when-executed.mjs";

const defaultEnvironmentsDir = join(fileURLToPath(new URL(".", import.meta.url)), "..", "environments");

/** Every role the bootstrap creates lives under this path (stacks/bootstrap: DEPLOYMENT_ROLE_PATH). */
export const DEPLOYMENT_ROLE_PATH = "/github-deploy/";

/** The AWS partition of a region: role ARNs differ in GovCloud and China. */
export const partitionOf = (region) => (region.startsWith("cn-") ? "aws-cn" : region.includes("-gov-") ? "aws-us-gov" : "aws");

/**
 * The roles the bootstrap creates for an environment, derived from data: the
 * account's id, the environment's name and region. No GitHub variable holds
 * them, so nothing can drift from the reviewed files.
 */
export const deploymentRoleArns = (environment) => {
  if (!environment.accountId) return { plan: "", apply: "" };
  const prefix = `arn:${partitionOf(environment.region)}:iam::${environment.accountId}:role${DEPLOYMENT_ROLE_PATH}`;
  return { plan: `${prefix}github-plan-${environment.name}`, apply: `${prefix}github-apply-${environment.name}` };
};

/** The accounts file (`{ "<name>": { "id": "<12 digits>", ... } }`), or undefined when there is none. */
function readAccounts(accountsFile, display) {
  let text;
  try {
    text = readFileSync(accountsFile, "utf8");
  } catch {
    return undefined;
  }
  let data;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${display(accountsFile)}: not valid JSON (${error.message})`, { cause: error });
  }
  for (const [name, account] of Object.entries(data ?? {})) {
    if (name.startsWith("$")) continue;
    if (typeof account?.id !== "string" || !/^\d{12}$/.test(account.id)) {
      throw new Error(`${display(accountsFile)}: ${name}.id: found ${JSON.stringify(account?.id)}, expected a 12-digit AWS account id`);
    }
  }
  return data;
}

/**
 * Reads what the workflows need of every environment file: name, branch,
 * region, data protection, alert address and the account it deploys into.
 */
export function readEnvironments(environmentsDir = defaultEnvironmentsDir, accountsFile = join(environmentsDir, "..", "stacks", "bootstrap", "accounts.json")) {
  const displayPath = (path) => relative(process.cwd(), path) || path;
  const display = (file) => displayPath(join(environmentsDir, file));
  const accounts = readAccounts(accountsFile, displayPath);
  const files = readdirSync(environmentsDir).filter((file) => file.endsWith(".json")).sort();
  const environments = files.map((file) => {
    let data;
    try {
      data = JSON.parse(readFileSync(join(environmentsDir, file), "utf8"));
    } catch (error) {
      throw new Error(`${display(file)}: not valid JSON (${error.message})`, { cause: error });
    }
    if (typeof data?.branch !== "string" || data.branch === "") {
      throw new Error(`${display(file)}: branch: found ${JSON.stringify(data?.branch)}, expected the git branch that deploys this environment`);
    }
    if (typeof data.region !== "string" || !/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(data.region)) {
      throw new Error(`${display(file)}: region: found ${JSON.stringify(data.region)}, expected an AWS region such as us-east-1`);
    }
    if (typeof data.protectData !== "boolean") {
      throw new Error(`${display(file)}: protectData: found ${JSON.stringify(data.protectData)}, expected true or false`);
    }
    let accountId;
    if (data.account !== undefined) {
      const account = accounts?.[data.account];
      if (!account) {
        const known = Object.keys(accounts ?? {}).filter((name) => !name.startsWith("$"));
        throw new Error(`${display(file)}: account: found ${JSON.stringify(data.account)}, expected one of the accounts in ${displayPath(accountsFile)}: ${known.join(", ") || "(none: the file is missing or empty)"}`);
      }
      accountId = account.id;
    }
    return {
      name: file.slice(0, -".json".length),
      file: display(file),
      branch: data.branch,
      region: data.region,
      protectData: data.protectData,
      alertsEmail: typeof data.alerts?.email === "string" ? data.alerts.email : undefined,
      account: data.account,
      accountId,
      terraformCloud:
        typeof data.terraformCloud?.organization === "string" && typeof data.terraformCloud?.workspace === "string"
          ? { organization: data.terraformCloud.organization, workspace: data.terraformCloud.workspace }
          : undefined,
    };
  });
  const byBranch = new Map();
  for (const environment of environments) {
    const other = byBranch.get(environment.branch);
    if (other) {
      throw new Error(`${environment.file}: branch: "${environment.branch}" is already the branch of ${other.file}; each environment needs its own branch`);
    }
    byBranch.set(environment.branch, environment);
  }
  return environments;
}

/**
 * Domains reserved for documentation and testing (RFC 2606, RFC 6761): mail to
 * them is never delivered, so an alert address there means every alarm goes nowhere.
 */
const RESERVED_MAIL_DOMAIN = /@(?:(?:[a-z0-9-]+\.)*example\.(?:com|net|org)|(?:[a-z0-9-]+\.)*(?:example|invalid|test|localhost))$/i;

const ACCOUNTS_FILE_DISPLAY = "stacks/bootstrap/accounts.json";

/** Account ids AWS's documentation uses in examples: the shipped accounts file holds them until an operator sets real ones. */
export const EXAMPLE_ACCOUNT_IDS = new Set(["111122223333", "444455556666", "777788889999", "123456789012", "000000000000"]);

/**
 * Settings still holding the shipped example values. Synth warns about them;
 * the deploy refuses to start until they are set (see `preflight`).
 */
export function placeholderProblems(environment) {
  const problems = [];
  if (environment.alertsEmail === undefined || RESERVED_MAIL_DOMAIN.test(environment.alertsEmail)) {
    problems.push({
      file: environment.file,
      field: "alerts.email",
      message: `${environment.file}: alerts.email: found ${JSON.stringify(environment.alertsEmail)}, a reserved example domain where no mail is delivered; expected the monitored address that should receive ${environment.name}'s alarms`,
    });
  }
  if (environment.accountId !== undefined && EXAMPLE_ACCOUNT_IDS.has(environment.accountId)) {
    problems.push({
      file: ACCOUNTS_FILE_DISPLAY,
      field: `${environment.account}.id`,
      message: `${ACCOUNTS_FILE_DISPLAY}: ${environment.account}.id: found "${environment.accountId}", an example id from AWS's documentation; expected the id of the AWS account that ${environment.name} deploys into`,
    });
  }
  return problems;
}

/** What a preflight can be for; only a deploy refuses a placeholder alert address. */
const PREFLIGHT_PURPOSES = ["deploy", "plan", "drift", "destroy"];

/** The environment a pull request into (or a push to) `branch` targets, or undefined. */
export const environmentForBranch = (environments, branch) => environments.find((environment) => environment.branch === branch);

/**
 * Whether a destroy request may go ahead. Checked before any credentialed job:
 * the confirmation must repeat the environment's name exactly, and an
 * environment whose data is protected cannot be destroyed until a reviewed
 * change turns `protectData` off. With `ref`, the run must also come from the
 * environment's own branch: `protectData` is read from the checked-out files,
 * so a run from another branch could carry its own, unreviewed, flag.
 */
export function checkDestroyRequest(environments, environmentName, confirm, ref) {
  const environment = environments.find((candidate) => candidate.name === environmentName);
  if (!environment) {
    const known = environments.map((candidate) => candidate.name).join(", ");
    return { allowed: false, reason: `Unknown environment "${environmentName}"; expected one of: ${known}.` };
  }
  if (confirm !== environment.name) {
    return {
      allowed: false,
      reason: `Refusing to destroy ${environment.name}: the confirm input was ${JSON.stringify(confirm)}, expected exactly "${environment.name}".`,
    };
  }
  if (ref !== undefined && ref !== `refs/heads/${environment.branch}`) {
    return {
      allowed: false,
      reason: `Refusing to destroy ${environment.name} from ${ref}: run the destroy workflow from the environment's branch, refs/heads/${environment.branch}.`,
    };
  }
  if (environment.protectData) {
    return {
      allowed: false,
      reason:
        `Refusing to destroy ${environment.name}: ${environment.file} has "protectData": true. ` +
        `Merge a reviewed pull request that sets it to false into ${environment.branch} (and apply it) first.`,
    };
  }
  return { allowed: true, reason: `Destroy of ${environment.name} confirmed.` };
}

function main(argv) {
  const [command, ...args] = argv;
  const environments = readEnvironments(process.env.ENVIRONMENTS_DIR || undefined);
  if (command === "matrix") {
    const matrix = environments.map((environment) => ({ name: environment.name, branch: environment.branch, region: environment.region, planRoleArn: deploymentRoleArns(environment).plan }));
    console.log(`environments=${JSON.stringify(matrix)}`);
    return 0;
  }
  if (command === "target" && args.length === 1) {
    const target = environmentForBranch(environments, args[0]);
    const roles = target ? deploymentRoleArns(target) : { plan: "", apply: "" };
    console.log(`environment=${target?.name ?? ""}`);
    console.log(`region=${target?.region ?? ""}`);
    console.log(`plan-role-arn=${roles.plan}`);
    console.log(`apply-role-arn=${roles.apply}`);
    return 0;
  }
  if (command === "describe" && args.length === 1) {
    const environment = environments.find((candidate) => candidate.name === args[0]);
    if (!environment) {
      console.error(`Unknown environment "${args[0]}"; expected one of: ${environments.map((candidate) => candidate.name).join(", ")}.`);
      return 1;
    }
    const roles = deploymentRoleArns(environment);
    console.log(`environment=${environment.name}\nregion=${environment.region}\nbranch=${environment.branch}\nplan-role-arn=${roles.plan}\napply-role-arn=${roles.apply}`);
    return 0;
  }
  if (command === "preflight" && (args.length === 1 || (args.length === 3 && args[1] === "--for"))) {
    // Run before a job takes any credential: settings that would make it fail, or alert nobody.
    const purpose = args[2] ?? "deploy";
    if (!PREFLIGHT_PURPOSES.includes(purpose)) {
      console.error(`preflight --for: found "${purpose}", expected one of: ${PREFLIGHT_PURPOSES.join(", ")}`);
      return 2;
    }
    const environment = environments.find((candidate) => candidate.name === args[0]);
    if (!environment) {
      console.error(`Unknown environment "${args[0]}"; expected one of: ${environments.map((candidate) => candidate.name).join(", ")}.`);
      return 1;
    }
    let failed = false;
    for (const problem of placeholderProblems(environment)) {
      // Only a deploy sends alarms to the address; plans, drift checks and destroys just say so.
      const blocking = problem.field !== "alerts.email" || purpose === "deploy";
      failed ||= blocking;
      console.log(`::${blocking ? "error" : "warning"} file=${problem.file},title=${problem.field} is a placeholder::${problem.message}`);
    }
    if (!failed) console.log(`${environment.file}: ready to ${purpose}.`);
    return failed ? 1 : 0;
  }
  if (command === "check-destroy" && (args.length === 2 || args.length === 3)) {
    const result = checkDestroyRequest(environments, args[0], args[1], args[2]);
    (result.allowed ? console.log : console.error)(result.reason);
    return result.allowed ? 0 : 1;
  }
  console.error("usage: environments.mjs matrix | target <branch> | describe <environment> | preflight <environment> [--for deploy|plan|drift|destroy] | check-destroy <environment> <confirm> [<git ref>]");
  return 2;
}

runWhenExecuted(import.meta.url, main);
