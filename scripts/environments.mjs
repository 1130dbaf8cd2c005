#!/usr/bin/env node
// What the workflows need to know about environments, read from
// environments/*.json so no workflow hard-codes a name or a branch:
//
//   node scripts/environments.mjs matrix              -> environments=[{"name":"dev","branch":"dev","region":"us-east-1"},...]
//   node scripts/environments.mjs target <branch>     -> environment=, region= of the environment whose branch is <branch>
//                                                        (both empty when none: a PR into a feature branch)
//   node scripts/environments.mjs describe <environment> -> environment=, region=, branch= of that environment
//   node scripts/environments.mjs preflight <environment> -> exit 1 with an ::error:: per placeholder setting (deploy refuses them)
//   node scripts/environments.mjs check-destroy <environment> <confirm> [<git ref>]
//                                                     -> exit 1 with the reason when destroying is not allowed
//
// Output lines are `key=value`, ready for `>> "$GITHUB_OUTPUT"`. No dependencies,
// so a job can run it right after checkout, before npm ci and before any
// credential exists. The full schema check is synth's job; this reads only
// `branch`, `region` and `protectData` and refuses files where those are wrong.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const defaultEnvironmentsDir = join(fileURLToPath(new URL(".", import.meta.url)), "..", "environments");

/** Reads the name, branch and data-protection flag of every environment file. */
export function readEnvironments(environmentsDir = defaultEnvironmentsDir) {
  const display = (file) => relative(process.cwd(), join(environmentsDir, file)) || file;
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
    return {
      name: file.slice(0, -".json".length),
      file: display(file),
      branch: data.branch,
      region: data.region,
      protectData: data.protectData,
      alertsEmail: typeof data.alerts?.email === "string" ? data.alerts.email : undefined,
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
  return problems;
}

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
    const matrix = environments.map(({ name, branch, region }) => ({ name, branch, region }));
    console.log(`environments=${JSON.stringify(matrix)}`);
    return 0;
  }
  if (command === "target" && args.length === 1) {
    const target = environmentForBranch(environments, args[0]);
    console.log(`environment=${target?.name ?? ""}`);
    console.log(`region=${target?.region ?? ""}`);
    return 0;
  }
  if (command === "describe" && args.length === 1) {
    const environment = environments.find((candidate) => candidate.name === args[0]);
    if (!environment) {
      console.error(`Unknown environment "${args[0]}"; expected one of: ${environments.map((candidate) => candidate.name).join(", ")}.`);
      return 1;
    }
    console.log(`environment=${environment.name}\nregion=${environment.region}\nbranch=${environment.branch}`);
    return 0;
  }
  if (command === "preflight" && args.length === 1) {
    // Run before a deploy takes any credential: settings that would make it fail or alert nobody.
    const environment = environments.find((candidate) => candidate.name === args[0]);
    if (!environment) {
      console.error(`Unknown environment "${args[0]}"; expected one of: ${environments.map((candidate) => candidate.name).join(", ")}.`);
      return 1;
    }
    const problems = placeholderProblems(environment);
    for (const problem of problems) console.log(`::error file=${problem.file},title=${problem.field} is a placeholder::${problem.message}`);
    if (problems.length === 0) console.log(`${environment.file}: no placeholder settings.`);
    return problems.length === 0 ? 0 : 1;
  }
  if (command === "check-destroy" && (args.length === 2 || args.length === 3)) {
    const result = checkDestroyRequest(environments, args[0], args[1], args[2]);
    (result.allowed ? console.log : console.error)(result.reason);
    return result.allowed ? 0 : 1;
  }
  console.error("usage: environments.mjs matrix | target <branch> | describe <environment> | preflight <environment> | check-destroy <environment> <confirm> [<git ref>]");
  return 2;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    process.exitCode = 1;
  }
}
