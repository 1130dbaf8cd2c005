import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createMasker } from "../../../review/src/mask";
import { COMMENT_LIMIT, escapeHtml, inlineCode } from "../../../review/src/markdown";
import { PlanParseError, parsePlanJson } from "../../../review/src/terraform/plan-model";
import { planDigest } from "../../../review/src/terraform/plan-digest";
import { MARKER_ROOM, renderPlan, renderPlanError } from "../../../review/src/terraform/markdown";
import { describeWithTerraform, manyResources, terraformPlan } from "../../support/terraform";

const fixturesDir = join(__dirname, "..", "..", "fixtures", "tools", "plan");
const runUrl = "https://github.example/acme/infra/actions/runs/42";

const render = (text: string, file: string, options: { mask?: string[]; constructPaths?: Map<string, string> } = {}) => {
  const model = parsePlanJson(text, file);
  return {
    model,
    ...renderPlan(model, {
      environment: "dev",
      constructPaths: options.constructPaths ?? new Map(),
      mask: createMasker([...(options.mask ?? []), ...model.sensitiveStrings]),
      runUrl,
      digest: planDigest(model),
    }),
  };
};

/** The first non-heading line of the comment: what a reviewer reads first. */
const countsLineOf = (comment: string) => comment.split("\n").find((line) => line.startsWith("**Plan:**"));

describe("plan comment for every real plan fixture", () => {
  const files = readdirSync(fixturesDir).filter((file) => file.endsWith(".json"));

  it.each(files)("%s renders a comment or a clear error", (file) => {
    const text = readFileSync(join(fixturesDir, file), "utf8");
    let rendering: ReturnType<typeof render>;
    try {
      rendering = render(text, file);
    } catch (error) {
      expect(error).toBeInstanceOf(PlanParseError);
      expect(file).toMatch(/CORRUPTED|concatenated/);
      return;
    }
    const { comment, model } = rendering;
    expect(comment.length).toBeLessThanOrEqual(COMMENT_LIMIT - MARKER_ROOM);
    expect(comment.split("\n")[0]).toBe("### Terraform plan · `dev`");
    expect(countsLineOf(comment)).toBe(
      `**Plan:** ${model.counts.add} to add, ${model.counts.change} to change, ${model.counts.replace} to replace, ${model.counts.destroy} to destroy, ${model.counts.forget} to forget, ${model.counts.import} to import, ${model.counts.move} to move`,
    );
    for (const change of model.resourceChanges) expect(comment).toContain(`<code>${escapeHtml(change.address)}</code>`);
    expect(comment.match(/<details>/g)?.length ?? 0).toBe(comment.match(/<\/details>/g)?.length ?? 0);
  });

  it("names both destroyed resources and why, before the details", () => {
    const { comment } = render(readFileSync(join(fixturesDir, "borchero_2-delete.plan.json"), "utf8"), "2-delete");
    expect(countsLineOf(comment)).toContain("2 to destroy");
    const warning = comment.slice(comment.indexOf("[!CAUTION]"), comment.indexOf("####"));
    expect(warning).toContain("**This plan destroys 2 resources:**");
    expect(warning).toContain("**destroy** <code>local\\_file.test</code>: its configuration was removed");
    expect(warning).toContain("**destroy** <code>local\\_file.test3</code>: its configuration was removed");
    expect(comment).not.toContain("file.test2"); // the no-op
  });

  it("explains a replacement with terraform's reason", () => {
    const { comment } = render(readFileSync(join(fixturesDir, "terraform-json_action_reason_tf1.15.plan.json"), "utf8"), "reason");
    expect(comment).toMatch(/\*\*replace\*\* <code>null\\_resource\.example<\/code>: the resource is tainted/);
  });

  it("says forget is not destroy", () => {
    const { comment } = render(readFileSync(join(fixturesDir, "borchero_3-remove_forget.plan.json"), "utf8"), "forget");
    expect(countsLineOf(comment)).toContain("0 to destroy, 1 to forget");
    expect(comment).not.toContain("[!CAUTION]");
    expect(comment).toContain("Forget (removed from state, not destroyed) (1)");
  });

  it("says there are no changes for an empty plan", () => {
    const { comment } = render(readFileSync(join(fixturesDir, "borchero_4-empty.plan.json"), "utf8"), "empty");
    expect(comment).toContain("**No changes.**");
  });

  it("shows drift and outputs in their own sections", () => {
    const { comment } = render(readFileSync(join(fixturesDir, "tf-summarize_example_with-resource_drift.plan.json"), "utf8"), "drift");
    expect(comment).toMatch(/#### 🌪️ Changed outside Terraform \(\d+\)/);
    expect(comment).toMatch(/#### Outputs \(\d+\)\n\n\| output \| action \| before \| after \|/);
  });

  it("shows the construct path from cdk.tf.json metadata", () => {
    const { comment } = render(readFileSync(join(fixturesDir, "borchero_2-delete.plan.json"), "utf8"), "2-delete", {
      constructPaths: new Map([["local_file.test", "trading-platform-dev/storage/test-file"]]),
    });
    expect(comment).toContain("**destroy** <code>local\\_file.test</code> (trading-platform-dev/storage/test-file)");
  });
});

describeWithTerraform("plan comment for plans made by the real terraform binary", () => {
  it("keeps a 600-resource plan under 65,536 characters, says what was cut and links the run", () => {
    const { planJson } = terraformPlan({ config: manyResources(600, (index) => ({ index, description: `resource number ${index} `.repeat(4) })) });
    const { comment, summary, omittedFromComment } = render(planJson, "large.json");
    expect(countsLineOf(comment)).toBe("**Plan:** 600 to add, 0 to change, 0 to replace, 0 to destroy, 0 to forget, 0 to import, 0 to move");
    expect(comment.length).toBeLessThanOrEqual(COMMENT_LIMIT - MARKER_ROOM);
    expect(omittedFromComment).toBeGreaterThan(0);
    expect(comment).toContain(`_… ${omittedFromComment} more resources not shown, full output in the run: ${runUrl}_`);
    expect(comment.match(/<details>/g)!.length).toBe(comment.match(/<\/details>/g)!.length);
    // The step summary has every resource.
    expect(summary).toContain("terraform_data.item_0599");
    expect(summary).not.toContain("not shown");
  });

  it("never shows a sensitive variable's value, anywhere", () => {
    const secret = "s3cr3t-Passw0rd!";
    const { planJson } = terraformPlan({
      config: {
        variable: { db_password: { type: "string", sensitive: true } },
        resource: { terraform_data: { db: { input: { user: "app", password: "${var.db_password}" } }, copy: { input: "${nonsensitive(var.db_password)}" } } },
        output: { password: { value: "${var.db_password}", sensitive: true } },
      },
      vars: { db_password: secret },
    });
    expect(planJson).toContain(secret); // terraform leaves it in clear text
    const { comment, summary } = render(planJson, "sensitive.json");
    expect(comment).toContain("_(sensitive)_");
    expect(comment).not.toContain(secret);
    expect(summary).not.toContain(secret);
    expect(comment).toContain("terraform_data.copy"); // the nonsensitive() copy is masked, not dropped
  });

  it("neutralizes hostile names and values", () => {
    const hostile = "</details><script>alert(1)</script> ``` @org/team #1 | [x](https://evil.example) ![i](https://evil.example/i.png)";
    const { planJson } = terraformPlan({
      config: { resource: { terraform_data: { evil: { input: { value: hostile, [`key-${"`"}x${"`"}`]: "@admins #2" } } } } },
    });
    const { comment } = render(planJson, "hostile.json", { mask: [] });
    expect(comment).not.toContain("<script>");
    expect(comment.match(/<\/details>/g)!.length).toBe(comment.match(/<details>/g)!.length);
    expect(comment).not.toMatch(/@org\/team|@admins|#1\b|#2\b/);
    expect(comment).not.toMatch(/\]\(https:\/\/evil/);
    // the value is still readable, inside a code span in its table row
    const row = comment.split("\n").find((line) => line.startsWith("| <code>input.value</code>"))!;
    expect(row).toContain(inlineCode(JSON.stringify(hostile)));
    expect(row.split(/(?<!\\)\|/).length).toBe(5); // 3 cells, the pipe in the value escaped
  });

  it("neutralizes a hostile for_each key in resource addresses, in the summary line and in the destroy warning", () => {
    const key = "</details><img src=x onerror=alert(1)> @org/team #3 `x`";
    const { planJson } = terraformPlan({
      applied: { resource: { terraform_data: { evil: { for_each: { [key]: 1 }, input: "${each.key}" } } } },
      config: {},
    });
    const { comment, model } = render(planJson, "hostile-key.json");
    expect(model.counts.destroy).toBe(1);
    expect(comment).not.toMatch(/<img|<\/details><|@org|#3/);
    expect(comment.match(/<details>/g)?.length ?? 0).toBe(comment.match(/<\/details>/g)?.length ?? 0);
    expect(comment).toContain("&lt;img src=x onerror=alert\\(1\\)&gt;"); // readable, inert
  });

  it("reports replacements with replace_paths and updates with the changed attributes", () => {
    const { planJson } = terraformPlan({
      applied: { resource: { terraform_data: { db: { input: "v1", triggers_replace: ["a"] }, app: { input: { size: 1 } }, gone: { input: 1 } } } },
      config: { resource: { terraform_data: { db: { input: "v1", triggers_replace: ["b"] }, app: { input: { size: 2 } } } } },
    });
    const { comment, model } = render(planJson, "replace.json");
    expect(model.counts).toMatchObject({ replace: 1, destroy: 1 });
    expect(comment).toContain("**replace** <code>terraform\\_data.db</code>: an attribute that cannot change in place changed; <code>triggers\\_replace</code> forces replacement");
    expect(comment).toContain("**destroy** <code>terraform\\_data.gone</code>: its configuration was removed");
    expect(comment).toMatch(/\| <code>triggers\\_replace\\\[0\\\]<\/code> \*\*forces replacement\*\* \| <code>&quot;a&quot;<\/code> \| <code>&quot;b&quot;<\/code> \|/);
  });
});

describe("error comment", () => {
  it("masks the given strings and fences the output safely", () => {
    const text = renderPlanError({
      environment: "dev",
      step: "terraform plan",
      exitCode: 1,
      output: "Error: invalid token hunter2\n```\n</details> @everyone",
      mask: createMasker(["hunter2"]),
      runUrl,
    });
    expect(text).toContain("### ❌ Terraform plan failed · `dev`");
    expect(text).toContain("`terraform plan` exited with code 1");
    expect(text).not.toContain("hunter2");
    expect(text).toContain("````text\n");
  });
});

describeWithTerraform("moves and create-before-destroy from the real terraform binary", () => {
  it("counts a moved resource and names its previous address", () => {
    const { planJson } = terraformPlan({
      applied: { resource: { terraform_data: { old_name: { input: "x" } } } },
      config: { resource: { terraform_data: { new_name: { input: "x" } } }, moved: [{ from: "terraform_data.old_name", to: "terraform_data.new_name" }] },
    });
    const { comment, model } = render(planJson, "moved.json");
    expect(model.counts).toMatchObject({ move: 1, add: 0, destroy: 0 });
    expect(comment).toContain("to move");
    expect(comment).toContain("#### 📦 Import or move only (1)");
    expect(comment).toContain("moved from <code>terraform_data.old_name</code>");
  });

  it("classifies create-before-destroy replacement as replace", () => {
    const { planJson } = terraformPlan({
      applied: { resource: { terraform_data: { db: { input: "a", triggers_replace: ["a"], lifecycle: { create_before_destroy: true } } } } },
      config: { resource: { terraform_data: { db: { input: "a", triggers_replace: ["b"], lifecycle: { create_before_destroy: true } } } } },
    });
    const { model, comment } = render(planJson, "cbd.json");
    expect(model.resourceChanges[0]!.rawActions).toEqual(["create", "delete"]);
    expect(model.counts.replace).toBe(1);
    expect(comment).toContain("**This plan replaces 1 resource:**");
  });
});

describe("imports", () => {
  it("counts an import and shows its id", () => {
    const plan = {
      format_version: "1.2",
      terraform_version: "1.11.4",
      resource_changes: [
        {
          address: "aws_s3_bucket.logs",
          mode: "managed",
          type: "aws_s3_bucket",
          name: "logs",
          change: { actions: ["no-op"], before: { bucket: "logs" }, after: { bucket: "logs" }, after_unknown: {}, importing: { id: "trading-logs-@ops" } },
        },
      ],
    };
    const { comment, model } = render(JSON.stringify(plan), "import.json");
    expect(model.counts.import).toBe(1);
    expect(model.hasChanges).toBe(true);
    expect(comment).toContain("0 to destroy, 0 to forget, 1 to import, 0 to move");
    expect(comment).toContain("imported from id <code>trading-logs-@\u200dops</code>");
  });
});
