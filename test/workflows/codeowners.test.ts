import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateCodeowners, policyReason, readRepository } from "../../scripts/codeowners.mjs";
import { repoRoot } from "../support/environments";

interface Rule {
  readonly pattern: string;
  readonly owners: readonly string[];
  readonly matches: (path: string) => boolean;
}

/** GitHub's CODEOWNERS patterns (gitignore rules): anchored when they contain a slash, `/` suffix = a folder. */
function compile(pattern: string): (path: string) => boolean {
  const directory = pattern.endsWith("/");
  const body = pattern.replace(/^\//, "").replace(/\/$/, "");
  const anchored = pattern.startsWith("/") || body.includes("/");
  const source = body
    .split(/(\*\*\/|\*\*|\*|\?)/)
    .map((part) => (part === "**/" ? "(?:.*/)?" : part === "**" ? ".*" : part === "*" ? "[^/]*" : part === "?" ? "[^/]" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  const regex = new RegExp(`${anchored ? "^" : "(?:^|.*/)"}${source}${directory ? "/.*$" : "(?:/.*)?$"}`);
  return (path) => regex.test(path);
}

function parseCodeowners(text: string): Rule[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [pattern, ...owners] = line.split(/\s+/);
      return { pattern, owners, matches: compile(pattern) };
    });
}

/** The owners GitHub requests for a path: the last matching rule wins. */
const ownersOf = (rules: readonly Rule[], path: string): readonly string[] => [...rules].reverse().find((rule) => rule.matches(path))?.owners ?? [];

const codeownersText = readFileSync(join(repoRoot, "CODEOWNERS"), "utf8");
const rules = parseCodeowners(codeownersText);
const github = JSON.parse(readFileSync(join(repoRoot, "stacks", "bootstrap", "github.json"), "utf8"));
const platform = `@${github.owner}/${github.teams.platform}`;
const security = `@${github.owner}/${github.teams.security}`;
const trackedFiles = execFileSync("git", ["ls-files"], { cwd: repoRoot, encoding: "utf8" }).split("\n").filter(Boolean);

describe("CODEOWNERS", () => {
  it("is what `npm run codeowners` generates from github.json and the code (`--check` says when it is not)", () => {
    expect(codeownersText).toBe(generateCodeowners(readRepository(repoRoot)));
    const check = spawnSync(process.execPath, [join(repoRoot, "scripts", "codeowners.mjs"), "--check"], { encoding: "utf8" });
    expect(check.status).toBe(0);
  });

  it("names only the two teams of the repository's organization, one owner per line", () => {
    for (const rule of rules) expect({ pattern: rule.pattern, owners: rule.owners.length === 1 && [platform, security].includes(rule.owners[0]) }).toEqual({ pattern: rule.pattern, owners: true });
  });

  it("gives every tracked file an owner", () => {
    expect(trackedFiles.filter((file) => ownersOf(rules, file).length === 0)).toEqual([]);
  });

  it("leaves security's files to the security team alone, so that their approval is required", () => {
    const securityOwned = trackedFiles.filter((file) => ownersOf(rules, file).includes(security));
    for (const file of securityOwned) expect({ file, owners: ownersOf(rules, file) }).toEqual({ file, owners: [security] });
  });

  it("gives every file that decides permissions to the security team", () => {
    const { sources } = readRepository(repoRoot);
    const deciding = sources.filter(({ path, text }) => policyReason(path, text) !== undefined).map(({ path }) => path);
    // The files a review found owned by the platform team alone, among every other one the code shows.
    expect(deciding).toEqual(expect.arrayContaining(["lambda-function.ts", "encrypted-bucket.ts", "tables.ts", "database.ts", "data-pipeline.ts"].map((file) => `stacks/constructs/${file}`)));
    for (const path of deciding) expect({ path, owners: ownersOf(rules, path) }).toEqual({ path, owners: [security] });
  });

  it("gives every environment that protects its data to the security team, and leaves the others to the platform team", () => {
    for (const file of trackedFiles.filter((path) => /^environments\/[^/]+\.json$/.test(path))) {
      const protectData = JSON.parse(readFileSync(join(repoRoot, file), "utf8")).protectData === true;
      expect({ file, owners: ownersOf(rules, file) }).toEqual({ file, owners: [protectData ? security : platform] });
    }
  });

  it.each([
    "stacks/bootstrap/deployment-roles.ts",
    "stacks/bootstrap/github.json",
    ".github/workflows/deploy.yml",
    ".github/workflows/a-new-workflow.yml",
    ".github/actions/apply/src/run.ts",
    ".github/actions/apply/action.yml",
    // The deploy gate's logic and the digest it compares live in the review library.
    "review/src/apply/gate.ts",
    "review/src/terraform/plan-digest.ts",
    "scripts/environments.mjs",
    "scripts/codeowners.mjs",
    "CODEOWNERS",
  ])("gives %s to the security team", (path) => {
    expect(ownersOf(rules, path)).toEqual([security]);
  });

  it.each(["stacks/lambda/ingest/ingest.ts", "README.md", "test/workflows/codeowners.test.ts", "docs/CODEOWNERS", "stacks/constructs/a-new-file.ts"])(
    "leaves %s to the platform team",
    (path) => {
      expect(ownersOf(rules, path)).toEqual([platform]);
    },
  );
});

describe("which code decides permissions (policyReason)", () => {
  it.each([
    ['import { IamRole } from "@cdktf/provider-aws/lib/iam-role";', "creates an IAM, KMS or resource-policy resource"],
    ['import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";', "creates an IAM, KMS or resource-policy resource"],
    ['import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";', "creates an IAM, KMS or resource-policy resource"],
    ['import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";', "creates an IAM, KMS or resource-policy resource"],
    ['const statement = { Effect: "Allow", Action: "s3:GetObject" };', "writes a policy statement"],
    ['role.addToPrincipalPolicy({ sid: "X", effect: "Deny", actions: ["*"] });', "writes a policy statement"],
    ["tables.sessions.grantReadWrite(fn);", "grants access"],
    ['grantKeyUse(keys.lambda, fn, "decrypt");', "grants access"],
  ])("%s → %s", (text, reason) => {
    expect(policyReason("stacks/constructs/probe.ts", text)).toBe(reason);
  });

  it("counts a manifest's access list and nothing that merely mentions the words", () => {
    expect(policyReason("stacks/lambda/probe/manifest.ts", 'access: [{ resource: "apiKeysTable", level: "read" }],')).toBe("lists a function's access (its IAM policy)");
    expect(policyReason("stacks/lambda/probe/handler.ts", "const access = [1];")).toBeUndefined();
    expect(policyReason("stacks/constructs/probe.ts", 'import { Vpc } from "@cdktf/provider-aws/lib/vpc";\n// grants are elsewhere; Effect is a word')).toBeUndefined();
  });

  it("reads the infrastructure and the synth room: a new file in either that writes a policy goes to the security team", () => {
    const checkout = mkdtempSync(join(tmpdir(), "codeowners-"));
    for (const entry of ["stacks", "synth", "environments"]) cpSync(join(repoRoot, entry), join(checkout, entry), { recursive: true });
    mkdirSync(join(checkout, "synth", "probe"));
    writeFileSync(join(checkout, "synth", "probe", "aspect.ts"), 'export const statement = { Effect: "Deny", Action: "*" };\n');
    writeFileSync(join(checkout, "stacks", "constructs", "probe.ts"), "export const grant = (table: { grantRead(fn: unknown): void }, fn: unknown) => table.grantRead(fn);\n");
    const probeRules = parseCodeowners(generateCodeowners(readRepository(checkout)));
    expect(ownersOf(probeRules, "synth/probe/aspect.ts")).toEqual([security]);
    expect(ownersOf(probeRules, "stacks/constructs/probe.ts")).toEqual([security]);
    expect(ownersOf(probeRules, "synth/synthesize.ts")).toEqual([platform]);
  });

  it("refuses a github.json without both teams, naming the field", () => {
    expect(() => generateCodeowners({ github: { owner: "org", teams: { platform: "p" } }, environments: [], sources: [] })).toThrow(
      'stacks/bootstrap/github.json: teams: found {"platform":"p"}, expected { "platform": "<team slug>", "security": "<team slug>" }',
    );
  });
});
