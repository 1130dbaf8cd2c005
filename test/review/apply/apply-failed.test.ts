// A failed apply, from the real terraform binary: the error first, then what completed before it.
import { renderApplyFailed } from "../../../review/src/apply/markdown";
import { parseTerraformOutput } from "../../../review/src/terraform/terraform-output";
import { renderApplyFailedText } from "../../../review/src/apply/text";
import { parsePlanJson } from "../../../review/src/terraform/plan-model";
import { PLAIN } from "../../../review/src/text";
import { expectValidGitHubMarkdown } from "../../support/github-markdown";
import { describeWithTerraform, terraformApplyFailure } from "../../support/terraform";
import { hugeErrorOutput } from "../../support/terraform-output";
import { COMMENT_LIMIT } from "../../../review/src/markdown";

const runUrl = "https://github.example/acme/infra/actions/runs/9";
const model = parsePlanJson(JSON.stringify({ format_version: "1.2", terraform_version: "1.11.4", resource_changes: [] }), "plan.json");

describeWithTerraform("a failed apply", () => {
  // The second resource's provisioner fails after the first was created; its message is hostile.
  const message = "quota exceeded for @octocat #12 <b>bad</b> see https://evil.example/help";
  const { exitCode, output } = terraformApplyFailure({
    resource: {
      terraform_data: {
        first: { input: "a" },
        second: { input: "b", depends_on: ["terraform_data.first"], provisioner: [{ "local-exec": { command: `echo '${message}' >&2 && exit 3` } }] },
      },
    },
  });

  it("is read as terraform's errors and the changes completed before them", () => {
    expect(exitCode).toBe(1);
    const outcome = parseTerraformOutput(output);
    expect(outcome.completed).toEqual([{ address: "terraform_data.first", action: "created" }]);
    expect(outcome.errors).toHaveLength(1);
    expect(outcome.errors[0]!.summary).toBe("local-exec provisioner error");
    expect(outcome.errors[0]!.details.map((line) => line.trim())).toContain("with terraform_data.second,");
  });

  it("shows the error first, as wrapping text, then what completed; the output collapsed", () => {
    const comment = renderApplyFailed({ environment: "dev", pullRequestNumber: 42, model, output, runUrl });
    const html = expectValidGitHubMarkdown(comment, { allowedLinks: (href) => href === runUrl, allowedReferences: ["#42"] });
    const error = comment.indexOf("**Error: local-exec provisioner error**");
    const completed = comment.indexOf("**Completed before the failure (1):** `terraform_data.first` created");
    const details = comment.indexOf("<details><summary>The last lines of terraform's output</summary>");
    expect(error).toBeGreaterThan(-1);
    expect(completed).toBeGreaterThan(error);
    expect(details).toBeGreaterThan(completed);
    // The error's lines are text in the CAUTION block (they wrap), not only in the code block.
    const caution = comment.slice(comment.indexOf("> [!CAUTION]"), completed);
    expect(caution).toContain("with terraform\\_data.second,");
    expect(caution).toContain("quota exceeded for @\u200doctocat #\u200d12 &lt;b&gt;bad&lt;/b&gt;");
    expect(html).not.toContain("<b>bad");
  });

  it("for a terminal too: the error first", () => {
    const text = renderApplyFailedText({ environment: "dev", pullRequestNumber: 42, model, output }, PLAIN);
    expect(text.indexOf("Error: local-exec provisioner error")).toBeLessThan(text.indexOf("Completed before the failure (1): terraform_data.first created"));
    expect(text.indexOf("Completed before the failure")).toBeLessThan(text.indexOf("terraform's output:"));
  });
});

describe("a failed apply with an output far larger than a comment", () => {
  it("stays within a comment, the CAUTION block and the output both cut, the fence closed", () => {
    const comment = renderApplyFailed({ environment: "dev", pullRequestNumber: 42, model, output: hugeErrorOutput(), runUrl });
    expect(comment.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(comment).toMatch(/\n> - … \d+ more errors in the output below and in the run\n/);
    expectValidGitHubMarkdown(comment, { allowedLinks: (href) => href === runUrl, allowedReferences: ["#42"] });
  });
});
