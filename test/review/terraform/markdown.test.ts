import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { digestInFooter } from "../../../review/src/apply/reviewed-plan";
import { createMasker } from "../../../review/src/mask";
import { COMMENT_LIMIT, escapeHtml } from "../../../review/src/markdown";
import { PlanParseError, parsePlanJson } from "../../../review/src/terraform/plan-model";
import { planDigest } from "../../../review/src/terraform/plan-digest";
import { LARGE_PLAN, MARKER_ROOM, SMALL_PLAN, renderPlan, renderPlanError } from "../../../review/src/terraform/markdown";
import { planCountsText } from "../../../review/src/terraform/vocabulary";
import { checkGitHubMarkdown, expectValidGitHubMarkdown } from "../../support/github-markdown";
import { describeWithTerraform, terraformPlan } from "../../support/terraform";
import { hugeErrorOutput } from "../../support/terraform-output";

const fixturesDir = join(__dirname, "..", "..", "fixtures", "tools", "plan");
const runUrl = "https://github.example/acme/infra/actions/runs/42";
const allowedLinks = (href: string) => href === runUrl;

const render = (text: string, file: string, options: { mask?: string[]; constructPaths?: Map<string, string>; markerLength?: number } = {}) => {
  const model = parsePlanJson(text, file);
  return {
    model,
    ...renderPlan(model, {
      environment: "dev",
      constructPaths: options.constructPaths ?? new Map(),
      mask: createMasker([...(options.mask ?? []), ...model.sensitiveStrings]),
      runUrl,
      digest: planDigest(model),
      markerLength: options.markerLength,
    }),
  };
};

/** The first non-heading line of the comment: what a reviewer reads first. */
const countsLineOf = (comment: string) => comment.split("\n").find((line) => line.startsWith("**Plan:**"));
/** The comment's lines that show one resource (a `<p>` line or a `<details>` summary). */
const resourceLine = (comment: string, address: string) => comment.split("\n").find((line) => /^<(p|details)/.test(line) && line.includes(`<code>${escapeHtml(address)}</code>`));

describe("plan comment for every real plan fixture", () => {
  const files = readdirSync(fixturesDir).filter((file) => file.endsWith(".json"));

  it.each(files)("%s renders valid GitHub markdown or a clear error", (file) => {
    const text = readFileSync(join(fixturesDir, file), "utf8");
    let rendering: ReturnType<typeof render>;
    try {
      rendering = render(text, file);
    } catch (error) {
      expect(error).toBeInstanceOf(PlanParseError);
      expect(file).toMatch(/CORRUPTED|concatenated/);
      return;
    }
    const { comment, summary, model } = rendering;
    expect(comment.length).toBeLessThanOrEqual(COMMENT_LIMIT - MARKER_ROOM);
    expect(comment.split("\n")[0]).toBe("### Terraform plan · `dev`");
    expect(countsLineOf(comment)).toMatch(new RegExp(`^\\*\\*Plan:\\*\\* ${planCountsText(model)}`));
    expect(countsLineOf(comment)).not.toMatch(/\b0 to /);
    for (const change of model.resourceChanges) expect(comment).toContain(`<code>${escapeHtml(change.address)}</code>`);
    expectValidGitHubMarkdown(comment, { allowedLinks });
    expectValidGitHubMarkdown(summary, { allowedLinks });
    // The deploy gate reads the digest back from the footer.
    expect(digestInFooter(comment)).toBe(planDigest(model));
  });

  it("names both destroyed resources and why, before the details", () => {
    const { comment } = render(readFileSync(join(fixturesDir, "borchero_2-delete.plan.json"), "utf8"), "2-delete");
    expect(countsLineOf(comment)).toBe("**Plan:** 2 to destroy");
    const warning = comment.slice(comment.indexOf("[!CAUTION]"), comment.indexOf("####"));
    expect(warning).toContain("**This plan destroys 2 resources:**");
    expect(warning).toContain("> - **destroy** <code>local\\_file.test</code> · its configuration was removed");
    expect(warning).toContain("> - **destroy** <code>local\\_file.test3</code> · its configuration was removed");
    expect(comment).not.toContain("file.test2"); // the no-op
  });

  it("explains a replacement with terraform's reason and its order", () => {
    const { comment } = render(readFileSync(join(fixturesDir, "terraform-json_action_reason_tf1.15.plan.json"), "utf8"), "reason");
    expect(comment).toMatch(/> - \*\*replace\*\* <code>null\\_resource\.example<\/code> · \*\*destroys first: downtime\*\* · the resource is tainted/);
  });

  it("says forget is not destroy", () => {
    const { comment } = render(readFileSync(join(fixturesDir, "borchero_3-remove_forget.plan.json"), "utf8"), "forget");
    expect(countsLineOf(comment)).toBe("**Plan:** 1 to forget");
    expect(comment).not.toContain("[!CAUTION]");
    expect(comment).toContain("Forget (removed from state, not destroyed) (1)");
  });

  it("says there are no changes for an empty plan", () => {
    const { comment } = render(readFileSync(join(fixturesDir, "borchero_4-empty.plan.json"), "utf8"), "empty");
    expect(countsLineOf(comment)).toBe("**Plan:** no changes");
    expect(comment).toContain("**No changes.**");
  });

  it("puts drift and outputs before the creates, drift deletions said as such, outputs as a list", () => {
    const { comment, model } = render(readFileSync(join(fixturesDir, "tf-summarize_example_with-resource_drift.plan.json"), "utf8"), "drift");
    const drift = comment.indexOf("#### 🌪️ Changed outside Terraform (3)");
    const outputs = comment.indexOf(`#### Outputs (${model.outputChanges.length})`);
    const creates = comment.indexOf("#### ➕ Create");
    expect(drift).toBeGreaterThan(-1);
    expect(outputs).toBeGreaterThan(drift);
    expect(creates).toBeGreaterThan(outputs);
    expect(comment).toContain("<b>deleted outside Terraform</b>");
    expect(comment).toContain("- <code>terraform\\_plan\\_summary\\_repository\\_name</code>: + <code>&quot;terraform-plan-summary&quot;</code>");
    expect(comment).not.toContain("| output |");
  });

  it("shows the construct path from cdk.tf.json metadata", () => {
    const { comment } = render(readFileSync(join(fixturesDir, "borchero_2-delete.plan.json"), "utf8"), "2-delete", {
      constructPaths: new Map([["local_file.test", "trading-platform-dev/storage/test-file"]]),
    });
    expect(comment).toContain("> - **destroy** <code>local\\_file.test</code> · its configuration was removed · <i>trading-platform-dev/storage/test-file</i>");
  });

  it("a create names what is known only after apply instead of listing it", () => {
    const { comment } = render(readFileSync(join(fixturesDir, "learn-terraform-plan_aws-module-create_tf1.13.3.plan.json"), "utf8"), "create");
    expect(comment).not.toMatch(/→ <i>\(known after apply\)<\/i>|= <i>\(known after apply\)<\/i>/);
    expect(comment).toMatch(/<i>\d+ known after apply<\/i>/);
    expect(comment).toMatch(/<i>known after apply:<\/i> <code>arn, /);
  });
});

describeWithTerraform("plan comment for plans made by the real terraform binary", () => {
  const policy = (notActions: string[]) =>
    `\${jsonencode({Version = "2012-10-17", Statement = [{Sid = "Read", Effect = "Allow", Action = ["s3:GetObject"], Resource = "*"}, {Sid = "DenyOthers", Effect = "Deny", NotAction = ${JSON.stringify(notActions)}, Resource = "*"}]})}`;

  it("diffs a JSON policy string as JSON, a heredoc as lines, and keeps a short change inline", () => {
    const userData = (packages: string) => `#!/bin/bash\nset -eu\necho start\nyum install -y ${packages}\nsystemctl enable nginx\necho done\n`;
    const { planJson } = terraformPlan({
      applied: {
        resource: {
          terraform_data: {
            key_policy: { input: { policy: policy(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]) } },
            cluster: { input: { max_capacity: 4, engine: "aurora-postgresql" } },
            server: { input: { user_data: userData("nginx") } },
          },
        },
      },
      config: {
        resource: {
          terraform_data: {
            key_policy: { input: { policy: policy(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:*"]) } },
            cluster: { input: { max_capacity: 8, engine: "aurora-postgresql" } },
            server: { input: { user_data: userData("nginx httpd-tools") } },
          },
        },
      },
    });
    const { comment } = render(planJson, "values.json");
    expectValidGitHubMarkdown(comment, { allowedLinks });
    // The policy change is one line naming the path inside the JSON and the new action, not an escaped string.
    expect(resourceLine(comment, "terraform_data.key_policy")).toContain("<code>input.policy › Statement[1].NotAction[3]</code>: + <code>&quot;kms:*&quot;</code>");
    expect(comment).not.toContain("\\&quot;Statement");
    // The small update is on its summary line, not behind a click.
    expect(resourceLine(comment, "terraform_data.cluster")).toMatch(/^<p>✏️ <code>terraform_data.cluster<\/code> · <code>input.max_capacity<\/code>: <code>4<\/code> → <code>8<\/code>/);
    // The heredoc is a unified diff of its lines, open in a small plan.
    expect(resourceLine(comment, "terraform_data.server")).toMatch(/^<details open><summary>/);
    expect(comment).toContain("  ```diff\n  @@ 1 unchanged line @@\n   set -eu\n   echo start\n  -yum install -y nginx\n  +yum install -y nginx httpd-tools\n   systemctl enable nginx\n   echo done\n  ```");
  });

  it("gives the value forcing a replacement and the replacement order in the CAUTION block", () => {
    const { planJson } = terraformPlan({
      applied: {
        resource: {
          terraform_data: {
            db: { input: "v1", triggers_replace: ["16.4"] },
            web: { input: "x", triggers_replace: ["a"], lifecycle: { create_before_destroy: true } },
            gone: { input: 1 },
          },
        },
      },
      config: { resource: { terraform_data: { db: { input: "v1", triggers_replace: ["16.6"] }, web: { input: "x", triggers_replace: ["b"], lifecycle: { create_before_destroy: true } } } } },
    });
    const { comment, model } = render(planJson, "replace.json");
    expect(model.counts).toMatchObject({ replace: 2, destroy: 1 });
    expect(comment).toContain("**This plan destroys 1 resource and replaces 2:**");
    expect(comment).toContain(
      "> - **replace** <code>terraform\\_data.db</code> · **destroys first: downtime** · <code>triggers\\_replace\\[0\\]</code>: <code>&quot;16.4&quot;</code> → <code>&quot;16.6&quot;</code> forces it",
    );
    expect(comment).toContain("> - **replace** <code>terraform\\_data.web</code> · creates the new one first · <code>triggers\\_replace\\[0\\]</code>: <code>&quot;a&quot;</code> → <code>&quot;b&quot;</code> forces it");
    expect(comment).toContain("> - **destroy** <code>terraform\\_data.gone</code> · its configuration was removed");
    expect(resourceLine(comment, "terraform_data.db")).toContain("<code>triggers_replace[0]</code> <b>forces replacement</b>: <code>&quot;16.4&quot;</code> → <code>&quot;16.6&quot;</code>");
    expect(comment).not.toContain("&quot;v1&quot;</code> → <i>(known after apply)"); // unknown-after-apply values are named, not listed
  });

  it("never shows a sensitive variable's value, anywhere", () => {
    const secret = "s3cr3t-Passw0rd!";
    const { planJson } = terraformPlan({
      config: {
        variable: { db_password: { type: "string", sensitive: true } },
        resource: {
          terraform_data: {
            db: { input: { user: "app", password: "${var.db_password}" } },
            copy: { input: "${nonsensitive(var.db_password)}" },
            // The secret inside a JSON document and in a multi-line string: masked before either is split.
            doc: { input: { policy: `\${jsonencode({Secret = nonsensitive(var.db_password)})}`, script: `\${"line one\\n${"$"}{nonsensitive(var.db_password)}\\nline three"}` } },
          },
        },
        output: { password: { value: "${var.db_password}", sensitive: true } },
      },
      vars: { db_password: secret },
    });
    expect(planJson).toContain(secret); // terraform leaves it in clear text
    const { comment, summary } = render(planJson, "sensitive.json");
    expect(comment).toContain("<i>(sensitive)</i>");
    expect(comment).not.toContain(secret);
    expect(summary).not.toContain(secret);
    expect(comment).toContain("terraform_data.copy"); // the nonsensitive() copy is masked, not dropped
    expect(comment).toContain("***");
  });

  it("neutralizes hostile names and values", () => {
    const hostile = "</details><script>alert(1)</script> ``` @org/team #1 | [x](https://evil.example) ![i](https://evil.example/i.png) www.evil.example";
    const { planJson } = terraformPlan({
      config: { resource: { terraform_data: { evil: { input: { value: hostile, [`key-${"`"}x${"`"}`]: "@admins #2", multi: `${hostile}\n${hostile}` } } } } },
    });
    const { comment } = render(planJson, "hostile.json", { mask: [] });
    const html = expectValidGitHubMarkdown(comment, { allowedLinks });
    expect(html).not.toContain("<script>");
    // In the multi-line value's diff block the text stays literal: inside a fence nothing is markup.
    expect(comment).toMatch(/```diff\n {2}\+<\/details><script>/);
    expect(html).not.toMatch(/href="https:\/\/evil|<img/);
    // the value is still readable, inside code
    expect(comment).toContain("&lt;script&gt;alert\\(1\\)&lt;/script&gt;");
  });

  it("neutralizes a hostile for_each key in resource addresses, in the summary line and in the destroy warning", () => {
    const key = "</details><img src=x onerror=alert(1)> @org/team #3 `x`";
    const { planJson } = terraformPlan({
      applied: { resource: { terraform_data: { evil: { for_each: { [key]: 1 }, input: "${each.key}" } } } },
      config: {},
    });
    const { comment, model } = render(planJson, "hostile-key.json");
    expect(model.counts.destroy).toBe(1);
    expectValidGitHubMarkdown(comment, { allowedLinks });
    expect(comment).not.toMatch(/<img|<\/details><|@org|#3/);
    expect(comment).toContain("&lt;img src=x onerror=alert\\(1\\)&gt;"); // readable, inert
  });
});

describeWithTerraform("a large plan (171 changes)", () => {
  // 60 applied releases and 10 legacy resources, then: every release updated, 100 more created,
  // legacy destroyed, one database replaced (171 changes, far above LARGE_PLAN); the plan is made once
  // for all the tests here. Tens rather than hundreds applied: terraform's apply is what costs.
  let planJson: string;
  beforeAll(() => {
    planJson = terraformPlan({
      applied: {
        resource: {
          terraform_data: {
            release: { count: 60, input: { version: 1, index: "${count.index}" } },
            legacy: { count: 10, input: "${count.index}" },
            db: { input: "v1", triggers_replace: ["16.4"] },
          },
        },
      },
      config: { resource: { terraform_data: { release: { count: 160, input: { version: 2, index: "${count.index}" } }, db: { input: "v1", triggers_replace: ["16.6"] } } } },
    }).planJson;
  });

  it("starts with counts by type and every changing address, keeps the footer, and stays within the budget", () => {
    const { comment, model } = render(planJson, "large.json");
    expect(model.resourceChanges.length).toBeGreaterThan(LARGE_PLAN);
    expect(model.counts).toMatchObject({ add: 100, change: 60, replace: 1, destroy: 10 });
    expect(comment.length).toBeLessThanOrEqual(COMMENT_LIMIT - MARKER_ROOM);
    expectValidGitHubMarkdown(comment, { allowedLinks });
    const types = comment.indexOf("#### Changes by resource type");
    const addresses = comment.indexOf("#### Every address that changes (171)");
    expect(types).toBeGreaterThan(comment.indexOf("[!CAUTION]"));
    expect(addresses).toBeGreaterThan(types);
    expect(comment).toContain("- <code>terraform\\_data</code>: 🗑️ 10 · ♻️ 1 · ✏️ 60 · ➕ 100");
    // The CAUTION block folds resources destroyed for the same reason into one line.
    expect(comment).toContain("> - **destroy** 10: <code>terraform\\_data.legacy\\[0…9\\]</code> · its configuration was removed");
    // Every address, consecutive instances folded into ranges.
    expect(comment).toContain("- 🗑️ destroy <code>terraform\\_data</code> (10): <code>legacy\\[0…9\\]</code>");
    expect(comment).toContain("- ✏️ update <code>terraform\\_data</code> (60): <code>release\\[0…59\\]</code>");
    expect(comment).toContain("- ➕ create <code>terraform\\_data</code> (100): <code>release\\[60…159\\]</code>");
    // The footer is always there, with the digest the deploy gate compares.
    expect(comment.trimEnd().split("\n").at(-1)).toMatch(/^<sub>terraform 1\.11\.4 · plan digest <code>sha256:[0-9a-f]{64}<\/code> · <a href="/);
    expect(digestInFooter(comment)).toBe(planDigest(model));
    // Large plans keep details collapsed: the overview is what a reviewer reads first.
    expect(comment).not.toContain("<details open>");
    expect(model.resourceChanges.length).toBeGreaterThan(SMALL_PLAN);
  });

  it("shows the replacement before the updates and the creates, and folds identical changes into one row", () => {
    const { comment } = render(planJson, "large.json");
    const replace = comment.indexOf("#### ♻️ Replace (1)");
    const update = comment.indexOf("#### ✏️ Update in place (60)");
    expect(replace).toBeGreaterThan(-1);
    expect(update).toBeGreaterThan(replace);
    // 60 updates that all change input.version from 1 to 2: one row, not 60.
    const updates = comment.split("\n").filter((line) => line.includes("<code>input.version</code>: <code>1</code> → <code>2</code>"));
    expect(updates).toHaveLength(1);
    expect(updates[0]).toContain("<code>terraform_data.release[0]</code> and 59 more alike");
    expect(comment).toContain("- <i>the same for:</i> <code>terraform\\_data.release\\[1…59\\]</code>");
  });

  it("puts drift before the creates even when the creates would fill the comment", () => {
    const drift = JSON.parse(readFileSync(join(fixturesDir, "tf-summarize_example_with-resource_drift.plan.json"), "utf8")).resource_drift;
    const withDrift = JSON.stringify({ ...JSON.parse(planJson), resource_drift: drift });
    const { comment } = render(withDrift, "large-drift.json");
    expect(comment).toContain("#### 🌪️ Changed outside Terraform (3)");
    expect(comment.indexOf("#### 🌪️ Changed outside Terraform")).toBeLessThan(comment.indexOf("#### ✏️ Update in place"));
  });

  it("uses the room the marker does not need", () => {
    const small = render(planJson, "large.json", { markerLength: 600 });
    expect(small.comment.length).toBeLessThanOrEqual(COMMENT_LIMIT - 600);
    expect(checkGitHubMarkdown(small.comment, { allowedLinks }).problems).toEqual([]);
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
    // The error first, as text that wraps, then the output.
    expect(text).toContain("> - **Error: invalid token \\*\\*\\***<br>\\`\\`\\`<br>&lt;/details&gt; @\u200deveryone");
    expect(text.indexOf("> [!CAUTION]")).toBeLessThan(text.indexOf("````text"));
    expectValidGitHubMarkdown(text, { allowedLinks });
  });

  it("stays within a comment, fence closed, however many and long the errors are", () => {
    const output = hugeErrorOutput();
    const text = renderPlanError({ environment: "dev", step: "terraform plan", exitCode: 1, output, mask: createMasker([]), runUrl });
    expect(text.length).toBeLessThanOrEqual(COMMENT_LIMIT - MARKER_ROOM);
    expect(text).toMatch(/\n> - … \d+ more errors below\n/);
    expect(text.split("\n").filter((line) => line.startsWith("> - **Error: ")).length).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^> - \*\*Error: e0 .{0,400}more characters.{0,4}\*\*<br>/m); // a 5,000-character summary, cut
    expectValidGitHubMarkdown(text, { allowedLinks });
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
    expect(countsLineOf(comment)).toBe("**Plan:** 1 to move");
    expect(comment).toContain("#### 📦 Import or move only (1)");
    expect(comment).toContain("moved from <code>terraform_data.old_name</code>");
  });
});

describe("imports", () => {
  const imported = (importing: Record<string, unknown>) =>
    JSON.stringify({
      format_version: "1.2",
      terraform_version: "1.12.0",
      resource_changes: [
        { address: "aws_s3_bucket.logs", mode: "managed", type: "aws_s3_bucket", name: "logs", change: { actions: ["no-op"], before: { bucket: "logs" }, after: { bucket: "logs" }, after_unknown: {}, importing } },
      ],
    });

  it("counts an import and shows its id", () => {
    const { comment, model } = render(imported({ id: "trading-logs-@ops" }), "import.json");
    expect(model.counts.import).toBe(1);
    expect(model.hasChanges).toBe(true);
    expect(countsLineOf(comment)).toBe("**Plan:** 1 to import");
    expect(comment).toContain("imported: id <code>trading-logs-@\u200dops</code>");
  });

  it("shows the identity of a resource imported by identity, which the digest covers (another object imported is another plan)", () => {
    const { comment, model } = render(imported({ identity: { account_id: "111122223333", bucket: "trading-logs" } }), "identity.json");
    expect(comment).toContain("imported: identity <code>account_id=111122223333, bucket=trading-logs</code>");
    expect(planDigest(model)).toBe(planDigest(parsePlanJson(imported({ identity: { bucket: "trading-logs", account_id: "111122223333" } }), "same.json")));
    expect(planDigest(model)).not.toBe(planDigest(parsePlanJson(imported({ identity: { account_id: "999999999999", bucket: "x" } }), "other.json")));
  });
});
