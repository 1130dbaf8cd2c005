#!/usr/bin/env node
// Opens, or updates, THE pull request of a promotion: the promotion branch
// (scripts/promote.mjs) into the target environment branch, with a body that
// lists the pull requests it promotes.
//
//   node scripts/promotion-pull-request.mjs --from <branch> --to <branch> --branch <promotion branch> \
//     --source-sha <sha> --target-sha <sha> --head-sha <sha>
//
// Reads GITHUB_TOKEN (or GH_TOKEN), GITHUB_REPOSITORY, GITHUB_API_URL,
// GITHUB_SERVER_URL and GITHUB_RUN_ID; appends action= (created | updated),
// number= and url= to GITHUB_OUTPUT. Exit code 0 when the pull request is open
// with the current body, 1 otherwise (the message says what to do).
//
// Which pull requests are promoted: the commits on the source branch's
// first-parent line that the target lacks (`git rev-list --first-parent
// target..source`). Every pull request merged into the source lands there as
// one commit or more (a merge commit, a squash commit, rebased commits) and
// nothing else does but direct pushes. Each commit is mapped to its pull
// request through GitHub's commit -> pulls association
// (GET /repos/{owner}/{repo}/commits/{sha}/pulls, "the merged pull request that
// introduced the commit"; docs.github.com/rest/commits/commits), keeping pull
// requests merged into the source branch. Parsing "Merge pull request #N" out of
// commit messages would be less robust: the message is editable when merging,
// follows a per-repository template (it may be the title only), is absent from
// rebase merges, and anyone can type it into a commit of a feature branch.
import { appendFileSync } from "node:fs";
import { createGitRunner } from "./promote.mjs";
import { createGitHubRest, errorMessage } from "./github-rest.mjs";
import { runWhenExecuted } from "./run-when-executed.mjs";

/** Lookups per run; beyond this the body links the comparison instead. */
export const MAX_LOOKUPS = 100;
const BODY_LIMIT = 60000;
const ZERO_WIDTH_JOINER = "\u200d";

export class PullRequestError extends Error {
  constructor(message) {
    super(message);
    this.name = "PullRequestError";
  }
}

/** Text from commits and titles, made inert: no HTML, no markdown structure, no @mention or #reference. */
export function escapeText(text) {
  return text
    .replace(/\r\n|\r|\n/g, " ")
    .replace(/[&<>"]/g, (character) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[character])
    .replace(/[\\`*_{}[\]()!|~^]/g, (character) => `\\${character}`)
    .replace(/([@#])(?=[\p{L}\p{N}_-])/gu, `$1${ZERO_WIDTH_JOINER}`);
}

const short = (sha) => sha.slice(0, 12);

function log(git, args) {
  const result = git(["log", "--no-decorate", "--format=%H%x09%s", ...args]);
  if (result.status !== 0) throw new PullRequestError(`git log ${args.join(" ")} failed:\n${result.stderr.trim()}`);
  return result.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf("\t");
      return { sha: line.slice(0, tab), subject: line.slice(tab + 1) };
    })
    .reverse();
}

/**
 * What the promotion carries, oldest first: the source's first-parent commits
 * the target lacks (`landed`), commits only on the promotion branch (its merge
 * commits and anything pushed to it), and the target's own non-merge commits
 * the source lacks (fixes made straight into the target, to back-merge).
 */
export function promotionCommits(git, { source, target, head }) {
  return {
    landed: log(git, ["--first-parent", source, `^${target}`]),
    promotionOnly: log(git, [head, `^${source}`, `^${target}`]),
    targetOnly: log(git, ["--no-merges", target, `^${source}`]),
  };
}

/** GitHub's REST API for the promotion: the shared client (retries, timeout), throwing PullRequestError on an error answer. */
export function createGitHubRequest({ apiUrl, token, fetch = globalThis.fetch, sleep }) {
  const send = createGitHubRest({ apiUrl, token, userAgent: "promotion-pull-request", fetchImpl: fetch, sleep });
  return async function request(method, path, options = {}) {
    const { status, data } = await send(method, path, options);
    if (status >= 200 && status < 300) return data;
    const message = errorMessage(data);
    const error = new PullRequestError(`${method} ${path}: ${status} ${message}`);
    error.status = status;
    error.githubMessage = message;
    throw error;
  };
}

/**
 * The pull requests merged into `from` that brought `commits` (at most
 * MAX_LOOKUPS are looked up), and the commits none brought (direct pushes).
 */
export async function findPromotedPullRequests({ request, owner, repo, from, commits }) {
  const pulls = new Map();
  const withoutPullRequest = [];
  const looked = commits.slice(-MAX_LOOKUPS);
  for (const commit of looked) {
    const associated = await request("GET", `/repos/${owner}/${repo}/commits/${commit.sha}/pulls`, { query: { per_page: 100 } });
    const merged = (associated ?? []).filter((pull) => pull.merged_at && pull.base?.ref === from);
    if (merged.length === 0) withoutPullRequest.push(commit);
    for (const pull of merged) {
      if (!pulls.has(pull.number)) pulls.set(pull.number, { number: pull.number, title: pull.title ?? "", author: pull.user?.login ?? "", mergedAt: pull.merged_at });
    }
  }
  return { pullRequests: [...pulls.values()], withoutPullRequest, notLookedUp: commits.length - looked.length };
}

const commitLine = (commit) => `- \`${short(commit.sha)}\` ${escapeText(commit.subject)}`;

/** The pull request's body; everything taken from commits or titles is escaped. */
export function renderPromotionBody({ from, to, branch, source, target, head, found, commits, compareUrl, runUrl }) {
  const sections = [
    `<!-- promotion ${escapeText(from)} -> ${escapeText(to)}: written by scripts/promotion-pull-request.mjs; edits are overwritten -->`,
    `Promotes \`${from}\` into \`${to}\` through \`${branch}\`.`,
    "",
    "| branch | commit |",
    "|---|---|",
    `| \`${from}\` (source) | \`${short(source)}\` |`,
    `| \`${to}\` (target) | \`${short(target)}\` |`,
    `| \`${branch}\` (this pull request) | \`${short(head)}\` |`,
    "",
    `\`${branch}\` is \`${from}\` merged with \`${to}\`: up to date with \`${to}\` without anything pushed to \`${from}\`. ` +
      `The plan on this pull request is \`${to}\`'s plan, what merging it applies there. ` +
      `Merge it with **Create a merge commit**: a squash or rebase merge would leave \`${to}\` without \`${from}\`'s commits, and every later promotion would conflict with them.`,
    "",
    `### Pull requests promoted (${found.pullRequests.length})`,
    "",
    ...(found.pullRequests.length === 0
      ? ["_None found._"]
      : found.pullRequests.map((pull) => `- #${pull.number} ${escapeText(pull.title)}${pull.author ? ` (${escapeText(pull.author)})` : ""}`)),
  ];
  if (found.withoutPullRequest.length > 0) {
    sections.push("", `### Commits on \`${from}\` without a pull request (${found.withoutPullRequest.length})`, "", ...found.withoutPullRequest.map(commitLine));
  }
  if (found.notLookedUp > 0) {
    sections.push("", `_${found.notLookedUp} older commits were not looked up; [compare](${compareUrl}) lists them all._`);
  }
  if (commits.promotionOnly.length > 0) {
    sections.push(
      "",
      `### Commits only on \`${branch}\` (${commits.promotionOnly.length})`,
      "",
      `The promotion's own merge commits, and anything pushed to \`${branch}\` (a conflict resolution): reviewed here for the first time.`,
      "",
      ...commits.promotionOnly.map(commitLine),
    );
  }
  if (commits.targetOnly.length > 0) {
    sections.push(
      "",
      `### On \`${to}\` but not on \`${from}\` (${commits.targetOnly.length})`,
      "",
      `Made straight into \`${to}\`; this promotion keeps them. Bring them back to \`${from}\` with a back-merge promotion (from \`${to}\` to \`${from}\`).`,
      "",
      ...commits.targetOnly.map(commitLine),
    );
  }
  if (runUrl) sections.push("", `<sub>Updated by [this run](${runUrl}).</sub>`);
  let body = sections.join("\n");
  if (body.length > BODY_LIMIT) body = `${body.slice(0, BODY_LIMIT)}\n\n… cut; [compare](${compareUrl}) lists every commit.`;
  return body;
}

/** Updates the open pull request from `branch` into `to`, or opens it. */
export async function upsertPromotionPullRequest({ request, owner, repo, to, branch, title, body }) {
  const findOpen = async () =>
    (await request("GET", `/repos/${owner}/${repo}/pulls`, { query: { state: "open", head: `${owner}:${branch}`, base: to, per_page: 100 } }))?.[0];
  const update = async (pull) => {
    const updated = await request("PATCH", `/repos/${owner}/${repo}/pulls/${pull.number}`, { body: { title, body } });
    return { action: "updated", number: updated.number, url: updated.html_url };
  };
  const open = await findOpen();
  if (open) return update(open);
  try {
    const created = await request("POST", `/repos/${owner}/${repo}/pulls`, { body: { title, head: branch, base: to, body } });
    return { action: "created", number: created.number, url: created.html_url };
  } catch (error) {
    if (error.status === 422 && /already exists/i.test(error.githubMessage ?? "")) {
      const raced = await findOpen();
      if (raced) return update(raced);
    }
    if (error.status === 403 && /not permitted to create or approve pull requests/i.test(error.githubMessage ?? "")) {
      throw new PullRequestError(
        `${error.message}\nThe repository does not let GITHUB_TOKEN open pull requests. Either configure the promotion GitHub App (README, Bootstrap), ` +
          `or allow it (Settings → Actions → General → "Allow GitHub Actions to create and approve pull requests"), ` +
          `or open the pull request from ${branch} into ${to} yourself: the branch is pushed.`,
      );
    }
    throw error;
  }
}

function parseArguments(argv) {
  const names = ["from", "to", "branch", "source-sha", "target-sha", "head-sha"];
  const options = {};
  for (let index = 0; index < argv.length; index += 1) {
    const name = argv[index].replace(/^--/, "");
    if (!argv[index].startsWith("--") || !names.includes(name) || argv[index + 1] === undefined) {
      throw new PullRequestError(`Unexpected argument ${JSON.stringify(argv[index])}; expected --${names.join(" --")} with a value each.`);
    }
    options[name] = argv[(index += 1)];
  }
  for (const name of names) if (!options[name]) throw new PullRequestError(`--${name} is required.`);
  return options;
}

/** The command line, given its environment and sinks; returns the exit code. */
export async function runPromotionPullRequest(argv, { git, env, request, stdout, stderr, writeOutput }) {
  try {
    const options = parseArguments(argv);
    const [owner, repo] = (env.GITHUB_REPOSITORY ?? "").split("/");
    if (!owner || !repo) throw new PullRequestError(`GITHUB_REPOSITORY: found ${JSON.stringify(env.GITHUB_REPOSITORY)}, expected owner/name.`);
    if (!env.GITHUB_TOKEN && !env.GH_TOKEN) throw new PullRequestError("GITHUB_TOKEN is not set: the token that opens the pull request (the promotion App's, or the workflow's).");
    const serverUrl = env.GITHUB_SERVER_URL ?? "https://github.com";
    const commits = promotionCommits(git, { source: options["source-sha"], target: options["target-sha"], head: options["head-sha"] });
    const found = await findPromotedPullRequests({ request, owner, repo, from: options.from, commits: commits.landed });
    const body = renderPromotionBody({
      from: options.from,
      to: options.to,
      branch: options.branch,
      source: options["source-sha"],
      target: options["target-sha"],
      head: options["head-sha"],
      found,
      commits,
      compareUrl: `${serverUrl}/${owner}/${repo}/compare/${options["target-sha"]}...${options["source-sha"]}`,
      runUrl: env.GITHUB_RUN_ID ? `${serverUrl}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
    });
    const pull = await upsertPromotionPullRequest({ request, owner, repo, to: options.to, branch: options.branch, title: `Promote ${options.from} to ${options.to}`, body });
    writeOutput?.("action", pull.action);
    writeOutput?.("number", String(pull.number));
    writeOutput?.("url", pull.url ?? "");
    stdout(`${pull.action} #${pull.number} ${pull.url ?? ""}: ${found.pullRequests.length} pull request(s) promoted from ${options.from} to ${options.to}.`);
    return 0;
  } catch (error) {
    stderr(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

runWhenExecuted(import.meta.url, (argv, env) => {
  const token = env.GITHUB_TOKEN || env.GH_TOKEN || "";
  const outputFile = env.GITHUB_OUTPUT;
  return runPromotionPullRequest(argv, {
    git: createGitRunner(process.cwd()),
    env,
    request: createGitHubRequest({ apiUrl: env.GITHUB_API_URL || "https://api.github.com", token }),
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    writeOutput: outputFile ? (key, value) => appendFileSync(outputFile, `${key}=${value}\n`) : undefined,
  });
});
