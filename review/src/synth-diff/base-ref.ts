// Synthesizing the pull request's base in a temporary git worktree, sharing
// the checkout's node_modules, so the diff needs no second install.
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Env, ReviewFs } from "../dependencies";
import type { Exec } from "../exec";
import { readStackJson, runSynth } from "./synthesize";

export type BaseSynth =
  | { readonly ok: true; readonly commit: string; readonly stacks: ReadonlyMap<string, unknown>; readonly missingEnvironments: readonly string[] }
  | { readonly ok: false; readonly reason: string };

async function resolveCommit(exec: Exec, root: string, ref: string): Promise<string | undefined> {
  for (const candidate of [ref, `origin/${ref}`]) {
    const result = await exec("git", ["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`], { cwd: root });
    if (result.exitCode === 0) return result.stdout.trim();
  }
  // A shallow checkout (actions/checkout's default) does not have the base: fetch just that commit.
  const fetched = await exec("git", ["fetch", "--no-tags", "--depth=1", "origin", ref], { cwd: root });
  if (fetched.exitCode !== 0) return undefined;
  const result = await exec("git", ["rev-parse", "--verify", "--quiet", "FETCH_HEAD^{commit}"], { cwd: root });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export async function synthesizeBase(options: {
  readonly exec: Exec;
  readonly fs: ReviewFs;
  readonly root: string;
  readonly ref: string;
  readonly environments: readonly string[];
  readonly backend: string;
  readonly env: Env;
  readonly node?: string;
}): Promise<BaseSynth> {
  const { exec, fs, root } = options;
  const commit = await resolveCommit(exec, root, options.ref);
  if (!commit) return { ok: false, reason: `the base ref "${options.ref}" was not found in the checkout or on origin` };
  const worktree = fs.mkdtempSync(join(tmpdir(), "synth-base-"));
  try {
    const added = await exec("git", ["worktree", "add", "--detach", worktree, commit], { cwd: root });
    if (added.exitCode !== 0) return { ok: false, reason: `git worktree add failed: ${added.stderr.trim()}` };
    if (fs.existsSync(join(root, "node_modules"))) fs.symlinkSync(join(root, "node_modules"), join(worktree, "node_modules"), "dir");

    const environmentsDir = join(worktree, "environments");
    const available = fs.existsSync(environmentsDir) ? fs.readdirSync(environmentsDir).filter((file) => file.endsWith(".json")).map((file) => file.slice(0, -5)) : [];
    const wanted = options.environments.length > 0 ? options.environments : available;
    // An environment added by this pull request does not exist at the base: its stack is new.
    const present = wanted.filter((name) => available.includes(name));
    const missingEnvironments = wanted.filter((name) => !available.includes(name));
    const stacks = new Map<string, unknown>();
    if (present.length > 0) {
      const synth = await runSynth({ exec, fs, root: worktree, outdir: join(worktree, "cdktf.out"), environments: present, backend: options.backend, env: options.env, node: options.node });
      if (!synth.ok) return { ok: false, reason: `synth of ${options.ref} (${commit.slice(0, 12)}) failed: ${synth.output.split("\n").slice(0, 20).join("\n")}` };
      for (const stack of synth.stacks) stacks.set(stack.environment, readStackJson(fs, stack));
    }
    return { ok: true, commit, stacks, missingEnvironments };
  } finally {
    await exec("git", ["worktree", "remove", "--force", worktree], { cwd: root });
    fs.rmSync(worktree, { recursive: true, force: true });
    await exec("git", ["worktree", "prune"], { cwd: root });
  }
}
