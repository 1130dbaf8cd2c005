// A repository as GitHub holds it, with plain git: a bare `origin` in which
// pull requests are merged as GitHub's merge button does on its servers (a merge
// commit from the merged tree, the base moved only from where it was) and a
// clone for the operator who runs scripts/promote.mjs. Merged pull requests
// are recorded like the REST API shows them, for a loopback GitHub to serve.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

interface GitOptions {
  /** Standard input (fast-import's stream, update-ref's transaction). */
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs git in `cwd` and returns stdout; throws with stderr when it fails. */
function git(cwd: string, args: readonly string[], options: GitOptions = {}): string {
  const result = spawnSync("git", args, { cwd, env: options.env ?? isolatedGitEnv, encoding: "utf8", input: options.input });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")} exited with ${result.status}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

const IDENTITY = `${isolatedGitEnv.GIT_AUTHOR_NAME} <${isolatedGitEnv.GIT_AUTHOR_EMAIL}>`;

/** git's environment for a commit made at `clock` (milliseconds). */
const datedEnv = (clock: number): NodeJS.ProcessEnv => {
  const date = new Date(clock).toISOString();
  return { ...isolatedGitEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
};

/** A `data` command of git fast-import: the exact byte count, then the bytes. */
const fastImportData = (text: string): string[] => [`data ${Buffer.byteLength(text)}`, text];

/** The simulated clock's start: every repository's commits get the same dates, so the same content has the same ids. */
const CLOCK_START = Date.UTC(2026, 0, 5, 9, 0, 0);

/** Pristine repositories by environments and seed, built once per test file. */
const templates = new Map<string, { readonly root: string; readonly clock: number }>();

/**
 * The layout PromotionRepository uses (origin.git, operator, environments):
 * one commit with README.md and the seed files on every environment branch.
 */
function templateFor(environments: readonly EnvironmentFixture[], seed: Readonly<Record<string, string>>): { readonly root: string; readonly clock: number } {
  const key = JSON.stringify([environments, seed]);
  const existing = templates.get(key);
  if (existing) return existing;
  const root = mkdtempSync(join(tmpdir(), "promotion-template-"));
  const origin = join(root, "origin.git");
  writeEnvironmentFiles(join(root, "environments"), environments);
  git(root, ["init", "--quiet", "--bare", "--initial-branch", environments[0]!.branch, origin]);
  // The first commit is made from a scratch work tree and index outside the template, straight into origin.
  const scratch = mkdtempSync(join(tmpdir(), "promotion-seed-"));
  const tree = join(scratch, "tree");
  mkdirSync(tree);
  writeFileSync(join(tree, "README.md"), "# infrastructure\n");
  for (const [path, source] of Object.entries(seed)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    cpSync(source, join(tree, path), { recursive: true });
  }
  const clock = CLOCK_START + 60_000;
  const seedEnv = { ...datedEnv(clock), GIT_DIR: origin, GIT_WORK_TREE: tree, GIT_INDEX_FILE: join(scratch, "index") };
  git(tree, ["add", "--all"], { env: seedEnv });
  git(tree, ["commit", "--quiet", "-m", "Initial commit"], { env: seedEnv });
  const first = git(origin, ["rev-parse", "HEAD"]).trim();
  git(origin, ["update-ref", "--stdin"], { input: environments.slice(1).map(({ branch }) => `create refs/heads/${branch} ${first}\n`).join("") });
  rmSync(scratch, { recursive: true, force: true });
  git(root, ["clone", "--quiet", origin, join(root, "operator")]);
  const template = { root, clock };
  templates.set(key, template);
  return template;
}

export class PromotionRepository {
  readonly root = mkdtempSync(join(tmpdir(), "promotion-"));
  /** What GitHub holds. Merges and direct pushes are made in it, as GitHub makes them on its servers. */
  readonly origin = join(this.root, "origin.git");
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
   * dozen git commands), its clone pointed at its own origin.
   */
  constructor(readonly environments: readonly EnvironmentFixture[], seed: Readonly<Record<string, string>> = {}) {
    const template = templateFor(environments, seed);
    cpSync(template.root, this.root, { recursive: true });
    const config = join(this.operator, ".git", "config");
    writeFileSync(config, readFileSync(config, "utf8").replaceAll(template.root, this.root));
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

  /** The next commit time of the simulated clock, a minute after the last. */
  private tick(): number {
    this.clock += 60_000;
    return this.clock;
  }

  /**
   * One commit on `ref` in origin with `files` written over `parent`'s tree,
   * made with one git fast-import (no clone, no push). Returns its id.
   */
  private commitFiles(ref: string, parent: string, message: string, files: Readonly<Record<string, string>>): string {
    const when = `${IDENTITY} ${Math.floor(this.tick() / 1000)} +0000`;
    const stream = [`commit ${ref}`, "mark :1", `author ${when}`, `committer ${when}`, ...fastImportData(message), `from ${parent}`];
    for (const [path, content] of Object.entries(files)) stream.push(`M 100644 inline ${path}`, ...fastImportData(content));
    stream.push("get-mark :1", "");
    return git(this.origin, ["fast-import", "--quiet"], { input: stream.join("\n") }).trim();
  }

  /** The tree of `theirs` merged into `ours`, as GitHub's merge button computes it; a conflict throws (GitHub offers no merge). */
  private mergedTree(ours: string, theirs: string, what: string): string {
    const result = spawnSync("git", ["merge-tree", "--write-tree", "--no-messages", ours, theirs], { cwd: this.origin, env: isolatedGitEnv, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${what} cannot be merged (git merge-tree exited with ${result.status}):\n${result.stdout}${result.stderr}`);
    return result.stdout.split("\n")[0]!.trim();
  }

  private commitTree(tree: string, parents: readonly string[], message: string, clock: number): string {
    return git(this.origin, ["commit-tree", tree, ...parents.flatMap((parent) => ["-p", parent]), "-m", message], { env: datedEnv(clock) }).trim();
  }

  /** Moves refs in one transaction, each only from the value given (GitHub refuses a merge into a base that moved meanwhile). */
  private updateRefs(commands: readonly string[]): void {
    git(this.origin, ["update-ref", "--stdin"], { input: commands.map((command) => `${command}\n`).join("") });
  }

  private heads(...branches: readonly string[]): string[] {
    return git(this.origin, ["rev-parse", ...branches.map((branch) => `refs/heads/${branch}`)]).trim().split("\n");
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
   * A feature pull request into `base`: a branch from `base` with `files`
   * written, merged with a merge commit, its branch deleted. Returns the merged
   * pull request.
   */
  mergeFeature(base: string, title: string, files: Readonly<Record<string, string>>, login = "developer"): SimulatedPull {
    const head = `feature/${this.nextNumber()}-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
    this.commitFiles(`refs/heads/${head}`, `refs/heads/${base}^0`, title, files);
    const pull = this.record({ head, base, title, user: { login } });
    return this.merge(pull, { deleteHead: true });
  }

  /** A commit pushed straight to `branch` (no pull request), as bootstrap work might. Returns its id. */
  pushDirectly(branch: string, message: string, files: Readonly<Record<string, string>>): string {
    // fast-import reads `<ref>^0` from the repository: a branch cannot start from itself by name.
    return this.commitFiles(`refs/heads/${branch}`, `refs/heads/${branch}^0`, message, files);
  }

  /** Deletes a branch on the remote (the "Delete branch" button). */
  deleteBranch(branch: string): void {
    this.updateRefs([`delete refs/heads/${branch}`]);
  }

  /**
   * Merges an open pull request the way GitHub's "Create a merge commit" does
   * (a merge commit, first parent = base), after checking what branch
   * protection checks: "require branches to be up to date" (the base head is
   * an ancestor of the head). `deleteHead` is "Automatically delete head branches".
   */
  merge(pull: SimulatedPull, options: { deleteHead?: boolean; requireUpToDate?: boolean } = {}): SimulatedPull {
    const [base, head] = this.heads(pull.base, pull.head) as [string, string];
    if (options.requireUpToDate !== false && !this.isAncestor(base, head)) {
      throw new Error(`#${pull.number} (${pull.head} → ${pull.base}) is not up to date with ${pull.base}: branch protection refuses the merge`);
    }
    const tree = this.mergedTree(base, head, `#${pull.number} (${pull.head} → ${pull.base})`);
    const clock = this.tick();
    const merge = this.commitTree(tree, [base, head], `Merge pull request #${pull.number} from acme/${pull.head}\n\n${pull.title}`, clock);
    this.updateRefs([`update refs/heads/${pull.base} ${merge} ${base}`, ...(options.deleteHead ? [`delete refs/heads/${pull.head} ${head}`] : [])]);
    pull.merge_commit_sha = merge;
    pull.merged_at = new Date(clock).toISOString();
    pull.state = "closed";
    return pull;
  }

  /** "Squash and merge": one new commit on `base` with the merged tree, the head's history left out. */
  squashMerge(pull: SimulatedPull): SimulatedPull {
    const [base, head] = this.heads(pull.base, pull.head) as [string, string];
    const tree = this.mergedTree(base, head, `#${pull.number} (${pull.head} → ${pull.base})`);
    const clock = this.tick();
    const squash = this.commitTree(tree, [base], `${pull.title} (#${pull.number})`, clock);
    this.updateRefs([`update refs/heads/${pull.base} ${squash} ${base}`]);
    pull.merge_commit_sha = squash;
    pull.merged_at = new Date(clock).toISOString();
    pull.state = "closed";
    return pull;
  }

  /** The open pull request from `head` into `base`, if any. */
  openPullFor(head: string, base: string): SimulatedPull | undefined {
    return this.pulls.find((pull) => pull.state === "open" && pull.head === head && pull.base === base);
  }
}
