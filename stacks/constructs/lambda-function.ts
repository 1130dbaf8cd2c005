import { AssetType, Lazy, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import type { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import type { Subnet } from "@cdktf/provider-aws/lib/subnet";
import type { FunctionManifest } from "../lambda/function-manifest";
import type { LambdaArtifact } from "../lambda-artifacts";
import type { AwsAccount } from "./aws-account";
import { EncryptedLogGroup } from "./encrypted-log-group";
import { grantKeyUse } from "./encryption-keys";
import { type Grantable, type PolicyStatement, policyDocument } from "./grants";
import type { SecurityGroupMember } from "./network";
import type { PermissionsBoundary } from "./permissions-boundary";
import { regionGuardStatement } from "./region-guard";

/**
 * The runtime every function uses: the newest Node.js LTS that Lambda supports on arm64, the major the
 * project builds and tests with (package.json engines.node). Lambda lists nodejs24.x as supported until
 * 2028-04-30 (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html); provider 6.25.0 validates
 * `runtime` against the AWS SDK's enum, which has had nodejs24.x since provider 6.19.0
 * (hashicorp/terraform-provider-aws#44986). Node.js 24 functions must use async handlers: the runtime
 * no longer calls callback-style ones (aws/aws-lambda-nodejs-runtime-interface-client#137;
 * test/lambda/handler-signatures.test.ts holds every handler to that).
 */
export const LAMBDA_RUNTIME = "nodejs24.x";
/** Graviton (arm64): about 20 % cheaper per GB-second than x86_64 for the same code. */
export const LAMBDA_ARCHITECTURE = "arm64";

/** Where a function's ENIs go when it runs inside the VPC. */
export interface FunctionVpcPlacement {
  readonly subnets: readonly Subnet[];
  readonly securityGroups: readonly SecurityGroup[];
  /**
   * The group the function's network interfaces are moved to when the
   * function is destroyed (`Network.defaultSecurityGroup`): one that outlives
   * the function and admits nothing.
   */
  readonly securityGroupOnDestroy: DefaultSecurityGroup | SecurityGroup;
}

export interface PlatformFunctionProps {
  /** What the function is: name, memory, timeout, whether it needs the VPC, reserved concurrency. */
  readonly manifest: FunctionManifest;
  /** The bundled code; staged into the stack as a Terraform asset. */
  readonly artifact: LambdaArtifact;
  /** Appended to the function name (`<manifest.name>-<suffix>`). */
  readonly environmentSuffix: string;
  readonly account: AwsAccount;
  /** Encrypts the function's environment variables (`EncryptionKeys.lambda`). */
  readonly environmentKey: KmsKey;
  /** Encrypts the function's log group (`EncryptionKeys.logs`). */
  readonly logsKey: KmsKey;
  /** Retention of the function's log group, in days. */
  readonly logRetentionInDays: number;
  /** Resolved environment variables. Default: none. */
  readonly environmentVariables?: Readonly<Record<string, string>>;
  /** Required when `manifest.inVpc` is true, ignored otherwise. */
  readonly vpc?: FunctionVpcPlacement;
  /** Bounds the function's role (`workloadBoundaryOf(account)`): the most any grant can give it. */
  readonly permissionsBoundary: PermissionsBoundary;
}

/**
 * One Lambda function of the platform, with everything it owns: its code
 * asset, a role of its own, its own encrypted log group, and one inline
 * policy holding exactly the statements granted to it. Statements added after
 * construction (by `grantX(fn)` calls on other constructs) are rendered at
 * synth time, so call order does not matter.
 */
export class PlatformFunction extends Construct implements Grantable, SecurityGroupMember {
  readonly grantName: string;
  readonly functionName: string;
  readonly manifest: FunctionManifest;
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: EncryptedLogGroup;
  private readonly statements: PolicyStatement[] = [];
  private readonly securityGroups: SecurityGroup[] = [];

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);
    const { manifest, artifact, account } = props;
    if (manifest.inVpc && (!props.vpc || props.vpc.subnets.length === 0 || props.vpc.securityGroups.length === 0)) {
      throw new Error(`Lambda function "${manifest.name}": manifest.inVpc is true, so subnets and security groups are required`);
    }
    this.manifest = manifest;
    this.functionName = `${manifest.name}-${props.environmentSuffix}`;
    this.grantName = this.functionName;
    if (manifest.inVpc && props.vpc) this.securityGroups.push(...props.vpc.securityGroups);

    // Created before the function, under the name Lambda would use, so Lambda
    // never creates its own unencrypted group with infinite retention.
    this.logGroup = new EncryptedLogGroup(this, "logs", {
      name: `/aws/lambda/${this.functionName}`,
      retentionInDays: props.logRetentionInDays,
      kmsKey: props.logsKey,
    });

    this.role = new IamRole(this, "role", {
      name: `${this.functionName}-lambda`,
      description: `Execution role of the ${this.functionName} Lambda function`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: `lambda.${account.dnsSuffix}` },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": account.accountId } },
          },
        ],
      }),
      permissionsBoundary: props.permissionsBoundary.policyArn,
    });

    this.addToPrincipalPolicy(regionGuardStatement([account.region]));
    this.addToPrincipalPolicy({
      sid: "WriteOwnLogGroup",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [`${this.logGroup.logGroup.arn}:*`],
    });
    this.addToPrincipalPolicy({
      sid: "XRayTracing",
      // X-Ray's trace APIs have no resource-level permissions: `*` is the only valid resource.
      actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
      resources: ["*"],
    });
    if (manifest.inVpc) {
      this.addToPrincipalPolicy({
        sid: "VpcNetworkInterfaces",
        // What AWSLambdaVPCAccessExecutionRole grants, minus its logs actions.
        // `*` because Lambda creates the ENIs (whose ids do not exist yet)
        // with this role, and the Describe* actions support no resource-level
        // permissions at all.
        actions: [
          "ec2:CreateNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSubnets",
          "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:UnassignPrivateIpAddresses",
        ],
        resources: ["*"],
      });
    }
    // Lambda decrypts the environment with this key on each cold start.
    grantKeyUse(props.environmentKey, this, "decrypt");

    const policy = new IamRolePolicy(this, "policy", {
      name: `${this.functionName}-least-privilege`,
      role: this.role.id,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
    });

    // The zip's own hash names the asset folder, so identical code is never
    // re-uploaded. Base64 contains `/`, which would nest folders: use hex.
    const code = new TerraformAsset(this, "code", {
      path: artifact.zipPath,
      type: AssetType.FILE,
      assetHash: Buffer.from(artifact.sha256Base64, "base64").toString("hex"),
    });

    const variables = props.environmentVariables ?? {};
    this.function = new LambdaFunction(this, "function", {
      functionName: this.functionName,
      description: manifest.description,
      role: this.role.arn,
      filename: code.path,
      sourceCodeHash: artifact.sha256Base64,
      handler: artifact.handler,
      runtime: LAMBDA_RUNTIME,
      architectures: [LAMBDA_ARCHITECTURE],
      memorySize: manifest.memorySize,
      timeout: manifest.timeout,
      reservedConcurrentExecutions: manifest.reservedConcurrency,
      kmsKeyArn: props.environmentKey.arn,
      environment: Object.keys(variables).length > 0 ? { variables: { ...variables } } : undefined,
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "Text", logGroup: this.logGroup.logGroup.name },
      vpcConfig:
        manifest.inVpc && props.vpc
          ? {
              subnetIds: props.vpc.subnets.map((subnet) => subnet.id),
              // Rendered at synth time: grants (e.g. `Database.grantConnect`) add groups after construction.
              securityGroupIds: Lazy.listValue({ produce: () => this.securityGroups.map((group) => group.id) }),
            }
          : undefined,
      // Lambda releases a deleted function's network interfaces asynchronously,
      // and until then they hold the function's security groups: deleting
      // those failed with DependencyViolation or waited up to 45 minutes
      // (hashicorp/terraform-provider-aws#37046, #10329). On destroy the
      // provider first moves the interfaces to `securityGroupOnDestroy`, so
      // the platform's groups delete at once; the subnets still wait for
      // Lambda (network.ts, LAMBDA_NETWORK_DELETE_TIMEOUT).
      replaceSecurityGroupsOnDestroy: manifest.inVpc && props.vpc ? true : undefined,
      replacementSecurityGroupIds: manifest.inVpc && props.vpc ? [props.vpc.securityGroupOnDestroy.id] : undefined,
      // A VPC function cannot be created before its role may create ENIs,
      // and its first log lines need the group to exist.
      dependsOn: [this.logGroup.logGroup, policy],
    });
  }

  get arn(): string {
    return this.function.arn;
  }

  get invokeArn(): string {
    return this.function.invokeArn;
  }

  addToPrincipalPolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
  }

  /**
   * Adds a security group to the function's ENIs (after those given in
   * `props.vpc`), e.g. the one the database admits. Joining twice is a no-op.
   */
  joinSecurityGroup(group: SecurityGroup): void {
    if (!this.manifest.inVpc) {
      throw new Error(`Lambda function "${this.manifest.name}": cannot join security group ${group.node.path}: manifest.inVpc is false, so the function has no ENIs in the VPC`);
    }
    if (!this.securityGroups.includes(group)) this.securityGroups.push(group);
  }

  /** The statements of the function's inline policy, in the order they were granted. */
  get policyStatements(): readonly PolicyStatement[] {
    return [...this.statements];
  }
}
