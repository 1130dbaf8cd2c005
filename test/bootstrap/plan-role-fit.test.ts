// The plan role is ReadOnlyAccess minus reads of business data. This keeps
// that deny compatible with the platform: a plan refreshes every resource and
// data source, and none of them may need a denied read.
import { environmentNames, synthesizedStacks } from "../support/synth";

/** Terraform types whose refresh reads item, secret or object contents the plan role is denied. */
const NEEDS_DENIED_READS = [
  "aws_dynamodb_table_item",
  "aws_secretsmanager_secret_version",
  "aws_rds_cluster_activity_stream",
  "aws_cloudwatch_log_stream",
  "aws_s3_object",
  "aws_s3_bucket_object",
  "aws_s3_objects",
];

describe("the read-only plan role fits what the platform's plans read", () => {
  const { stacks } = synthesizedStacks();

  it.each(environmentNames)("no resource or data source of %s needs a read the plan role denies", (environment) => {
    const stack = stacks.get(environment)!;
    const types = [...Object.keys(stack.resource ?? {}), ...Object.keys(stack.data ?? {})];
    expect(types.filter((type) => NEEDS_DENIED_READS.includes(type))).toEqual([]);
  });
});
