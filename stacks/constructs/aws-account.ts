import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";

/**
 * Where the stack deploys: the account and partition are read at plan time
 * (environment files may omit the account id), the region comes from the
 * environment file. Constructs use it to build exact ARNs and unique names.
 */
export interface AwsAccount {
  /** 12-digit account id (a token resolved at plan time). */
  readonly accountId: string;
  readonly region: string;
  /** `aws`, or `aws-us-gov` / `aws-cn` for other partitions. */
  readonly partition: string;
  /**
   * The DNS suffix of service endpoints and principals. `amazonaws.com` in
   * every partition the environment schema accepts (commercial, GovCloud);
   * a literal keeps key policies readable in the plan.
   */
  readonly dnsSuffix: string;
}

/** Reads the current account and partition once per stack. */
export class AccountLookup extends Construct implements AwsAccount {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly dnsSuffix: string;

  constructor(scope: Construct, id: string, props: { readonly region: string }) {
    super(scope, id);
    const caller = new DataAwsCallerIdentity(this, "caller");
    const partition = new DataAwsPartition(this, "partition");
    this.accountId = caller.accountId;
    this.region = props.region;
    this.partition = partition.partition;
    this.dnsSuffix = "amazonaws.com";
  }
}
