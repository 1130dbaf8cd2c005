// scripts/promote.mjs against real git: a bare origin, pull requests merged
// with merge commits as GitHub's "Create a merge commit" does, and an operator
// clone with uncommitted work that the promotion must never touch.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readEnvironments } from "../../scripts/environments.mjs";
import { EXIT_CODES, type GitRunner, checkPromotionRequest, createGitRunner, promotionBranchName, runPromote } from "../../scripts/promote.mjs";
import { environmentsDir, repoRoot } from "../support/environments";
import { type EnvironmentFixture, PromotionRepository, isolatedGitEnv, writeEnvironmentFiles } from "./support/promotion-repository";

// Fixture environments (not the shipped ones): a branch with a slash and
// branch names that differ from environment names, so nothing relies on
// `dev`/`staging`/`prod`.
const ENVIRONMENTS: readonly EnvironmentFixture[] = [
  { name: "integration", branch: "integration" },
  { name: "preprod", branch: "release/preprod" },
  { name: "live", branch: "live" },
];
const [FIRST, SECOND, THIRD] = ENVIRONMENTS.map((environment) => environment.branch) as [string, string, string];

/** Commands that move a ref or touch the working tree or index; the promotion may only push. */
const WRITING_COMMANDS = new Set(["push", "update-ref", "branch", "checkout", "switch", "reset", "merge", "commit", "rebase", "tag", "cherry-pick", "am", "stash", "restore", "symbolic-ref"]);

interface PromotionRun {
  readonly code: number;
  readonly stdout: string[];
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly calls: string[][];
  readonly branch: string;
  /** Remote heads after the run. */
  readonly heads: Record<string, string>;
}

/**
 * Runs the promotion as its command line does and checks, every time, what it
 * must never do: move the source or target branch (on the remote or in the
 * operator's clone), touch the operator's working tree, index, HEAD or local
 * branches, or push anything but the promotion branch.
 */
function runPromotion(
  repo: PromotionRepository,
  from: string,
  to: string,
  options: { args?: string[]; wrap?: (git: GitRunner) => GitRunner } = {},
): PromotionRun {
  const branch = promotionBranchName(from, to);
  const before = { remote: repo.remoteHeads(), operator: repo.operatorState() };
  const calls: string[][] = [];
  const real = repo.operatorGit();
  const recording: GitRunner = (args) => {
    calls.push([...args]);
    return real(args);
  };
  const git = options.wrap ? options.wrap(recording) : recording;
  const stdout: string[] = [];
  const stderr: string[] = [];
  const outputs: Record<string, string> = {};
  let summary = "";
  const code = runPromote(["--from", from, "--to", to, ...(options.args ?? [])], {
    git,
    environments: () => readEnvironments(repo.environmentsDir),
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    writeOutput: (key, value) => {
      outputs[key] = value;
    },
    writeSummary: (markdown) => {
      summary += markdown;
    },
  });
  const after = { remote: repo.remoteHeads(), operator: repo.operatorState() };

  expect({ [from]: after.remote[from], [to]: after.remote[to] }).toEqual({ [from]: before.remote[from], [to]: before.remote[to] });
  const changed = Object.keys({ ...before.remote, ...after.remote }).filter((name) => before.remote[name] !== after.remote[name]);
  expect(changed.filter((name) => name !== branch)).toEqual([]);
  expect(after.operator).toEqual(before.operator);
  expect(existsSync(join(repo.operator, ".git", "MERGE_HEAD"))).toBe(false);
  const writes = calls.filter((args) => WRITING_COMMANDS.has(args[0]!));
  for (const write of writes) {
    expect(write[0]).toBe("push");
    expect(write.filter((arg) => arg.includes(":refs/") && !arg.startsWith("--"))).toEqual([expect.stringMatching(new RegExp(`^[0-9a-f]{40}:refs/heads/${branch}$`))]);
  }
  return { code, stdout, stderr: stderr.join("\n"), outputs, summary, calls, branch, heads: after.remote };
}

/** Uncommitted work in the operator's clone: a modified tracked file and an untracked one. */
function dirtyOperatorTree(repo: PromotionRepository): void {
  writeFileSync(join(repo.operator, "README.md"), "# work in progress\n");
  writeFileSync(join(repo.operator, "notes.txt"), "not committed\n");
}

/** Asserts the run succeeded and its branch is a pull request branch GitHub would call up to date. */
function expectUpToDatePromotion(repo: PromotionRepository, run: PromotionRun, from: string, to: string): string {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: EXIT_CODES.ok, stderr: expect.any(String) });
  expect(run.stdout.at(-1)).toBe(run.branch);
  const promotion = run.heads[run.branch]!;
  expect(promotion).toMatch(/^[0-9a-f]{40}$/);
  expect(repo.isAncestor(run.heads[from]!, promotion)).toBe(true);
  expect(repo.isAncestor(run.heads[to]!, promotion)).toBe(true);
  expect(run.outputs).toEqual({ status: expect.stringMatching(/^(created|updated|unchanged)$/), branch: run.branch, "source-sha": run.heads[from], "target-sha": run.heads[to], "promotion-sha": promotion });
  return promotion;
}

/** Promotes and merges the pull request as GitHub would (merge commit, branch protection "up to date"). */
function promoteAndMerge(repo: PromotionRepository, from: string, to: string, options: { deleteHead?: boolean } = {}): PromotionRun {
  const run = runPromotion(repo, from, to);
  expectUpToDatePromotion(repo, run, from, to);
  const pull = repo.openPullFor(run.branch, to) ?? repo.openPull(run.branch, to, `Promote ${from} to ${to}`);
  repo.merge(pull, { deleteHead: options.deleteHead ?? false });
  return run;
}

describe("scripts/promote.mjs: successive promotions with real git", () => {
  it("promotes three times in a row with fixes merged straight into the target in between; every promotion branch is up to date and merges with a merge commit", () => {
    const repo = new PromotionRepository(ENVIRONMENTS);
    dirtyOperatorTree(repo);
    const statuses: string[] = [];
    for (let round = 1; round <= 3; round += 1) {
      repo.mergeFeature(FIRST, `Feature ${round}`, { [`features/${round}.txt`]: `feature ${round}\n` });
      const heads = repo.remoteHeads();
      if (round > 1) {
        // The deadlock this replaces: a pull request straight from the source is out of date.
        expect(repo.isAncestor(heads[SECOND]!, heads[FIRST]!)).toBe(false);
      }
      // Round 2 finds the merged branch of round 1 (kept), round 3 none (deleted on merge).
      const run = promoteAndMerge(repo, FIRST, SECOND, { deleteHead: round === 2 });
      statuses.push(run.outputs.status!);
      const after = repo.remoteHeads();
      // GitHub's merge commit: first parent the old target, second the promotion branch.
      expect(repo.git(repo.origin, ["rev-parse", `${after[SECOND]}^1`, `${after[SECOND]}^2`]).trim().split("\n")).toEqual([heads[SECOND], run.heads[run.branch]]);
      repo.mergeFeature(SECOND, `Fix ${round}`, { [`fixes/${round}.txt`]: `fix ${round}\n` });
    }
    expect(statuses).toEqual(["created", "updated", "created"]);
    for (let round = 1; round <= 3; round += 1) {
      expect(repo.fileOn(SECOND, `features/${round}.txt`)).toBe(`feature ${round}\n`);
      expect(repo.fileOn(SECOND, `fixes/${round}.txt`)).toBe(`fix ${round}\n`);
      expect(repo.fileOn(FIRST, `fixes/${round}.txt`)).toBeUndefined();
    }
  });

  it("promotes onwards (second → third), and back-merges fixes made straight into the second and third branches", () => {
    const repo = new PromotionRepository(ENVIRONMENTS);
    repo.mergeFeature(FIRST, "Feature", { "feature.txt": "feature\n" });
    promoteAndMerge(repo, FIRST, SECOND);
    repo.mergeFeature(SECOND, "Hotfix on the second branch", { "fix-second.txt": "fix\n" });
    promoteAndMerge(repo, SECOND, THIRD);
    expect(repo.fileOn(THIRD, "feature.txt")).toBe("feature\n");
    expect(repo.fileOn(THIRD, "fix-second.txt")).toBe("fix\n");

    // A fix made straight into the third branch goes back one step, then the second goes back to the first.
    repo.mergeFeature(THIRD, "Hotfix on the third branch", { "fix-third.txt": "fix\n" });
    promoteAndMerge(repo, THIRD, SECOND);
    promoteAndMerge(repo, SECOND, FIRST);
    for (const file of ["fix-second.txt", "fix-third.txt"]) expect(repo.fileOn(FIRST, file)).toBe("fix\n");

    // Once back-merged, the next forward promotion carries only the new work.
    repo.mergeFeature(FIRST, "Next feature", { "next.txt": "next\n" });
    const run = promoteAndMerge(repo, FIRST, SECOND);
    expect(run.outputs.status).toBe("updated");
    expect(repo.fileOn(SECOND, "next.txt")).toBe("next\n");
  });

  it("says there is nothing to promote, prints no branch and pushes nothing when the target already contains the source head", () => {
    const repo = new PromotionRepository(ENVIRONMENTS);
    repo.mergeFeature(FIRST, "Feature", { "feature.txt": "feature\n" });
    promoteAndMerge(repo, FIRST, SECOND, { deleteHead: true });
    const before = repo.remoteHeads();
    const run = runPromotion(repo, FIRST, SECOND);
    expect(run.code).toBe(EXIT_CODES.ok);
    expect(run.stdout).toEqual([]);
    expect(run.stderr).toMatch(new RegExp(`^${SECOND} \\([0-9a-f]{12}\\) already contains ${FIRST} \\([0-9a-f]{12}\\): nothing to promote, nothing pushed\\.$`));
    expect(run.outputs).toMatchObject({ status: "nothing-to-promote", branch: "", "promotion-sha": "" });
    expect(run.calls.filter((args) => args[0] === "push")).toEqual([]);
    expect(repo.remoteHeads()).toEqual(before);
  });

  it("leaves an up-to-date promotion branch alone (no push) and prints its name again", () => {
    const repo = new PromotionRepository(ENVIRONMENTS);
    repo.mergeFeature(FIRST, "Feature", { "feature.txt": "feature\n" });
    const first = runPromotion(repo, FIRST, SECOND);
    const promotion = expectUpToDatePromotion(repo, first, FIRST, SECOND);
    const again = runPromotion(repo, FIRST, SECOND);
    expectUpToDatePromotion(repo, again, FIRST, SECOND);
    expect(again.outputs.status).toBe("unchanged");
    expect(again.heads[again.branch]).toBe(promotion);
    expect(again.calls.filter((args) => args[0] === "push")).toEqual([]);
  });
});

describe("scripts/promote.mjs: an open promotion branch", () => {
  function withOpenPromotion(): { repo: PromotionRepository; branch: string; manual: string } {
    const repo = new PromotionRepository(ENVIRONMENTS);
    repo.mergeFeature(SECOND, "Fix on the target", { "fix.txt": "fix\n" });
    repo.mergeFeature(FIRST, "Feature", { "feature.txt": "feature\n" });
    const run = runPromotion(repo, FIRST, SECOND);
    expectUpToDatePromotion(repo, run, FIRST, SECOND);
    // Someone pushes to the open promotion branch (a review suggestion, a conflict resolution).
    const manual = repo.pushDirectly(run.branch, "Adjust during review", { "review.txt": "reviewed\n" });
    repo.mergeFeature(FIRST, "Second feature", { "second.txt": "second\n" });
    return { repo, branch: run.branch, manual };
  }

  it("is updated by merging the new heads into it, keeping what was pushed to it, with a fast-forward push", () => {
    const { repo, branch, manual } = withOpenPromotion();
    const run = runPromotion(repo, FIRST, SECOND);
    const promotion = expectUpToDatePromotion(repo, run, FIRST, SECOND);
    expect(run.outputs.status).toBe("updated");
    expect(repo.isAncestor(manual, promotion)).toBe(true);
    const push = run.calls.find((args) => args[0] === "push")!;
    expect(push).toContain(`--force-with-lease=refs/heads/${branch}:${manual}`);
  });

  it("--fresh rebuilds it from the source head, dropping what was pushed to it", () => {
    const { repo, manual } = withOpenPromotion();
    const run = runPromotion(repo, FIRST, SECOND, { args: ["--fresh"] });
    const promotion = expectUpToDatePromotion(repo, run, FIRST, SECOND);
    expect(repo.isAncestor(manual, promotion)).toBe(false);
    expect(repo.git(repo.origin, ["rev-parse", `${promotion}^1`]).trim()).toBe(run.heads[FIRST]);
  });

  it("is never overwritten when someone pushes to it between the fetch and the push (the lease), and the next run builds on their commit", () => {
    const { repo, branch } = withOpenPromotion();
    let concurrent = "";
    const run = runPromotion(repo, FIRST, SECOND, {
      wrap: (git) => (args) => {
        const result = git(args);
        if (args[0] === "fetch") concurrent = repo.pushDirectly(branch, "Pushed meanwhile", { "meanwhile.txt": "meanwhile\n" });
        return result;
      },
    });
    expect(run.code).toBe(EXIT_CODES.failed);
    expect(run.stderr).toContain(`Pushing ${branch} to origin was refused; nothing was pushed:`);
    expect(run.stderr).toMatch(/run the promotion again/);
    expect(run.stdout).toEqual([]);
    expect(run.heads[branch]).toBe(concurrent);

    const retry = runPromotion(repo, FIRST, SECOND);
    const promotion = expectUpToDatePromotion(repo, retry, FIRST, SECOND);
    expect(repo.isAncestor(concurrent, promotion)).toBe(true);
  });
});

describe("scripts/promote.mjs: a merge conflict", () => {
  function conflicting(): PromotionRepository {
    const repo = new PromotionRepository(ENVIRONMENTS);
    repo.mergeFeature(FIRST, "Retitle on the source", { "README.md": "# source title\n", "stacks/app.ts": "export const source = 1;\n" });
    repo.mergeFeature(SECOND, "Retitle on the target", { "README.md": "# target title\n", "stacks/app.ts": "export const target = 1;\n" });
    return repo;
  }

  it("exits 3 naming the conflicting files, pushes nothing and leaves the operator's clone as it was", () => {
    const repo = conflicting();
    dirtyOperatorTree(repo);
    const before = repo.remoteHeads();
    const run = runPromotion(repo, FIRST, SECOND);
    expect(run.code).toBe(EXIT_CODES.conflict);
    expect(run.stdout).toEqual([]);
    expect(run.stderr).toContain(`Merging ${SECOND} (${before[SECOND]!.slice(0, 12)}) into ${FIRST} (${before[FIRST]!.slice(0, 12)}) conflicts in:\n  - README.md\n  - stacks/app.ts\n`);
    expect(run.stderr).toContain("Nothing was pushed, and no branch, index or working tree was changed.");
    expect(run.summary).toContain("- `README.md`\n- `stacks/app.ts`");
    expect(run.calls.filter((args) => args[0] === "push")).toEqual([]);
    expect(repo.remoteHeads()).toEqual(before);
    expect(readFileSync(join(repo.operator, "notes.txt"), "utf8")).toBe("not committed\n");
  });

  it("the printed resolution steps work: resolve by hand, push, run again, and the pull request merges", () => {
    const repo = conflicting();
    const run = runPromotion(repo, FIRST, SECOND);
    expect(run.code).toBe(EXIT_CODES.conflict);
    const steps = run.stderr
      .split("\n")
      .filter((line) => line.startsWith("  git "))
      .map((line) => line.replace(/#.*$/, "").trim().split(/\s+/).slice(1));
    expect(steps.map((args) => args[0])).toEqual(["fetch", "switch", "merge", "push"]);
    for (const args of steps) {
      if (args[0] !== "merge") {
        repo.git(repo.operator, args);
        continue;
      }
      expect(() => repo.git(repo.operator, args)).toThrow(/CONFLICT/);
      writeFileSync(join(repo.operator, "README.md"), "# resolved title\n");
      writeFileSync(join(repo.operator, "stacks", "app.ts"), "export const source = 1;\nexport const target = 1;\n");
      repo.git(repo.operator, ["add", "README.md", "stacks/app.ts"]);
      repo.git(repo.operator, ["commit", "--quiet", "--no-edit"]);
    }
    const again = runPromotion(repo, FIRST, SECOND);
    expectUpToDatePromotion(repo, again, FIRST, SECOND);
    expect(again.outputs.status).toBe("unchanged");
    repo.merge(repo.openPull(again.branch, SECOND, "Promote"));
    expect(repo.fileOn(SECOND, "README.md")).toBe("# resolved title\n");
  });
});

describe("scripts/promote.mjs: why promotion pull requests are merged with a merge commit", () => {
  /** A promoted line edited again on the source after the promotion was merged one way or the other. */
  function editAgainAfterPromotion(merge: (repo: PromotionRepository, pull: ReturnType<PromotionRepository["openPull"]>) => void): PromotionRun {
    const repo = new PromotionRepository(ENVIRONMENTS);
    repo.mergeFeature(SECOND, "Fix on the target", { "fix.txt": "fix\n" });
    repo.mergeFeature(FIRST, "Set the limit", { "limits.txt": "limit = 10\n" });
    const run = runPromotion(repo, FIRST, SECOND);
    expectUpToDatePromotion(repo, run, FIRST, SECOND);
    merge(repo, repo.openPull(run.branch, SECOND, "Promote"));
    repo.deleteBranch(run.branch);
    repo.mergeFeature(FIRST, "Raise the limit", { "limits.txt": "limit = 20\n" });
    return runPromotion(repo, FIRST, SECOND);
  }

  it("after a merge commit, the next promotion merges only what is new", () => {
    const run = editAgainAfterPromotion((repo, pull) => repo.merge(pull));
    expect(run.code).toBe(EXIT_CODES.ok);
  });

  it("after a squash merge, the next promotion conflicts on every promoted line edited since", () => {
    const run = editAgainAfterPromotion((repo, pull) => repo.squashMerge(pull));
    expect(run.code).toBe(EXIT_CODES.conflict);
    expect(run.stderr).toContain("conflicts in:\n  - limits.txt\n");
  });
});

describe("scripts/promote.mjs: refusals", () => {
  it("refuses a branch no environment file names, the same branch twice and bad arguments with exit 2, before running git", () => {
    const repo = new PromotionRepository(ENVIRONMENTS);
    const cases: [string[], RegExp | string][] = [
      [["--from", "feature/new-bucket", "--to", SECOND], `--from "feature/new-bucket" is not an environment branch; expected the branch of an environments/*.json file: `],
      [["--from", FIRST, "--to", "main"], `--to "main" is not an environment branch`],
      [["--from", FIRST, "--to", FIRST], `--from and --to are both "${FIRST}"`],
      [["--from", FIRST], "--to is required."],
      [["--from", FIRST, "--to"], "--to needs a value."],
      [["--from", FIRST, "--to", SECOND, "--force"], 'Unknown argument "--force".'],
    ];
    for (const [args, message] of cases) {
      const calls: string[][] = [];
      const stderr: string[] = [];
      const code = runPromote(args, {
        git: (gitArgs) => {
          calls.push([...gitArgs]);
          return { status: 1, stdout: "", stderr: "" };
        },
        environments: () => readEnvironments(repo.environmentsDir),
        stdout: () => {},
        stderr: (line) => stderr.push(line),
      });
      expect({ args, code, calls }).toEqual({ args, code: EXIT_CODES.invalid, calls: [] });
      expect(stderr.join("\n")).toContain(message);
    }
    const listing: string[] = [];
    runPromote(["--from", "nope", "--to", SECOND], { git: () => ({ status: 0, stdout: "", stderr: "" }), environments: () => readEnvironments(repo.environmentsDir), stdout: () => {}, stderr: (line) => listing.push(line) });
    for (const environment of readEnvironments(repo.environmentsDir)) expect(listing.join("\n")).toContain(`${environment.branch} (${environment.file})`);
  });

  it("accepts every ordered pair of the shipped environment branches and refuses any other branch", () => {
    const environments = readEnvironments(environmentsDir);
    const branches = environments.map((environment) => environment.branch);
    expect(branches.length).toBeGreaterThanOrEqual(2);
    for (const from of branches) {
      for (const to of branches) {
        if (from === to) expect(() => checkPromotionRequest(environments, from, to)).toThrow(/a promotion goes from one environment branch to another/);
        else expect(checkPromotionRequest(environments, from, to)).toBe(`promote/${from}-to-${to}`);
      }
    }
    const other = `not-${branches.join("-")}`;
    expect(() => checkPromotionRequest(environments, branches[0]!, other)).toThrow(
      `--to "${other}" is not an environment branch; expected the branch of an environments/*.json file: ${environments.map((environment) => `${environment.branch} (${environment.file})`).join(", ")}.`,
    );
  });

  it("stops with exit 1 on a shallow clone and on an environment branch the remote lacks, naming what to do", () => {
    const repo = new PromotionRepository(ENVIRONMENTS);
    const shallow = join(repo.root, "shallow");
    repo.git(repo.root, ["clone", "--quiet", "--depth", "1", `file://${repo.origin}`, shallow]);
    const stderr: string[] = [];
    const code = runPromote(["--from", FIRST, "--to", SECOND], {
      git: createGitRunner(shallow, isolatedGitEnv),
      environments: () => readEnvironments(repo.environmentsDir),
      stdout: () => {},
      stderr: (line) => stderr.push(line),
    });
    expect(code).toBe(EXIT_CODES.failed);
    expect(stderr.join("\n")).toMatch(/This clone is shallow.*fetch-depth: 0/s);

    const withMissing = mkdtempSync(join(tmpdir(), "environments-"));
    writeEnvironmentFiles(withMissing, [...ENVIRONMENTS, { name: "qa", branch: "qa" }]);
    const missing: string[] = [];
    expect(
      runPromote(["--from", FIRST, "--to", "qa"], { git: repo.operatorGit(), environments: () => readEnvironments(withMissing), stdout: () => {}, stderr: (line) => missing.push(line) }),
    ).toBe(EXIT_CODES.failed);
    expect(missing.join("\n")).toBe("--to: the remote origin has no branch qa.");
  });
});

describe("scripts/promote.mjs as a command", () => {
  const script = join(repoRoot, "scripts", "promote.mjs");
  const run = (repo: PromotionRepository, args: string[], files: { output: string; summary: string }) =>
    spawnSync(process.execPath, [script, ...args], {
      cwd: repo.operator,
      encoding: "utf8",
      env: { ...isolatedGitEnv, ENVIRONMENTS_DIR: repo.environmentsDir, GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary },
    });

  it("prints the branch name as stdout's last line and writes the step outputs; exits 2 and 3 as documented", () => {
    const repo = new PromotionRepository(ENVIRONMENTS);
    repo.mergeFeature(FIRST, "Feature", { "feature.txt": "feature\n" });
    const dir = mkdtempSync(join(tmpdir(), "runner-"));
    const files = { output: join(dir, "output"), summary: join(dir, "summary") };
    writeFileSync(files.output, "");
    writeFileSync(files.summary, "");

    const promoted = run(repo, ["--from", FIRST, "--to", SECOND], files);
    expect({ status: promoted.status, stderr: promoted.stderr }).toEqual({ status: 0, stderr: expect.stringContaining(`created promote/${FIRST}-to-${SECOND}`) });
    expect(promoted.stdout.trimEnd().split("\n").at(-1)).toBe(`promote/${FIRST}-to-${SECOND}`);
    const heads = repo.remoteHeads();
    expect(readFileSync(files.output, "utf8")).toBe(
      `status=created\nbranch=promote/${FIRST}-to-${SECOND}\nsource-sha=${heads[FIRST]}\ntarget-sha=${heads[SECOND]}\npromotion-sha=${heads[`promote/${FIRST}-to-${SECOND}`]}\n`,
    );
    expect(readFileSync(files.summary, "utf8")).toContain(`### Promotion branch \`promote/${FIRST}-to-${SECOND}\`: created`);

    const refused = run(repo, ["--from", "feature/x", "--to", SECOND], files);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe("");

    repo.mergeFeature(FIRST, "Source side", { "shared.txt": "source\n" });
    repo.mergeFeature(SECOND, "Target side", { "shared.txt": "target\n" });
    const conflict = run(repo, ["--from", FIRST, "--to", SECOND, "--fresh"], files);
    expect(conflict.status).toBe(3);
    expect(conflict.stderr).toContain("conflicts in:\n  - shared.txt\n");
  });
});
