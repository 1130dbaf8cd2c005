// scripts/promotion-pull-request.mjs: the promotion pull request's body lists
// what the promotion carries (from real git history and the commit -> pulls
// association of a loopback GitHub), and one pull request is opened, then updated.
import { readEnvironments } from "../../scripts/environments.mjs";
import { runPromote } from "../../scripts/promote.mjs";
import { createGitHubRequest, escapeText, runPromotionPullRequest } from "../../scripts/promotion-pull-request.mjs";
import { OWNER, REPO, type PromotionGitHub, startPromotionGitHub } from "./support/promotion-github";
import { type EnvironmentFixture, PromotionRepository } from "./support/promotion-repository";

const ENVIRONMENTS: readonly EnvironmentFixture[] = [
  { name: "integration", branch: "integration" },
  { name: "preprod", branch: "release/preprod" },
];
const [FROM, TO] = ENVIRONMENTS.map((environment) => environment.branch) as [string, string];

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
}

/** The workflow's two steps: promote.mjs, then this script with promote.mjs's outputs. */
async function promoteAndOpen(repo: PromotionRepository, github: PromotionGitHub): Promise<Outcome> {
  const promoted: Record<string, string> = {};
  const promoteErrors: string[] = [];
  const code = runPromote(["--from", FROM, "--to", TO], {
    git: repo.operatorGit(),
    environments: () => readEnvironments(repo.environmentsDir),
    stdout: () => {},
    stderr: (line) => promoteErrors.push(line),
    writeOutput: (key, value) => {
      promoted[key] = value;
    },
  });
  expect({ code, stderr: promoteErrors.join("\n") }).toEqual({ code: 0, stderr: expect.any(String) });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const outputs: Record<string, string> = {};
  const exit = await runPromotionPullRequest(
    ["--from", FROM, "--to", TO, "--branch", promoted.branch!, "--source-sha", promoted["source-sha"]!, "--target-sha", promoted["target-sha"]!, "--head-sha", promoted["promotion-sha"]!],
    {
      git: repo.operatorGit(),
      env: { GITHUB_REPOSITORY: `${OWNER}/${REPO}`, GITHUB_TOKEN: "ghs_promotion", GITHUB_SERVER_URL: "https://github.example", GITHUB_RUN_ID: "77" },
      request: createGitHubRequest({ apiUrl: github.github.url, token: "ghs_promotion", sleep: async () => {} }),
      stdout: (line) => stdout.push(line),
      stderr: (line) => stderr.push(line),
      writeOutput: (key, value) => {
        outputs[key] = value;
      },
    },
  );
  return { code: exit, stdout: stdout.join("\n"), stderr: stderr.join("\n"), outputs };
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The "### heading" sections of a body, each with its list items. */
function sections(body: string): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  let current = "";
  for (const line of body.split("\n")) {
    if (line.startsWith("### ")) result[(current = line.slice(4))] = [];
    else if (current && line.startsWith("- ")) result[current]!.push(line.slice(2));
  }
  return result;
}

describe("scripts/promotion-pull-request.mjs", () => {
  let repo: PromotionRepository;
  let github: PromotionGitHub;
  beforeEach(async () => {
    repo = new PromotionRepository(ENVIRONMENTS);
    github = await startPromotionGitHub(repo);
  });
  afterEach(() => github.close());

  it("lists the pull requests merged into the source since the last promotion, then opens one pull request and updates it", async () => {
    const old = repo.mergeFeature(FROM, "Already promoted", { "old.txt": "old\n" });
    const first = await promoteAndOpen(repo, github);
    expect(first.code).toBe(0);
    repo.merge(repo.pulls.find((pull) => pull.number === Number(first.outputs.number))!);

    const one = repo.mergeFeature(FROM, "Add the archive bucket", { "a.txt": "a\n" }, "alice");
    const direct = repo.pushDirectly(FROM, "Bootstrap tweak pushed without review", { "direct.txt": "d\n" });
    const two = repo.mergeFeature(FROM, "Tune the API throttle", { "b.txt": "b\n" }, "bob");
    repo.mergeFeature(TO, "Fix straight into the target", { "fix.txt": "fix\n" }, "carol");

    const opened = await promoteAndOpen(repo, github);
    expect({ code: opened.code, stderr: opened.stderr }).toEqual({ code: 0, stderr: "" });
    const pull = repo.openPullFor(`promote/${FROM}-to-${TO}`, TO)!;
    expect(opened.outputs).toEqual({ action: "created", number: String(pull.number), url: `https://github.example/${OWNER}/${REPO}/pull/${pull.number}` });
    expect(pull.title).toBe(`Promote ${FROM} to ${TO}`);
    const listed = sections(pull.body);
    expect(listed["Pull requests promoted (2)"]).toEqual([`#${one.number} Add the archive bucket (alice)`, `#${two.number} Tune the API throttle (bob)`]);
    expect(pull.body).not.toContain(`#${old.number} `);
    expect(listed[`Commits on \`${FROM}\` without a pull request (1)`]).toEqual([`\`${direct.slice(0, 12)}\` Bootstrap tweak pushed without review`]);
    const mergeSubject = new RegExp(`^\`[0-9a-f]{12}\` ${escapeRegExp(escapeText(`Merge ${TO} (`))}[0-9a-f]{12}${escapeRegExp(escapeText(`) into promote/${FROM}-to-${TO}`))}$`);
    expect(listed[`Commits only on \`promote/${FROM}-to-${TO}\` (1)`]).toEqual([expect.stringMatching(mergeSubject)]);
    expect(listed[`On \`${TO}\` but not on \`${FROM}\` (1)`]).toEqual([expect.stringMatching(/^`[0-9a-f]{12}` Fix straight into the target$/)]);
    expect(pull.body).toContain("Merge it with **Create a merge commit**");
    expect(pull.body).toContain(`<sub>Updated by [this run](https://github.example/${OWNER}/${REPO}/actions/runs/77).</sub>`);

    // Another merge into the source while the promotion is open: the same pull request is updated.
    const three = repo.mergeFeature(FROM, "Third change", { "c.txt": "c\n" });
    const updated = await promoteAndOpen(repo, github);
    expect(updated.outputs).toMatchObject({ action: "updated", number: String(pull.number) });
    expect(sections(repo.pulls.find((candidate) => candidate.number === pull.number)!.body)["Pull requests promoted (3)"]).toEqual([
      `#${one.number} Add the archive bucket (alice)`,
      `#${two.number} Tune the API throttle (bob)`,
      `#${three.number} Third change (developer)`,
    ]);
    const creations = github.github.requests.filter((request) => request.method === "POST" && request.path.endsWith("/pulls"));
    expect(creations).toHaveLength(2); // the first promotion's and this one's; the update was a PATCH
    expect(github.github.requests.every((request) => request.authorization === "Bearer ghs_promotion")).toBe(true);
  });

  it("writes titles, authors and subjects inert: no mention, no issue reference, no HTML", async () => {
    repo.mergeFeature(FROM, "Ping @security-team about #12 <img src=x onerror=alert(1)>", { "a.txt": "a\n" });
    repo.pushDirectly(FROM, "**bold** [link](https://evil.example) @admin", { "b.txt": "b\n" });
    const outcome = await promoteAndOpen(repo, github);
    expect(outcome.code).toBe(0);
    const body = repo.openPullFor(`promote/${FROM}-to-${TO}`, TO)!.body;
    expect(body).not.toMatch(/@security-team|@admin|<img|\[link\]\(|\*\*bold\*\*/);
    expect(body).not.toMatch(/(^|[^\w])#12\b/);
    expect(body).toContain(escapeText("Ping @security-team about #12 <img src=x onerror=alert(1)>"));
    expect(escapeText("@team #5 <b>")).toBe("@\u200dteam #\u200d5 &lt;b&gt;");
  });

  it("says what to do when the repository does not let GITHUB_TOKEN open pull requests", async () => {
    repo.mergeFeature(FROM, "Change", { "a.txt": "a\n" });
    github.script("POST", /\/pulls$/, 403, { message: "GitHub Actions is not permitted to create or approve pull requests.", documentation_url: "https://docs.github.com/rest" });
    const outcome = await promoteAndOpen(repo, github);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain("POST /repos/acme/infra/pulls: 403 GitHub Actions is not permitted to create or approve pull requests.");
    expect(outcome.stderr).toContain("configure the promotion GitHub App (README, Bootstrap)");
    expect(outcome.stderr).toContain(`open the pull request from promote/${FROM}-to-${TO} into ${TO} yourself: the branch is pushed.`);
    expect(outcome.outputs).toEqual({});
  });

  it("updates the pull request a concurrent run opened first (422 already exists), and retries a 502", async () => {
    repo.mergeFeature(FROM, "Change", { "a.txt": "a\n" });
    github.script("GET", /\/commits\/[0-9a-f]{40}\/pulls$/, 502, { message: "Server Error" });
    // The create is applied (another run's), then answered as GitHub answers the second create.
    github.script("POST", /\/pulls$/, 422, { message: "Validation Failed", errors: [{ message: `A pull request already exists for ${OWNER}:promote/${FROM}-to-${TO}.` }] }, { applyFirst: true });
    const outcome = await promoteAndOpen(repo, github);
    expect({ code: outcome.code, stderr: outcome.stderr }).toEqual({ code: 0, stderr: "" });
    expect(outcome.outputs.action).toBe("updated");
    expect(repo.pulls.filter((pull) => pull.state === "open")).toHaveLength(1);
    expect(sections(repo.pulls.at(-1)!.body)["Pull requests promoted (1)"]).toEqual([`#1 Change (developer)`]);
  });
});
