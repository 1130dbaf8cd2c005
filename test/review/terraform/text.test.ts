// The plan for a terminal (npm run preview): the same model as the comment,
// readable, with the values that change, and nothing that can drive the terminal.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createMasker } from "../../../review/src/mask";
import { planDigest } from "../../../review/src/terraform/plan-digest";
import { PlanParseError, parsePlanJson } from "../../../review/src/terraform/plan-model";
import { renderPlanErrorText, renderPlanText } from "../../../review/src/terraform/text";
import { ANSI, PLAIN } from "../../../review/src/text";
import { planCountsText } from "../../../review/src/terraform/vocabulary";
import { describeWithTerraform, terraformPlan } from "../../support/terraform";

const fixturesDir = join(__dirname, "..", "..", "fixtures", "tools", "plan");

const render = (text: string, options: { mask?: string[]; constructPaths?: Map<string, string>; style?: typeof PLAIN } = {}) => {
  const model = parsePlanJson(text, "plan.json");
  const output = renderPlanText(model, {
    environment: "dev",
    constructPaths: options.constructPaths ?? new Map(),
    mask: createMasker([...(options.mask ?? []), ...model.sensitiveStrings]),
    digest: planDigest(model),
    style: options.style ?? PLAIN,
  });
  return { model, output };
};

describe("plan text for every real plan fixture", () => {
  const files = readdirSync(fixturesDir).filter((file) => file.endsWith(".json"));

  it.each(files)("%s: counts first, every resource with its marker, no markdown", (file) => {
    let rendered: ReturnType<typeof render>;
    try {
      rendered = render(readFileSync(join(fixturesDir, file), "utf8"));
    } catch (error) {
      expect(error).toBeInstanceOf(PlanParseError);
      return;
    }
    const { model, output } = rendered;
    const lines = output.split("\n");
    expect(lines[0]).toBe("Terraform plan · dev");
    expect(lines[1]).toMatch(new RegExp(`^Plan: ${planCountsText(model)}`));
    expect(lines[1]).not.toMatch(/\b0 to /);
    for (const change of model.resourceChanges) expect(lines.some((line) => /^ {2}(-|\+|~|-\/\+|\+\/-|\.|>) /.test(line) && line.includes(change.address))).toBe(true);
    expect(output).not.toMatch(/<code>|<details>|\*\*|\|---|undefined|NaN|\[object/);
    expect(output).not.toContain("\u001b");
  });

  it("colours with ANSI only when asked", () => {
    const text = readFileSync(join(fixturesDir, "borchero_2-delete.plan.json"), "utf8");
    expect(render(text, { style: ANSI }).output).toContain("\u001b[31m-\u001b[39m");
    expect(render(text).output).not.toContain("\u001b[");
  });
});

describeWithTerraform("plan text from real terraform plans", () => {
  it("shows each changed attribute as before → after, a replacement's cause, and the construct path", () => {
    const { planJson } = terraformPlan({
      applied: { resource: { terraform_data: { db: { input: "v1", triggers_replace: ["a"] }, app: { input: { size: 1, name: "app" } } } } },
      config: { resource: { terraform_data: { db: { input: "v1", triggers_replace: ["b"] }, app: { input: { size: 2, name: "app" } }, fresh: { input: "new" } } } },
    });
    const { output } = render(planJson, { constructPaths: new Map([["terraform_data.app", "trading-platform-dev/app"]]) });
    expect(output).toContain("  ~ terraform_data.app  trading-platform-dev/app  1 known after apply: output\n      ~ input.size: 1 → 2");
    expect(output).not.toContain("input.name");
    expect(output).toMatch(/ {2}-\/\+ terraform_data\.db[^\n]*\n(?: {6}[^\n]*\n)* {6}~ triggers_replace\[0\]: "a" → "b" {2}# forces replacement/);
    expect(output).toContain("      + input = \"new\"");
    expect(output).toContain('  - replace terraform_data.db; destroys first: downtime; triggers_replace[0]: "a" → "b" forces it');
  });

  it("shows a JSON policy change by path and a multi-line string as diff lines", () => {
    const policy = (actions: string[]) => `\${jsonencode({Statement = [{Effect = "Deny", NotAction = ${JSON.stringify(actions)}, Resource = "*"}]})}`;
    const { planJson } = terraformPlan({
      applied: { resource: { terraform_data: { key: { input: { policy: policy(["kms:Decrypt"]), script: "a\nb\nc\n" } } } } },
      config: { resource: { terraform_data: { key: { input: { policy: policy(["kms:Decrypt", "kms:*"]), script: "a\nB\nc\n" } } } } },
    });
    const { output } = render(planJson);
    expect(output).toContain('      + input.policy › Statement[0].NotAction[1] = "kms:*"');
    expect(output).toContain("      ~ input.script: +1 −1 lines\n           a\n          -b\n          +B\n           c");
  });

  it("never shows a sensitive value or a masked string", () => {
    const secret = "s3cr3t-Passw0rd!";
    const { planJson } = terraformPlan({
      config: {
        variable: { db_password: { type: "string", sensitive: true } },
        resource: { terraform_data: { db: { input: { user: "app", password: "${var.db_password}", host: "db.internal.example" } }, copy: { input: "${nonsensitive(var.db_password)}" } } },
      },
      vars: { db_password: secret },
    });
    const { output } = render(planJson, { mask: ["db.internal.example"] });
    expect(output).toContain("(sensitive)");
    expect(output).not.toContain(secret);
    expect(output).not.toContain("db.internal.example");
    expect(output).toContain("***");
  });

  it("prints names and values that carry terminal escape sequences or bidirectional overrides as visible escapes", () => {
    const hostile = "ok\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007 \u001b[2J \u202eevil";
    const { planJson } = terraformPlan({ config: { resource: { terraform_data: { evil: { for_each: { [`k\u001b[2J\u202e`]: 1 }, input: hostile } } } } });
    const { output } = render(planJson);
    // eslint-disable-next-line no-control-regex -- the point: no control character reaches the terminal
    expect(output).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    // A value is JSON, whose escapes already show control characters; the bidirectional override is escaped too.
    expect(output).toContain('+ input = "ok\\u001b]8;;https://evil.example\\u0007click\\u001b]8;;\\u0007 \\u001b[2J \\u{202e}evil"');
    // terraform escapes a for_each key in the address itself.
    expect(output).toContain('+ terraform_data.evil["k\\u001b[2J\\u202e"]');
  });
});

describe("plan error text", () => {
  it("names the command and its exit code, masks the output and keeps all of it", () => {
    const output = `${"x".repeat(70_000)}\nError: token hunter2 refused\u001b[31m`;
    const text = renderPlanErrorText({ environment: "dev", step: "terraform init", exitCode: 1, output, mask: createMasker(["hunter2"]), style: PLAIN });
    expect(text.split("\n").slice(0, 2)).toEqual(["Terraform plan failed · dev", "terraform init exited with code 1. Nothing was planned:"]);
    expect(text).toContain("  Error: token *** refused");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("\u001b");
    expect(text.length).toBeGreaterThan(70_000);
  });
});
