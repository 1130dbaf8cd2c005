// Every third-party action pin is the commit of the release tag written beside it. GitHub is out of
// reach here, so scripts/verify-action-pins.mjs resolves each tag (on GitHub or in repository
// snapshots) and records the result in .github/action-pins.json; these tests hold the workflows to
// that record exactly, so a SHA or tag edited by hand without re-verification fails. The script
// itself is tested against real git repositories with lightweight and annotated tags.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requiredMajor } from "../../scripts/node.mjs";
import {
  actionDescriber,
  describeEntries,
  inputProblems,
  readActionSteps,
  metadataInMirror,
  readPins,
  repositoryOf,
  resolveInMirror,
  summarizeMetadata,
  uniquePins,
  verifyCommand,
  verifyPins,
  type DescribedPinEntry,
} from "../../scripts/verify-action-pins.mjs";
import { repoRoot } from "../support/environments";

const record = JSON.parse(readFileSync(join(repoRoot, ".github", "action-pins.json"), "utf8")) as { source: string; pins: DescribedPinEntry[] };
const recorded = new Map(record.pins.map((pin) => [pin.action, pin]));
const nodeMajor = requiredMajor(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")));

describe(".github/action-pins.json and the workflows", () => {
  const { pins, problems } = readPins(repoRoot);

  it("every uses: line is a full SHA with its release tag in a comment", () => {
    expect(problems).toEqual([]);
    expect(pins.length).toBeGreaterThan(0);
  });

  it("every pin is exactly a recorded, verified pin (action, SHA and tag)", () => {
    for (const pin of pins) {
      const entry = recorded.get(pin.action);
      expect({ where: `${pin.file}:${pin.line}`, action: pin.action, sha: pin.sha, tag: pin.tag }).toEqual({
        where: `${pin.file}:${pin.line}`,
        action: pin.action,
        sha: entry?.sha ?? "(not in .github/action-pins.json: run node scripts/verify-action-pins.mjs --write)",
        tag: entry?.tag,
      });
    }
  });

  it("records no action the workflows no longer use", () => {
    expect([...recorded.keys()].sort()).toEqual([...new Set(pins.map((pin) => pin.action))].sort());
  });

  it("records for each pin when and how it was verified, and the command that re-verifies it", () => {
    expect(record.source).toEqual(expect.any(String));
    for (const entry of record.pins) {
      expect(entry.repository).toBe(repositoryOf(entry.action));
      expect(entry.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(entry.tag).toMatch(/^v\d+\.\d+\.\d+$/);
      expect(entry.verified).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(Number.isNaN(Date.parse(entry.verified))).toBe(false);
      expect(entry.verify).toBe(verifyCommand(entry.repository, entry.tag));
    }
  });

  it("every pinned JavaScript action runs on a Node.js at least as new as the project's", () => {
    for (const entry of record.pins) {
      const node = /^node(\d+)$/.exec(entry.using);
      if (node) expect({ action: entry.action, using: Number(node[1]) >= nodeMajor }).toEqual({ action: entry.action, using: true });
      else expect({ action: entry.action, using: entry.using }).toEqual({ action: entry.action, using: expect.stringMatching(/^(composite|docker)$/) });
    }
  });

  it("every with: key is an input the called action declares (pinned release or local action.yml), and every required input is given", () => {
    const steps = readActionSteps(repoRoot);
    expect(steps.filter((step) => step.uses.startsWith("./")).length).toBeGreaterThan(0);
    expect(steps.filter((step) => !step.uses.startsWith("./")).length).toBeGreaterThan(0);
    expect(inputProblems(steps, actionDescriber(repoRoot, record))).toEqual([]);
  });
});

describe("a workflow input the called action does not declare", () => {
  let root: string;
  const workflow = (steps: string) => `on: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n${steps}`;
  const problemsOf = (text: string) => {
    writeFileSync(join(root, ".github", "workflows", "ci.yml"), text);
    return inputProblems(readActionSteps(root), actionDescriber(root, record));
  };
  const setupNode = recorded.get("actions/setup-node")!;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "action-inputs-"));
    mkdirSync(join(root, ".github", "workflows"), { recursive: true });
    mkdirSync(join(root, ".github", "actions", "plan"), { recursive: true });
    writeFileSync(
      join(root, ".github", "actions", "plan", "action.yml"),
      "name: plan\ninputs:\n  environment:\n    description: e\n    required: true\n  working-directory:\n    description: w\n    required: false\nruns:\n  using: node24\n  main: dist/index.js\n",
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("a misspelt input of a local action fails, naming the file, the line and the inputs it has", () => {
    const problems = problemsOf(workflow("      - uses: ./.github/actions/plan\n        with:\n          environment: dev\n          working-directroy: stacks\n"));
    expect(problems).toEqual([
      '.github/workflows/ci.yml:9: job build passes "working-directroy" to ./.github/actions/plan, which declares no such input (it declares: environment, working-directory)',
    ]);
  });

  it("an input the pinned release no longer declares fails, naming the file, the line and the release", () => {
    // always-auth: removed from actions/setup-node in v6 (its README, "Breaking changes").
    const problems = problemsOf(workflow(`      - uses: actions/setup-node@${setupNode.sha} # ${setupNode.tag}\n        with:\n          node-version: 24\n          always-auth: true\n`));
    expect(problems).toEqual([
      `.github/workflows/ci.yml:9: job build passes "always-auth" to actions/setup-node ${setupNode.tag}, which declares no such input (it declares: ${Object.keys(setupNode.inputs).join(", ")})`,
    ]);
  });

  it("a missing required input fails at the uses: line; an unknown action or a SHA not in the record cannot be checked and fails", () => {
    expect(problemsOf(workflow("      - uses: ./.github/actions/plan\n"))).toEqual(['.github/workflows/ci.yml:6: job build calls ./.github/actions/plan without its required input "environment"']);
    expect(problemsOf(workflow("      - uses: ./.github/actions/nowhere\n"))).toEqual([
      ".github/workflows/ci.yml:6: job build uses ./.github/actions/nowhere, whose inputs are unknown (no action.yml, or no entry in .github/action-pins.json)",
    ]);
    expect(problemsOf(workflow(`      - uses: actions/setup-node@${"0".repeat(40)} # ${setupNode.tag}\n`))).toEqual([
      `.github/workflows/ci.yml:6: job build uses actions/setup-node@${"0".repeat(40)}, whose inputs are unknown (no action.yml, or no entry in .github/action-pins.json)`,
    ]);
  });
});

describe("scripts/verify-action-pins.mjs", () => {
  let dir: string;
  let mirrors: string;
  let root: string;
  const git = (gitDir: string, ...args: string[]) =>
    execFileSync("git", ["--git-dir", gitDir, ...args], { encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } }).trim();

  /** A bare repository `<owner>/<repo>` in the mirrors folder: one commit per release, each with the given files. */
  function mirror(repository: string, releases: { tag: string; annotated?: boolean; files: Record<string, string> }[]): Record<string, string> {
    const gitDir = join(mirrors, repository.replace("/", "+"), "repo");
    mkdirSync(gitDir, { recursive: true });
    execFileSync("git", ["init", "--quiet", "--bare", gitDir]);
    const shas: Record<string, string> = {};
    let parent: string | undefined;
    for (const release of releases) {
      const entries = Object.entries(release.files).map(([path, text]) => {
        const blob = execFileSync("git", ["--git-dir", gitDir, "hash-object", "-w", "--stdin"], { input: text, encoding: "utf8" }).trim();
        return `100644 blob ${blob}\t${path}`;
      });
      // Files in subfolders need subtrees: build them bottom-up with git mktree.
      const tree = buildTree(gitDir, entries);
      const commit = git(gitDir, "commit-tree", tree, "-m", release.tag, ...(parent ? ["-p", parent] : []));
      if (release.annotated) git(gitDir, "tag", "-a", release.tag, "-m", release.tag, commit);
      else git(gitDir, "tag", release.tag, commit);
      shas[release.tag] = commit;
      parent = commit;
    }
    return shas;
  }

  function buildTree(gitDir: string, entries: string[]): string {
    const here = entries.filter((entry) => !entry.split("\t")[1]!.includes("/"));
    const folders = new Map<string, string[]>();
    for (const entry of entries.filter((candidate) => candidate.split("\t")[1]!.includes("/"))) {
      const [meta, path] = entry.split("\t") as [string, string];
      const [folder, ...rest] = path.split("/");
      folders.set(folder!, [...(folders.get(folder!) ?? []), `${meta}\t${rest.join("/")}`]);
    }
    const lines = [...here, ...[...folders].map(([folder, inner]) => `040000 tree ${buildTree(gitDir, inner)}\t${folder}`)];
    return execFileSync("git", ["--git-dir", gitDir, "mktree"], { input: `${lines.join("\n")}\n`, encoding: "utf8" }).trim();
  }

  const writeWorkflow = (text: string) => writeFileSync(join(root, ".github", "workflows", "ci.yml"), text);
  const runScript = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, "scripts", "verify-action-pins.mjs"), "--root", root, "--mirrors", mirrors, ...args], { encoding: "utf8" });

  let checkout: Record<string, string>;
  let infracost: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "action-pins-"));
    mirrors = join(dir, "mirrors");
    root = join(dir, "repo");
    mkdirSync(join(root, ".github", "workflows"), { recursive: true });
    mkdirSync(join(root, ".github", "actions", "local"), { recursive: true });
    writeFileSync(join(root, ".github", "actions", "local", "action.yml"), "name: local\nruns:\n  using: node24\n  main: dist/index.js\n");
    const checkoutYml = (using: string) => `name: checkout\ninputs:\n  fetch-depth:\n    default: 1\n  token:\n    required: false\nruns:\n  using: ${using}\n  main: dist/index.js\n`;
    checkout = mirror("actions/checkout", [
      { tag: "v6.0.0", files: { "action.yml": checkoutYml("node20") } },
      { tag: "v7.0.1", annotated: true, files: { "action.yml": checkoutYml("node24") } },
    ]);
    infracost = mirror("infracost/actions", [{ tag: "v4.2.0", files: { "setup/action.yml": "name: setup\ninputs:\n  api-key:\n    required: true\nruns:\n  using: node24\n  main: x.js\n" } }]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("resolves lightweight and annotated tags to their commit in a snapshot, and names what is missing", () => {
    expect(resolveInMirror(mirrors, "actions/checkout", "v6.0.0")).toBe(checkout["v6.0.0"]);
    expect(resolveInMirror(mirrors, "actions/checkout", "v7.0.1")).toBe(checkout["v7.0.1"]);
    expect(() => resolveInMirror(mirrors, "actions/checkout", "v9.9.9")).toThrow(`actions/checkout has no tag v9.9.9 in ${join(mirrors, "actions+checkout", "repo")}`);
    expect(() => resolveInMirror(mirrors, "someone/else", "v1.0.0")).toThrow(`no snapshot of someone/else at ${join(mirrors, "someone+else", "repo")}`);
  });

  it("accepts pins that are their tag's commit and records them with the action.yml of that release", async () => {
    writeWorkflow(`jobs:\n  a:\n    steps:\n      - uses: actions/checkout@${checkout["v7.0.1"]} # v7.0.1\n      - uses: ./.github/actions/local\n      - uses: infracost/actions/setup@${infracost["v4.2.0"]} # v4.2.0\n        with:\n          api-key: x\n`);
    const { pins, problems } = readPins(root);
    expect(problems).toEqual([]);
    const verified = verifyPins(uniquePins(pins).pins, (repository: string, tag: string) => resolveInMirror(mirrors, repository, tag), "2026-11-28");
    expect(verified.problems).toEqual([]);
    const described = await describeEntries(verified.entries, (action: string, sha: string) => metadataInMirror(mirrors, action, sha));
    expect(described).toEqual({
      problems: [],
      entries: [
        { action: "actions/checkout", repository: "actions/checkout", tag: "v7.0.1", sha: checkout["v7.0.1"], verified: "2026-11-28", verify: verifyCommand("actions/checkout", "v7.0.1"), using: "node24", inputs: { "fetch-depth": "optional", token: "optional" } },
        { action: "infracost/actions/setup", repository: "infracost/actions", tag: "v4.2.0", sha: infracost["v4.2.0"], verified: "2026-11-28", verify: verifyCommand("infracost/actions", "v4.2.0"), using: "node24", inputs: { "api-key": "required" } },
      ],
    });
    const written = runScript("--write");
    expect(written.stderr).toBe("");
    expect(written.status).toBe(0);
    expect(JSON.parse(readFileSync(join(root, ".github", "action-pins.json"), "utf8")).pins.map((pin: DescribedPinEntry) => `${pin.action}@${pin.sha} ${pin.tag}`)).toEqual([
      `actions/checkout@${checkout["v7.0.1"]} v7.0.1`,
      `infracost/actions/setup@${infracost["v4.2.0"]} v4.2.0`,
    ]);
  });

  it("refuses a SHA that is not its tag's commit, naming the file, the line and the tag's real commit", () => {
    writeWorkflow(`jobs:\n  a:\n    steps:\n      - uses: actions/checkout@${checkout["v6.0.0"]} # v7.0.1\n`);
    const before = readFileSync(join(root, ".github", "action-pins.json"), "utf8");
    const result = runScript("--write");
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `Action pins that are not the commit of their tag:\n  - .github/workflows/ci.yml:4: actions/checkout@${checkout["v6.0.0"]} says v7.0.1, but actions/checkout's tag v7.0.1 is commit ${checkout["v7.0.1"]}\n`,
    );
    expect(readFileSync(join(root, ".github", "action-pins.json"), "utf8")).toBe(before);
  });

  it("refuses a ref that is not a full SHA, a pin without its tag, and two releases of one action", () => {
    writeWorkflow(
      `jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v7\n      - uses: actions/checkout@${checkout["v7.0.1"]}\n      - uses: actions/checkout@${checkout["v7.0.1"]} # v7.0.1\n      - uses: actions/checkout@${checkout["v6.0.0"]} # v6.0.0\n`,
    );
    const { pins, problems } = readPins(root);
    expect(problems).toEqual([
      ".github/workflows/ci.yml:4: actions/checkout@v7: expected a full 40-hex commit SHA after @",
      `.github/workflows/ci.yml:5: actions/checkout@${checkout["v7.0.1"]}: expected the release tag in a comment, e.g. "# v1.2.3"`,
    ]);
    expect(uniquePins(pins).problems).toEqual([
      `.github/workflows/ci.yml:7: actions/checkout@${checkout["v6.0.0"]} # v6.0.0 differs from .github/workflows/ci.yml:6 (${checkout["v7.0.1"]} # v7.0.1): pin one release everywhere`,
    ]);
    expect(runScript().status).toBe(1);
  });

  it("refuses a with: key the pinned release does not declare, naming the file and the line, and writes nothing", () => {
    writeWorkflow(`jobs:\n  a:\n    steps:\n      - uses: actions/checkout@${checkout["v7.0.1"]} # v7.0.1\n        with:\n          fetch-depht: 0\n`);
    const before = readFileSync(join(root, ".github", "action-pins.json"), "utf8");
    const result = runScript("--write");
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'Action inputs the called action does not declare, or required ones missing:\n  - .github/workflows/ci.yml:6: job a passes "fetch-depht" to actions/checkout v7.0.1, which declares no such input (it declares: fetch-depth, token)\n',
    );
    expect(readFileSync(join(root, ".github", "action-pins.json"), "utf8")).toBe(before);
  });

  it("summarizes an action.yml: the runtime and which inputs a step must pass", () => {
    expect(summarizeMetadata("inputs:\n  b:\n    required: true\n    default: x\n  a:\n    required: 'true'\nruns:\n  using: composite\n", "x/y")).toEqual({ using: "composite", inputs: { a: "required", b: "optional" } });
    expect(() => summarizeMetadata("name: nothing\n", "x/y")).toThrow("x/y: action.yml has no `runs`");
  });
});
