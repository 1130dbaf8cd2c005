// A repository as GitHub holds it, with plain git: a bare `origin`, a clone
// that stands in for GitHub's merge button (pull requests merged with a merge
// commit, as "Create a merge commit" does) and a clone for the operator who runs
// scripts/promote.mjs. Merged pull requests are recorded like the REST API shows
// them, for a loopback GitHub to serve.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createGitRunner, type GitRunner } from "../../../scripts/promote.mjs";

/** git with no global or system configuration (no signing, no hooks path, no default-branch surprises). */
export const isolatedGitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
  GIT_AUTHOR_NAME: "Operator",
  GIT_AUTHOR_EMAIL: "operator@example.com",
  GIT_COMMITTER_NAME: "Operator",
  GIT_COMMITTER_EMAIL: "operator@example.com",
};

export interface SimulatedPull {
  readonly number: number;
  readonly title: string;
  readonly head: string;
  readonly base: string;
  /** The merge commit on `base`; undefined while open. */
  merge_commit_sha: string | undefined;
  merged_at: string | null;
  state: "open" | "closed";
  readonly user: { readonly login: string };
  body: string;
}

export interface EnvironmentFixture {
  readonly name: string;
  readonly branch: string;
}

/** Writes environment files the way environments/*.json are (only what scripts/environments.mjs reads). */
export function writeEnvironmentFiles(dir: string, environments: readonly EnvironmentFixture[]): void {
  mkdirSync(dir, { recursive: true });
  for (const { name, branch } of environments) {
    writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ branch, region: "eu-west-1", protectData: false }, null, 2)}\n`);
  }
}

/** Runs git in `cwd` and returns stdout; throws with stderr when it fails. */
function git(cwd: string, args: readonly string[]): string {
  const result = spawnSync("git", args, { cwd, env: isolatedGitEnv, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")} exited with ${result.status}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

function commitAt(cwd: string, message: string, clock: number): void {
  const date = new Date(clock).toISOString();
  execFileSync("git", ["commit", "--quiet", "--allow-empty", "-m", message], { cwd, env: { ...isolatedGitEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
}

/** The simulated clock's start: every repository's commits get the same dates, so the same content has the same ids. */
const CLOCK_START = Date.UTC(2026, 0, 5, 9, 0, 0);

/** Pristine repositories by environments and seed, built once per test file. */
const templates = new Map<string, { readonly root: string; readonly clock: number }>();

/** The layout PromotionRepository uses (origin.git, github, operator, environments), built with git. */
function templateFor(environments: readonly EnvironmentFixture[], seed: Readonly<Record<string, string>>): { readonly root: string; readonly clock: number } {
  const key = JSON.stringify([environments, seed]);
  const existing = templates.get(key);
  if (existing) return existing;
  const root = mkdtempSync(join(tmpdir(), "promotion-template-"));
  const origin = join(root, "origin.git");
  const merger = join(root, "github");
  writeEnvironmentFiles(join(root, "environments"), environments);
  git(root, ["init", "--quiet", "--bare", "--initial-branch", environments[0]!.branch, origin]);
  git(root, ["clone", "--quiet", origin, merger]);
  writeFileSync(join(merger, "README.md"), "# infrastructure\n");
  for (const [path, source] of Object.entries(seed)) {
    mkdirSync(dirname(join(merger, path)), { recursive: true });
    cpSync(source, join(merger, path), { recursive: true });
  }
  git(merger, ["add", "--all"]);
  const clock = CLOCK_START + 60_000;
  commitAt(merger, "Initial commit", clock);
  for (const { branch } of environments) git(merger, ["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`]);
  git(root, ["clone", "--quiet", origin, join(root, "operator")]);
  const template = { root, clock };
  templates.set(key, template);
  return template;
}

export class PromotionRepository {
  readonly root = mkdtempSync(join(tmpdir(), "promotion-"));
  readonly origin = join(this.root, "origin.git");
  /** The clone that merges pull requests, as GitHub's merge button. */
  readonly merger = join(this.root, "github");
  /** The clone where the operator runs the promotion. */
  readonly operator = join(this.root, "operator");
  readonly environmentsDir = join(this.root, "environments");
  readonly pulls: SimulatedPull[] = [];
  private clock = CLOCK_START;

  /**
   * Every environment branch starts at one commit. `seed` files (repository
   * path → absolute source path) go into that commit, e.g. the scripts a
   * workflow step runs. The first repository of a kind is built with git and
   * kept as a template; each repository is a copy of it (one copy instead of a
   * dozen git commands), its clones pointed at its own origin.
   */
  constructor(readonly environments: readonly EnvironmentFixture[], seed: Readonly<Record<string, string>> = {}) {
    const template = templateFor(environments, seed);
    cpSync(template.root, this.root, { recursive: true });
    for (const clone of [this.merger, this.operator]) {
      const config = join(clone, ".git", "config");
      writeFileSync(config, readFileSync(config, "utf8").replaceAll(template.root, this.root));
    }
    this.clock = template.clock;
  }

  /** Runs git in `cwd` and returns stdout; throws with stderr when it fails. */
  git(cwd: string, args: readonly string[]): string {
    return git(cwd, args);
  }

  /** The runner scripts/promote.mjs receives, in the operator's clone. */
  operatorGit(): GitRunner {
    return createGitRunner(this.operator, isolatedGitEnv);
  }

  private commit(cwd: string, message: string): void {
    this.clock += 60_000;
    commitAt(cwd, message, this.clock);
  }

  /** Branch heads on the remote (what GitHub holds). */
  remoteHeads(): Record<string, string> {
    const heads: Record<string, string> = {};
    for (const line of this.git(this.origin, ["for-each-ref", "--format=%(refname:strip=2) %(objectname)", "refs/heads"]).split("\n").filter(Boolean)) {
      const [branch, sha] = line.split(" ");
      heads[branch!] = sha!;
    }
    return heads;
  }

  /** Every ref of the operator's clone and whether its working tree and index are clean. */
  operatorState(): { refs: string; status: string; head: string } {
    return {
      refs: this.git(this.operator, ["for-each-ref", "--format=%(refname) %(objectname)"]).split("\n").filter((line) => !line.startsWith("refs/remotes/")).join("\n"),
      status: this.git(this.operator, ["status", "--porcelain", "--untracked-files=all"]),
      head: this.git(this.operator, ["rev-parse", "HEAD"]).trim(),
    };
  }

  isAncestor(ancestor: string, descendant: string): boolean {
    try {
      this.git(this.origin, ["merge-base", "--is-ancestor", ancestor, descendant]);
      return true;
    } catch {
      return false;
    }
  }

  /** A file's content on a remote branch, or undefined. */
  fileOn(branch: string, path: string): string | undefined {
    try {
      return this.git(this.origin, ["show", `refs/heads/${branch}:${path}`]);
    } catch {
      return undefined;
    }
  }

  private nextNumber(): number {
    return this.pulls.length + 1;
  }

  private record(pull: Omit<SimulatedPull, "number" | "body" | "merge_commit_sha" | "merged_at" | "state">): SimulatedPull {
    const recorded: SimulatedPull = { ...pull, number: this.nextNumber(), merge_commit_sha: undefined, merged_at: null, state: "open", body: "" };
    this.pulls.push(recorded);
    return recorded;
  }

  /** Opens a pull request as the API would (the promotion script does this through the loopback GitHub). */
  openPull(head: string, base: string, title: string, login = "promotion-app[bot]"): SimulatedPull {
    return this.record({ head, base, title, user: { login } });
  }

  /**
   * A feature pull request into `base`: a branch with `files` written, merged
   * with a merge commit. Returns the merged pull request.
   */
  mergeFeature(base: string, title: string, files: Readonly<Record<string, string>>, login = "developer"): SimulatedPull {
    const head = `feature/${this.nextNumber()}-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
    this.git(this.merger, ["fetch", "--quiet", "origin"]);
    this.git(this.merger, ["switch", "--quiet", "--force-create", head, `origin/${base}`]);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(this.merger, path)), { recursive: true });
      writeFileSync(join(this.merger, path), content);
    }
    this.git(this.merger, ["add", "--all"]);
    this.commit(this.merger, title);
    this.git(this.merger, ["push", "--quiet", "origin", `HEAD:refs/heads/${head}`]);
    const pull = this.record({ head, base, title, user: { login } });
    return this.merge(pull, { deleteHead: true });
  }

  /** A commit pushed straight to `branch` (no pull request), as bootstrap work might. */
  pushDirectly(branch: string, message: string, files: Readonly<Record<string, string>>): string {
    this.git(this.merger, ["fetch", "--quiet", "origin"]);
    this.git(this.merger, ["switch", "--quiet", "--force-create", "direct", `origin/${branch}`]);
    for (const [path, content] of Object.entries(files)) writeFileSync(join(this.merger, path), content);
    this.git(this.merger, ["add", "--all"]);
    this.commit(this.merger, message);
    this.git(this.merger, ["push", "--quiet", "origin", `HEAD:refs/heads/${branch}`]);
    return this.git(this.merger, ["rev-parse", "HEAD"]).trim();
  }

  /**
   * Merges an open pull request the way GitHub's "Create a merge commit" does
   * (`--no-ff`, first parent = base), after checking what branch protection
   * checks: "require branches to be up to date" (the base head is an ancestor
   * of the head). `deleteHead` is "Automatically delete head branches".
   */
  merge(pull: SimulatedPull, options: { deleteHead?: boolean; requireUpToDate?: boolean } = {}): SimulatedPull {
    this.git(this.merger, ["fetch", "--quiet", "--prune", "origin"]);
    const base = this.git(this.merger, ["rev-parse", `origin/${pull.base}`]).trim();
    const head = this.git(this.merger, ["rev-parse", `origin/${pull.head}`]).trim();
    if (options.requireUpToDate !== false && !this.isAncestor(base, head)) {
      throw new Error(`#${pull.number} (${pull.head} → ${pull.base}) is not up to date with ${pull.base}: branch protection refuses the merge`);
    }
    this.git(this.merger, ["switch", "--quiet", "--force-create", "merging", base]);
    this.clock += 60_000;
    const date = new Date(this.clock).toISOString();
    execFileSync("git", ["merge", "--quiet", "--no-ff", "-m", `Merge pull request #${pull.number} from acme/${pull.head}\n\n${pull.title}`, head], {
      cwd: this.merger,
      env: { ...isolatedGitEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
    // Without a lease the push would overwrite a base that moved meanwhile; GitHub refuses that too.
    this.git(this.merger, ["push", "--quiet", `--force-with-lease=refs/heads/${pull.base}:${base}`, "origin", `HEAD:refs/heads/${pull.base}`]);
    if (options.deleteHead) this.git(this.merger, ["push", "--quiet", "origin", "--delete", pull.head]);
    pull.merge_commit_sha = this.git(this.merger, ["rev-parse", "HEAD"]).trim();
    pull.merged_at = date;
    pull.state = "closed";
    return pull;
  }

  /** "Squash and merge": one new commit on `base` with the head's tree, the head's history left out. */
  squashMerge(pull: SimulatedPull): SimulatedPull {
    this.git(this.merger, ["fetch", "--quiet", "--prune", "origin"]);
    const base = this.git(this.merger, ["rev-parse", `origin/${pull.base}`]).trim();
    this.git(this.merger, ["switch", "--quiet", "--force-create", "merging", base]);
    this.git(this.merger, ["merge", "--quiet", "--squash", `origin/${pull.head}`]);
    this.commit(this.merger, `${pull.title} (#${pull.number})`);
    this.git(this.merger, ["push", "--quiet", `--force-with-lease=refs/heads/${pull.base}:${base}`, "origin", `HEAD:refs/heads/${pull.base}`]);
    pull.merge_commit_sha = this.git(this.merger, ["rev-parse", "HEAD"]).trim();
    pull.merged_at = new Date(this.clock).toISOString();
    pull.state = "closed";
    return pull;
  }

  /** The open pull request from `head` into `base`, if any. */
  openPullFor(head: string, base: string): SimulatedPull | undefined {
    return this.pulls.find((pull) => pull.state === "open" && pull.head === head && pull.base === base);
  }
}
