import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { LAMBDA_RUNTIME } from "../../stacks/constructs/lambda-function";
import { repoRoot } from "../support/environments";

const config = readFileSync(join(repoRoot, ".tflint.hcl"), "utf8");

/** The body of a top-level HCL block such as `plugin "aws" { ... }` (no nested blocks in ours). */
const block = (header: string): string | undefined => new RegExp(`^${header.replace(/"/g, '\\"')}\\s*\\{([^}]*)\\}`, "m").exec(config)?.[1];
const attribute = (body: string | undefined, name: string): string | undefined => new RegExp(`^\\s*${name}\\s*=\\s*(.+?)\\s*$`, "m").exec(body ?? "")?.[1];

describe(".tflint.hcl", () => {
  it("enables the AWS ruleset pinned to an exact version from its official source", () => {
    const aws = block('plugin "aws"');
    expect(attribute(aws, "enabled")).toBe("true");
    expect(attribute(aws, "source")).toBe('"github.com/terraform-linters/tflint-ruleset-aws"');
    expect(attribute(aws, "version")).toMatch(/^"\d+\.\d+\.\d+"$/);
  });

  it("never calls AWS from the linter, so lint needs no credentials (fork pull requests too)", () => {
    expect(attribute(block('plugin "aws"'), "deep_check")).toBe("false");
  });

  it("is the config the lint action picks up, with the tflint version pinned beside it in the workflow", () => {
    const pr = parse(readFileSync(join(repoRoot, ".github", "workflows", "pull-request.yml"), "utf8"));
    expect(pr.env.TFLINT_VERSION).toMatch(/^v\d+\.\d+\.\d+$/);
    const lint = pr.jobs.lint.steps.find((step: { uses?: string }) => step.uses === "./.github/actions/lint");
    expect(lint.with.config ?? ".tflint.hcl").toBe(".tflint.hcl");
  });

  it("pins an AWS ruleset whose aws_lambda_function_invalid_runtime rule accepts the functions' runtime", () => {
    // Extracted from the ruleset's source at the pinned tag (command inside the file): refreshed with every bump.
    const known = JSON.parse(readFileSync(join(repoRoot, "test", "fixtures", "tflint-ruleset-aws_lambda-runtimes.json"), "utf8"));
    expect(`"${known.version}"`).toBe(attribute(block('plugin "aws"'), "version"));
    expect(known.nodejsRuntimes).toContain(LAMBDA_RUNTIME);
    // Still supported when that ruleset release was cut (its lambda_deprecated_runtime data).
    const deprecation = known.nodejsDeprecations[LAMBDA_RUNTIME];
    expect(Date.parse(deprecation.end_of_support_date)).toBeGreaterThan(Date.parse(known.deprecationsUpdatedAt));
  });
});
