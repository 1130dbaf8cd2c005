#!/usr/bin/env node
// Builds the branch a promotion pull request merges: the source environment
// branch's head merged with the target's head, pushed as promote/<from>-to-<to>.
//
//   node scripts/promote.mjs --from <branch> --to <branch> [--remote <name>] [--fresh]
//
// Why a branch of its own: branch protection requires a pull request's branch
// to be up to date with its base. After the first merge commit of a promotion,
// the target has a commit the source lacks, so a pull request straight from
// `dev` would have to be updated by merging `staging` into `dev`, which pushes
// to an environment branch without a reviewed pull request (its deploy is
// refused). The promotion branch takes that update instead: it contains the
// source head AND the target head, so the pull request is up to date, and
// neither environment branch moves.
//
// Exit contract:
//   0  Ready: stdout's last line is the promotion branch's name; on the remote it
//      contains the source head and the target head (created, updated, or already
//      so and left alone). Or: the target already contains the source head;
//      stdout stays empty, stderr says so, nothing is pushed.
//   1  git failed (shallow clone, unknown remote, fetch, missing branch, push
//      rejected); nothing was pushed.
//   2  Invalid request (usage, a branch that no environments/*.json names,
//      --from equal to --to); git was not run.
//   3  Merge conflict: stderr names the conflicting files; nothing was pushed.
// Progress and reasons go to stderr. The merge is made with `git merge-tree
// --write-tree` + `git commit-tree` (git 2.38+): no checkout, no index, no local
// branch is touched, so there is never a half-done merge to abort. The only
// push names refs/heads/promote/<from>-to-<to> and nothing else.
// In a workflow (GITHUB_OUTPUT set) it also appends status=, branch=,
// source-sha=, target-sha=, promotion-sha= to GITHUB_OUTPUT, and a short report
// to GITHUB_STEP_SUMMARY.
import { spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { environmentForBranch, readEnvironments } from "./environments.mjs";
import { runWhenExecuted } from "./run-when-executed.mjs";

export const EXIT_CODES = Object.freeze({ ok: 0, failed: 1, invalid: 2, conflict: 3 });

const USAGE = "usage: promote.mjs --from <environment branch> --to <environment branch> [--remote <name>] [--fresh]";

/** A reason to stop, with the exit code of the contract above. */
export class PromotionError extends Error {
  constructor(message, exitCode = EXIT_CODES.failed, conflicts = []) {
    super(message);
    this.name = "PromotionError";
    this.exitCode = exitCode;
    this.conflicts = conflicts;
  }
}

/** One promotion branch per direction, so a second run updates the open promotion instead of starting another. */
export const promotionBranchName = (from, to) => `promote/${from}-to-${to}`;

const short = (sha) => sha.slice(0, 12);

export function parsePromoteArguments(argv) {
  const options = { remote: "origin", fresh: false };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    const equals = argument.indexOf("=");
    const flag = argument.startsWith("--") && equals !== -1 ? argument.slice(0, equals) : argument;
    const inline = flag === argument ? undefined : argument.slice(equals + 1);
    if (flag === "--fresh" && inline === undefined) {
      options.fresh = true;
    } else if (flag === "--from" || flag === "--to" || flag === "--remote") {
      const value = inline ?? argv[(index += 1)];
      if (value === undefined || value === "" || (inline === undefined && value.startsWith("--"))) {
        throw new PromotionError(`${flag} needs a value. ${USAGE}`, EXIT_CODES.invalid);
      }
      options[flag.slice(2)] = value;
    } else {
      throw new PromotionError(`Unknown argument ${JSON.stringify(argument)}. ${USAGE}`, EXIT_CODES.invalid);
    }
  }
  for (const flag of ["from", "to"]) {
    if (!options[flag]) throw new PromotionError(`--${flag} is required. ${USAGE}`, EXIT_CODES.invalid);
  }
  return options;
}

/**
 * Both branches must deploy an environment (environments/*.json `branch`), and
 * differ. Any direction is allowed: dev → staging → prod forwards, and
 * staging → dev or prod → staging to bring back a fix made straight into a
 * later environment.
 */
export function checkPromotionRequest(environments, from, to) {
  const known = environments.map((environment) => `${environment.branch} (${environment.file})`).join(", ");
  for (const [flag, branch] of [["--from", from], ["--to", to]]) {
    if (!environmentForBranch(environments, branch)) {
      throw new PromotionError(
        `${flag} ${JSON.stringify(branch)} is not an environment branch; expected the branch of an environments/*.json file: ${known}.`,
        EXIT_CODES.invalid,
      );
    }
  }
  if (from === to) {
    throw new PromotionError(`--from and --to are both "${from}"; a promotion goes from one environment branch to another.`, EXIT_CODES.invalid);
  }
  const branch = promotionBranchName(from, to);
  const clash = environmentForBranch(environments, branch);
  if (clash) {
    throw new PromotionError(`${clash.file}: branch: "${branch}" is the promotion branch name for ${from} → ${to}; an environment cannot deploy from it.`, EXIT_CODES.invalid);
  }
  return branch;
}

/** Runs git in `cwd`; the result's status is git's exit code. Tests pass this or a recording wrapper. */
export function createGitRunner(cwd, env = process.env) {
  return (args) => {
    const result = spawnSync("git", args, { cwd, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (result.error) throw new PromotionError(`Could not run git: ${result.error.message}`);
    return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
  };
}

function gitOrFail(git, args, what) {
  const result = git(args);
  if (result.status !== 0) {
    throw new PromotionError(`${what} failed (git ${args[0]} exited with ${result.status}):\n${(result.stderr || result.stdout).trim()}`);
  }
  return result.stdout;
}

function isAncestor(git, ancestor, descendant) {
  const result = git(["merge-base", "--is-ancestor", ancestor, descendant]);
  if (result.status === 0 || result.status === 1) return result.status === 0;
  throw new PromotionError(`Comparing ${short(ancestor)} with ${short(descendant)} failed:\n${result.stderr.trim()}`);
}

/** The heads of `branches` on `remote`, by branch name; absent ones are missing. */
function remoteHeads(git, remote, branches) {
  const output = gitOrFail(git, ["ls-remote", "--heads", remote, ...branches.map((branch) => `refs/heads/${branch}`)], `Reading the branches of ${remote}`);
  const heads = new Map();
  for (const line of output.split("\n")) {
    const [sha, ref] = line.split("\t");
    const branch = ref?.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : undefined;
    if (branch && branches.includes(branch)) heads.set(branch, sha);
  }
  return heads;
}

const trackingRef = (remote, branch) => `refs/remotes/${remote}/${branch}`;

function checkRepository(git, remote) {
  const shallow = gitOrFail(git, ["rev-parse", "--is-shallow-repository"], "Reading the repository").trim();
  if (shallow === "true") {
    throw new PromotionError("This clone is shallow, so merge bases cannot be found. Fetch the whole history first (git fetch --unshallow; in a workflow: actions/checkout with fetch-depth: 0).");
  }
  if (git(["remote", "get-url", remote]).status !== 0) {
    throw new PromotionError(`--remote: this repository has no remote named "${remote}" (git remote -v lists them).`);
  }
}

/**
 * Merges `theirs` into `ours` without touching a working tree, index or ref:
 * merge-tree writes the merged tree, commit-tree the merge commit (first parent
 * `ours`, as `git merge` would). A conflict throws with the conflicting files.
 */
function mergeCommit(git, { ours, theirs, message, recovery }) {
  const merged = git(["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs]);
  const fields = merged.stdout.split("\0");
  if (merged.status === 1) {
    const end = fields.indexOf("", 1);
    const files = [...new Set(fields.slice(1, end === -1 ? undefined : end))].sort();
    throw new PromotionError(`${recovery.headline} conflicts in:\n${files.map((file) => `  - ${file}`).join("\n")}\n${recovery.steps}`, EXIT_CODES.conflict, files);
  }
  if (merged.status !== 0) {
    throw new PromotionError(`git merge-tree --write-tree failed (exit code ${merged.status}); promote.mjs needs git 2.38 or later:\n${merged.stderr.trim()}`);
  }
  const tree = fields[0].trim();
  const commit = git(["commit-tree", tree, "-p", ours, "-p", theirs, "-m", message]);
  if (commit.status !== 0) {
    throw new PromotionError(`Creating the merge commit failed (set user.name and user.email, or GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL/GIT_COMMITTER_NAME/GIT_COMMITTER_EMAIL):\n${commit.stderr.trim()}`);
  }
  return commit.stdout.trim();
}

function pushPromotionBranch(git, { remote, branch, promotion, previous }) {
  const ref = `refs/heads/${branch}`;
  // The lease: the branch must still be where it was fetched (or still absent),
  // so a concurrent push to it is never overwritten. The refspec names only it.
  const result = git(["push", "--porcelain", `--force-with-lease=${ref}:${previous ?? ""}`, remote, `${promotion}:${ref}`]);
  if (result.status === 0) return;
  const output = `${result.stdout}${result.stderr}`.trim();
  const hints = [
    previous
      ? `${branch} was at ${short(previous)} when it was fetched; if someone pushed to it since, run the promotion again (it builds on their commits).`
      : `If someone created ${branch} since the fetch, run the promotion again.`,
  ];
  if (/without `?workflows`? permission/.test(output)) {
    hints.push("The push changes .github/workflows, which needs a token with the Workflows permission: configure the promotion GitHub App (README, Bootstrap) or run this script with your own credentials.");
  }
  throw new PromotionError(`Pushing ${branch} to ${remote} was refused; nothing was pushed:\n${output}\n${hints.join("\n")}`);
}

/**
 * Fetches `from`, `to` and the promotion branch, builds the promotion branch
 * and pushes it (only it). The existing promotion branch is reused while it
 * is open (not yet contained in `from` or `to`): the missing heads are merged
 * into it, so commits pushed to it (a conflict resolution) are kept;
 * `fresh` rebuilds it from the source head instead.
 * Returns { status: "nothing-to-promote" | "unchanged" | "created" | "updated", branch, source, target, previous, promotion }.
 */
export function promote({ git, environments, from, to, remote = "origin", fresh = false, log = () => {} }) {
  const branch = checkPromotionRequest(environments, from, to);
  checkRepository(git, remote);
  const heads = remoteHeads(git, remote, [from, to, branch]);
  for (const [flag, name] of [["--from", from], ["--to", to]]) {
    if (!heads.has(name)) throw new PromotionError(`${flag}: the remote ${remote} has no branch ${name}.`);
  }
  const fetched = [from, to, ...(heads.has(branch) ? [branch] : [])];
  gitOrFail(git, ["fetch", "--no-tags", "--quiet", remote, ...fetched.map((name) => `+refs/heads/${name}:${trackingRef(remote, name)}`)], `Fetching ${fetched.join(", ")} from ${remote}`);
  const resolve = (name) => gitOrFail(git, ["rev-parse", "--verify", "--quiet", `${trackingRef(remote, name)}^{commit}`], `Reading ${remote}/${name}`).trim();
  const source = resolve(from);
  const target = resolve(to);
  const previous = heads.has(branch) ? resolve(branch) : undefined;
  const result = { branch, source, target, previous };

  if (isAncestor(git, source, target)) {
    log(`${to} (${short(target)}) already contains ${from} (${short(source)}): nothing to promote, nothing pushed.`);
    return { ...result, status: "nothing-to-promote", promotion: undefined };
  }
  if (previous && !fresh && isAncestor(git, source, previous) && isAncestor(git, target, previous)) {
    log(`${branch} (${short(previous)}) already contains ${from} (${short(source)}) and ${to} (${short(target)}); nothing pushed.`);
    return { ...result, status: "unchanged", promotion: previous };
  }
  // An open promotion branch carries on; one already merged (contained in
  // `from` or `to`) adds nothing and is replaced by a fresh one.
  const reuse = previous !== undefined && !fresh && !isAncestor(git, previous, source) && !isAncestor(git, previous, target);
  const start = reuse ? { name: branch, sha: previous } : { name: from, sha: source };
  const missing = [
    { name: from, sha: source },
    { name: to, sha: target },
  ].filter((head) => !isAncestor(git, head.sha, start.sha));
  const recoverySteps = [
    "Nothing was pushed, and no branch, index or working tree was changed. Resolve it by hand, then run the promotion again",
    "(it finds the branch up to date and opens or updates the pull request):",
    `  git fetch ${remote}`,
    `  git switch -c ${branch} ${remote}/${start.name}`,
    ...missing.map((head) => `  git merge ${remote}/${head.name}      # resolve, git add, git commit`),
    `  git push ${remote} ${branch}`,
  ].join("\n");
  let promotion = start.sha;
  for (const head of missing) {
    if (isAncestor(git, head.sha, promotion)) continue;
    const into = promotion === source ? `${from} (${short(source)})` : `${branch} (${short(promotion)})`;
    promotion = mergeCommit(git, {
      ours: promotion,
      theirs: head.sha,
      message: `Merge ${head.name} (${short(head.sha)}) into ${branch}\n\nPromotion ${from} -> ${to}: ${branch} contains ${from} and is up to date\nwith ${to}, so its pull request needs no update pushed to ${from}.`,
      recovery: { headline: `Merging ${head.name} (${short(head.sha)}) into ${into}`, steps: recoverySteps },
    });
  }
  if (!isAncestor(git, source, promotion) || !isAncestor(git, target, promotion)) {
    throw new PromotionError(`Internal error: ${short(promotion)} does not contain both ${from} and ${to}; nothing was pushed.`);
  }
  pushPromotionBranch(git, { remote, branch, promotion, previous });
  const status = previous ? "updated" : "created";
  log(`${status} ${branch} at ${short(promotion)}: contains ${from} (${short(source)}) and ${to} (${short(target)}). ${from} and ${to} were not pushed.`);
  return { ...result, status, promotion };
}

function summaryOf(result, from, to) {
  if (result.status === "nothing-to-promote") return `### Nothing to promote\n\n\`${to}\` already contains \`${from}\` (\`${short(result.source)}\`).\n`;
  return `### Promotion branch \`${result.branch}\`: ${result.status}\n\n| branch | commit |\n|---|---|\n| \`${from}\` | \`${short(result.source)}\` |\n| \`${to}\` | \`${short(result.target)}\` |\n| \`${result.branch}\` | \`${short(result.promotion)}\` |\n`;
}

/**
 * The command line: parses `argv`, reads the environments, promotes, and
 * reports through the given sinks. Returns the exit code of the contract above.
 */
export function runPromote(argv, { git, environments, stdout, stderr, writeOutput, writeSummary }) {
  try {
    const options = parsePromoteArguments(argv);
    const result = promote({ git, environments: environments(), ...options, log: stderr });
    if (writeOutput) {
      for (const [key, value] of [
        ["status", result.status],
        ["branch", result.status === "nothing-to-promote" ? "" : result.branch],
        ["source-sha", result.source],
        ["target-sha", result.target],
        ["promotion-sha", result.promotion ?? ""],
      ]) writeOutput(key, value);
    }
    writeSummary?.(summaryOf(result, options.from, options.to));
    if (result.status !== "nothing-to-promote") stdout(result.branch);
    return EXIT_CODES.ok;
  } catch (error) {
    if (!(error instanceof PromotionError)) {
      stderr(error instanceof Error ? error.message : String(error));
      return EXIT_CODES.failed;
    }
    stderr(error.message);
    if (error.conflicts.length > 0) {
      writeSummary?.(`### Merge conflict\n\n${error.conflicts.map((file) => `- \`${file.replace(/`/g, "'")}\``).join("\n")}\n\nNothing was pushed. The job log says how to resolve it.\n`);
    }
    return error.exitCode;
  }
}

runWhenExecuted(import.meta.url, (argv, env) => {
  const appendTo = (file) => (file ? (text) => appendFileSync(file, text) : undefined);
  const output = appendTo(env.GITHUB_OUTPUT);
  return runPromote(argv, {
    git: createGitRunner(process.cwd()),
    environments: () => readEnvironments(env.ENVIRONMENTS_DIR || undefined),
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    writeOutput: output ? (key, value) => output(`${key}=${value}\n`) : undefined,
    writeSummary: appendTo(env.GITHUB_STEP_SUMMARY),
  });
});
