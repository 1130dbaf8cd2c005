import { diffChanges, renderMismatch } from "../../../review/src/apply/plan-difference";

const reviewed = [
  { address: "aws_s3_bucket.logs", actions: ["update"] },
  { address: "aws_iam_role.reader", actions: ["create"] },
  { address: "aws_rds_cluster.main", actions: ["update"] },
];
const current = [
  { address: "aws_s3_bucket.logs", actions: ["update"] },
  { address: "aws_rds_cluster.main", actions: ["delete", "create"] },
  { address: "aws_kms_key.data", actions: ["delete"] },
];

describe("the deploy gate's difference report", () => {
  it("sorts changes into new, gone and different actions by address", () => {
    expect(diffChanges(reviewed, current)).toEqual({
      onlyInCurrent: [{ address: "aws_kms_key.data", actions: ["delete"] }],
      onlyInReviewed: [{ address: "aws_iam_role.reader", actions: ["create"] }],
      changedActions: [{ address: "aws_rds_cluster.main", reviewed: ["update"], current: ["delete", "create"] }],
    });
  });

  it("shows a reviewer the replacement that was not reviewed, next to both digests", () => {
    const markdown = renderMismatch({
      environment: "prod",
      pullRequestNumber: 7,
      reviewedDigest: "sha256:aaa",
      reviewedRunId: 11,
      currentDigest: "sha256:bbb",
      reviewed,
      current,
      runUrl: "https://github.example/run/12",
    });
    expect(markdown).toContain("- reviewed on #7 (run 11): `sha256:aaa`");
    expect(markdown).toContain("- planned now ([run](https://github.example/run/12)): `sha256:bbb`");
    expect(markdown).toContain("**Only in the plan now:**\n- `delete` `aws_kms_key.data`");
    expect(markdown).toContain("**Only in the reviewed plan:**\n- `create` `aws_iam_role.reader`");
    expect(markdown).toContain("- `aws_rds_cluster.main`: reviewed `update`, now `delete, create`");
    expect(markdown).not.toContain("attribute values differ");
  });

  it("cannot be broken by a hostile address: backticks stay inside the code span", () => {
    const markdown = renderMismatch({
      environment: "dev",
      pullRequestNumber: 1,
      reviewedDigest: "sha256:a",
      reviewedRunId: 1,
      currentDigest: "sha256:b",
      reviewed: undefined,
      current: [{ address: 'terraform_data.x["`</details>@admin"]', actions: ["create"] }],
      runUrl: "u",
    });
    expect(markdown).toContain('- `create` ``terraform_data.x["`</details>@admin"]``');
  });
});
