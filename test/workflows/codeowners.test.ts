import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
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

const rules = parseCodeowners(readFileSync(join(repoRoot, "CODEOWNERS"), "utf8"));
const org = JSON.parse(readFileSync(join(repoRoot, "stacks", "bootstrap", "github.json"), "utf8")).owner as string;
const platform = `@${org}/platform-team`;
const security = `@${org}/security-team`;

describe("CODEOWNERS", () => {
  it("names only teams of the repository's organization, on well-formed lines", () => {
    for (const rule of rules) {
      expect(rule.owners.length).toBeGreaterThan(0);
      for (const owner of rule.owners) expect(owner).toMatch(new RegExp(`^@${org}/[a-z0-9-]+$`));
    }
  });

  it("gives every tracked file to the platform team", () => {
    const files = execFileSync("git", ["ls-files"], { cwd: repoRoot, encoding: "utf8" }).split("\n").filter(Boolean);
    const unowned = files.filter((file) => !ownersOf(rules, file).includes(platform));
    expect(unowned).toEqual([]);
  });

  it.each([
    "environments/prod.json",
    "stacks/constructs/encryption-keys.ts",
    "stacks/constructs/grants.ts",
    "stacks/constructs/region-guard.ts",
    "stacks/constructs/service-role.ts",
    "stacks/constructs/iam-policies.ts",
    "stacks/iam/boundary.ts",
    "stacks/constructs/lambda-iam.ts",
    "stacks/bootstrap/deployment-roles.ts",
    "stacks/bootstrap/github.json",
    ".github/workflows/deploy.yml",
    ".github/workflows/new-workflow.yml",
    ".github/actions/apply/src/run.ts",
    ".github/actions/shared/src/comments.ts",
    "scripts/environments.mjs",
    "CODEOWNERS",
  ])("asks the security team (and the platform team) to review %s", (path) => {
    expect(ownersOf(rules, path)).toEqual([platform, security]);
  });

  it.each([
    "environments/dev.json",
    "environments/staging.json",
    "stacks/constructs/network.ts",
    "stacks/lambda/ingest/index.ts",
    "README.md",
    "test/workflows/codeowners.test.ts",
    "docs/CODEOWNERS",
    "stacks/constructs/diamond.ts",
  ])("leaves %s to the platform team alone", (path) => {
    expect(ownersOf(rules, path)).toEqual([platform]);
  });
});
