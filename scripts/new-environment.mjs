#!/usr/bin/env node
// Adds an environment: `npm run new-environment -- <name> --from <existing> [options]`.
//
// Writes environments/<name>.json as a copy of <existing> with its own suffix, branch,
// Terraform Cloud workspace and alert address, adds the environment to every list a
// workflow must spell out (WORKFLOW_ENVIRONMENT_LISTS), and prints what is left to do
// outside the repository. Nothing is written when any check fails.
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { runWhenExecuted } from "./run-when-executed.mjs";

const defaultRepoRoot = join(fileURLToPath(new URL(".", import.meta.url)), "..");

/**
 * Every list in a workflow that must name each environment (GitHub expressions cannot
 * read files in `on:`, so these stay literal). test/workflows/workflows.test.ts checks
 * each equals the environment files; this script keeps them so.
 */
export const WORKFLOW_ENVIRONMENT_LISTS = [
  { file: ".github/workflows/deploy.yml", path: ["on", "push", "branches"], field: "branch" },
  { file: ".github/workflows/destroy.yml", path: ["on", "workflow_dispatch", "inputs", "environment", "options"], field: "name" },
  { file: ".github/workflows/promote.yml", path: ["on", "workflow_dispatch", "inputs", "from", "options"], field: "branch" },
  { file: ".github/workflows/promote.yml", path: ["on", "workflow_dispatch", "inputs", "to", "options"], field: "branch" },
];

const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,29}$/;
const SUFFIX = /^[a-z][a-z0-9]{1,11}$/;
const BRANCH = /^[A-Za-z0-9._/-]+$/;
const WORKSPACE = /^[A-Za-z0-9_-]{1,90}$/;

export class NewEnvironmentError extends Error {}

/** Reads `--key value` options after the positional name. */
export function parseArguments(argv) {
  const usage = "usage: npm run new-environment -- <name> --from <existing> [--branch <branch>] [--suffix <suffix>] [--workspace <workspace>] [--alert-email <address>]";
  const [name, ...rest] = argv;
  if (!name || name.startsWith("--")) throw new NewEnvironmentError(`Missing the new environment's name.\n${usage}`);
  const options = {};
  const known = new Set(["from", "branch", "suffix", "workspace", "alert-email"]);
  for (let index = 0; index < rest.length; index += 2) {
    const flag = rest[index];
    const value = rest[index + 1];
    const key = flag?.startsWith("--") ? flag.slice(2) : undefined;
    if (!key || !known.has(key)) throw new NewEnvironmentError(`Unknown argument ${JSON.stringify(flag)}.\n${usage}`);
    if (value === undefined || value.startsWith("--")) throw new NewEnvironmentError(`${flag} needs a value.\n${usage}`);
    options[key] = value;
  }
  if (!options.from) throw new NewEnvironmentError(`--from <existing environment> is required: the new file starts as a copy of it.\n${usage}`);
  return { name, options };
}

/** Replaces `from` where it stands as a whole token (`trading-platform-dev` → `trading-platform-qa`). */
function renameToken(value, from, to) {
  const pattern = new RegExp(`(^|[^a-z0-9])${from.replace(/[-]/g, "\\-")}(?=$|[^a-z0-9])`, "g");
  return pattern.test(value) ? value.replace(pattern, (_match, before) => `${before}${to}`) : undefined;
}

/**
 * Works out the new file and the workflow edits without touching the disk.
 * `environments` maps each existing environment name to its parsed file;
 * `workflowTexts` maps each WORKFLOW_ENVIRONMENT_LISTS file to its text.
 */
export function planNewEnvironment({ name, options, environments, workflowTexts }) {
  const known = Object.keys(environments).sort();
  const file = `environments/${name}.json`;
  if (!ENVIRONMENT_NAME.test(name)) {
    throw new NewEnvironmentError(`${file}: the name ${JSON.stringify(name)} is not usable; expected 1–30 lower-case letters, digits or '-', starting with a letter.`);
  }
  if (name in environments) throw new NewEnvironmentError(`${file} already exists; choose another name (existing: ${known.join(", ")}).`);
  const source = environments[options.from];
  if (!source) throw new NewEnvironmentError(`--from: unknown environment ${JSON.stringify(options.from)}; expected one of: ${known.join(", ")}.`);
  const sourceFile = `environments/${options.from}.json`;

  const suffix = options.suffix ?? name.replace(/[^a-z0-9]/g, "");
  const branch = options.branch ?? name;
  const workspace = options.workspace ?? renameToken(String(source.terraformCloud?.workspace ?? ""), options.from, name);
  const email = options["alert-email"] ?? renameToken(String(source.alerts?.email ?? ""), options.from, name);

  const problems = [];
  if (!SUFFIX.test(suffix)) problems.push(`environmentSuffix: ${JSON.stringify(suffix)} is not usable; expected 2–12 lower-case letters or digits starting with a letter (pass --suffix)`);
  if (!BRANCH.test(branch)) problems.push(`branch: ${JSON.stringify(branch)} is not a git branch name (pass --branch)`);
  if (!workspace) problems.push(`terraformCloud.workspace: cannot derive one from ${sourceFile}'s ${JSON.stringify(source.terraformCloud?.workspace)} (it does not contain "${options.from}"); pass --workspace`);
  else if (!WORKSPACE.test(workspace)) problems.push(`terraformCloud.workspace: ${JSON.stringify(workspace)} is not a Terraform Cloud workspace name (letters, digits, - and _)`);
  if (!email) problems.push(`alerts.email: cannot derive one from ${sourceFile}'s ${JSON.stringify(source.alerts?.email)} (it does not contain "${options.from}"); pass --alert-email`);
  for (const [other, data] of Object.entries(environments)) {
    const otherFile = `environments/${other}.json`;
    if (data.environmentSuffix === suffix) problems.push(`environmentSuffix: ${JSON.stringify(suffix)} is already used by ${otherFile} (pass --suffix)`);
    if (data.branch === branch) problems.push(`branch: ${JSON.stringify(branch)} is already the branch of ${otherFile} (pass --branch)`);
    if (workspace && data.terraformCloud?.workspace === workspace && data.terraformCloud?.organization === source.terraformCloud?.organization) {
      problems.push(`terraformCloud.workspace: ${JSON.stringify(workspace)} is already used by ${otherFile} (pass --workspace)`);
    }
  }
  if (problems.length > 0) throw new NewEnvironmentError(`Cannot add ${file}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);

  const data = JSON.parse(JSON.stringify(source));
  data.environmentSuffix = suffix;
  data.branch = branch;
  data.terraformCloud = { ...data.terraformCloud, workspace };
  data.alerts = { ...data.alerts, email };
  const everyone = { ...environments, [name]: data };

  // One write per workflow file, with every list it holds replaced.
  const workflowWrites = new Map();
  for (const list of WORKFLOW_ENVIRONMENT_LISTS) {
    const values = Object.entries(everyone).map(([environmentName, environment]) => (list.field === "name" ? environmentName : environment.branch)).sort();
    const text = workflowWrites.has(list.file) ? workflowWrites.get(list.file) : workflowTexts[list.file];
    workflowWrites.set(list.file, replaceFlowList(text, list, values));
  }
  const writes = [{ path: file, text: `${JSON.stringify(data, null, 2)}\n` }, ...[...workflowWrites].map(([path, text]) => ({ path, text }))];
  return { file, data, writes, steps: remainingSteps({ name, data, from: options.from, source }) };
}

/** Rewrites one flow sequence (`[dev, prod]`) in place, leaving every other byte of the file alone. */
export function replaceFlowList(text, list, values) {
  if (text === undefined) throw new NewEnvironmentError(`${list.file}: not found; it should hold the list at ${list.path.join(".")}`);
  const document = parseDocument(text);
  const node = document.getIn(list.path, true);
  if (!node || !Array.isArray(node.items) || !node.flow || !node.range) {
    throw new NewEnvironmentError(`${list.file}: ${list.path.join(".")}: expected a one-line list such as [dev, prod, staging]`);
  }
  const [start, end] = node.range;
  return `${text.slice(0, start)}[${values.join(", ")}]${text.slice(end)}`;
}

function remainingSteps({ name, data, from, source }) {
  const workspace = data.terraformCloud.workspace;
  const organization = data.terraformCloud.organization;
  return [
    `Review environments/${name}.json (copied from ${from}: capacity, backups, protectData ${data.protectData}, account "${data.account ?? "(default)"}", region ${data.region}), then run: npm run synth -- ${name} && npm test`,
    `Terraform Cloud (${organization}): create the workspace ${workspace} with Execution Mode "Local", and give it the same team access as ${source.terraformCloud.workspace} (README: Day 1, Terraform Cloud).`,
    `AWS: the plan and apply roles of ${name} are created by its account's bootstrap: npm run synth:bootstrap, then apply that account's stack with its administrator credentials (README: Day 1, AWS).`,
    `GitHub: create the Environments "${name}" (deployment branch ${data.branch} only; reviewers if it holds real data) and "${name}-plan" (deployment branch rule refs/pull/*/merge), each with its Terraform token secret (README: Day 1, GitHub).`,
    `Git, before merging these files: create the branch from ${from}'s branch as it is now (it lacks environments/${name}.json, so the push deploys nothing): git push origin origin/${source.branch}:refs/heads/${data.branch}; protect it like the other environment branches.`,
    `Merge these files into ${source.branch} through a pull request, then promote ${source.branch} -> ${data.branch} (Actions -> promote): that pull request shows ${name}'s first plan, and merging it deploys ${name} (README: Day 2, add an environment).`,
  ];
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new NewEnvironmentError(`${path}: not valid JSON (${error.message})`);
  }
}

/** Reads the repository, plans, and writes every file only when the whole plan is sound. */
export function addEnvironment(argv, repoRoot = defaultRepoRoot, listFiles) {
  const { name, options } = parseArguments(argv);
  const environmentsDir = join(repoRoot, "environments");
  const environments = Object.fromEntries(listFiles(environmentsDir).filter((file) => file.endsWith(".json")).map((file) => [file.slice(0, -5), readJson(join(environmentsDir, file))]));
  const workflowTexts = {};
  for (const list of WORKFLOW_ENVIRONMENT_LISTS) {
    try {
      workflowTexts[list.file] = readFileSync(join(repoRoot, list.file), "utf8");
    } catch {
      workflowTexts[list.file] = undefined;
    }
  }
  const plan = planNewEnvironment({ name, options, environments, workflowTexts });
  // Stage every file first, then move them into place: a failure while staging leaves the repository untouched.
  const staged = plan.writes.map((write) => {
    const target = join(repoRoot, write.path);
    const temporary = `${target}.new-environment-${process.pid}`;
    writeFileSync(temporary, write.text);
    return { temporary, target };
  });
  for (const { temporary, target } of staged) renameSync(temporary, target);
  return plan;
}

function main(argv) {
  try {
    const plan = addEnvironment(argv, defaultRepoRoot, (dir) => readdirSync(dir));
    console.log(`Wrote ${plan.writes.map((write) => write.path).join(", ")}.\n\nWhat is left to do:`);
    plan.steps.forEach((step, index) => console.log(`${index + 1}. ${step}`));
    return 0;
  } catch (error) {
    console.error(error instanceof NewEnvironmentError ? error.message : (error?.stack ?? String(error)));
    return 1;
  }
}

runWhenExecuted(import.meta.url, main);
