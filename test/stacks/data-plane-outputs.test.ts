import { environmentData } from "../support/environments";
import { environmentNames, synthesizedStacks } from "../support/synth";
import { resolveReference } from "../support/terraform-json";

describe.each(environmentNames)("data plane outputs of %s", (environmentName) => {
  const stack = () => synthesizedStacks().stacks.get(environmentName)!;
  const settings = environmentData(environmentName);
  const output = (name: string) => {
    const value = stack().output?.[name]?.value;
    if (value === undefined) throw new Error(`no output ${name}`);
    return value;
  };

  it("outputs the VPC id", () => {
    const ref = resolveReference(stack(), output("vpc_id"));
    expect([ref.type, ref.attribute]).toEqual(["aws_vpc", "id"]);
  });

  it("outputs the Aurora writer and reader endpoints and the master secret ARN", () => {
    expect(resolveReference(stack(), output("aurora_writer_endpoint"))).toMatchObject({ type: "aws_rds_cluster", attribute: "endpoint" });
    expect(resolveReference(stack(), output("aurora_reader_endpoint"))).toMatchObject({ type: "aws_rds_cluster", attribute: "reader_endpoint" });
    expect(resolveReference(stack(), output("aurora_master_secret_arn"))).toMatchObject({ type: "aws_rds_cluster", attribute: "master_user_secret[0].secret_arn" });
  });

  it("outputs every bucket name", () => {
    const names = output("bucket_names") as Record<string, string>;
    const purposes = ["accessLogs", "ingestion", "analytics", "archival"];
    expect(Object.keys(names).sort()).toEqual(purposes.sort());
    const buckets = Object.values(names).map((token) => resolveReference(stack(), token));
    for (const bucket of buckets) expect([bucket.type, bucket.attribute]).toEqual(["aws_s3_bucket", "bucket"]);
    expect(new Set(buckets.map((bucket) => bucket.address)).size).toBe(Object.keys(stack().resource.aws_s3_bucket).length);
  });

  it("outputs the table names", () => {
    expect(resolveReference(stack(), output("user_sessions_table_name")).body.name).toBe(`user-sessions-${settings.environmentSuffix}`);
    expect(resolveReference(stack(), output("api_keys_table_name")).body.name).toBe(`api-keys-${settings.environmentSuffix}`);
  });
});
