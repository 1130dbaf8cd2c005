import { Fn } from "cdktf";
import { Construct } from "constructs";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { AwsAccount } from "./aws-account";
import { EncryptedLogGroup } from "./encrypted-log-group";
import type { PermissionsBoundary } from "./permissions-boundary";
import { ServiceRole } from "./service-role";

export interface NetworkProps {
  readonly environmentSuffix: string;
  readonly account: AwsAccount;
  /** The VPC's IPv4 range, /16 to /24. */
  readonly vpcCidr: string;
  /** How many AZs the subnets span (one public and one private subnet each). */
  readonly availabilityZoneCount: number;
  /** NAT gateways, in the first public subnets; private subnets share them round-robin. */
  readonly natGatewayCount: number;
  /** Encrypts the flow-log group (`EncryptionKeys.logs`). */
  readonly logsKey: KmsKey;
  readonly logRetentionInDays: number;
  /** Bounds the flow-log delivery role (`workloadBoundaryOf(account)`). */
  readonly permissionsBoundary: PermissionsBoundary;
}

/** Something whose network interfaces can join security groups, such as a VPC Lambda function. */
export interface SecurityGroupMember {
  joinSecurityGroup(group: SecurityGroup): void;
}

/** The PostgreSQL port the database listens on and the functions reach. */
export const POSTGRES_PORT = 5432;

/**
 * Delete timeout of what VPC Lambda functions' network interfaces use: the
 * private subnets and the Lambda security groups. Lambda releases those
 * interfaces asynchronously after a function is deleted or leaves a group; the
 * provider waits at least 45 minutes for them ("AWS Lambda service team
 * confirms P99 deletion time of ~35 minutes", deleteLingeringLambdaENIs in
 * terraform-provider-aws; aws_subnet and aws_security_group docs). One hour
 * leaves room past that P99 before a destroy fails.
 */
export const LAMBDA_NETWORK_DELETE_TIMEOUT = "60m";

/**
 * The subnet `netnum` of `newbits` extra prefix bits inside `cidr`, like
 * Terraform's cidrsubnet, computed at synth time so the plan shows literal
 * ranges.
 */
export function cidrSubnet(cidr: string, newbits: number, netnum: number): string {
  const [address, prefixText] = cidr.split("/");
  const prefix = Number(prefixText) + newbits;
  if (prefix > 28) throw new Error(`cidrSubnet: ${cidr} has no room for /${prefix} subnets (AWS allows /16 to /28)`);
  if (netnum >= 2 ** newbits) throw new Error(`cidrSubnet: ${cidr} holds ${2 ** newbits} subnets of /${prefix}, not ${netnum + 1}`);
  const base = address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
  const start = base + netnum * 2 ** (32 - prefix);
  return `${[24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256).join(".")}/${prefix}`;
}

/**
 * The VPC: one public and one private subnet in each of the first
 * `availabilityZoneCount` AZs of the region. Public subnets take the first
 * quarter of the range in 1/16 slices (IGW, NAT); private subnets each take a
 * quarter (the workloads). S3 and DynamoDB gateway endpoints keep data traffic
 * off the NAT gateway, which is billed per GB. Every packet is recorded by
 * flow logs; no security group accepts traffic from the internet, and Aurora
 * admits only the database client group, which functions join through
 * `Database.grantConnect`.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  /** The AZ names the subnets use, index-aligned with `privateSubnets` and `publicSubnets`. */
  readonly availabilityZones: string[];
  readonly publicSubnets: Subnet[];
  readonly privateSubnets: Subnet[];
  readonly privateRouteTables: RouteTable[];
  readonly natGateways: NatGateway[];
  /** Every VPC function: HTTPS out (AWS APIs via NAT and endpoints) only; no PostgreSQL. */
  readonly lambdaSecurityGroup: SecurityGroup;
  /**
   * The VPC's default group, adopted with no rules: what a deleted function's
   * orphaned network interfaces are moved to (`replacement_security_group_ids`).
   * Terraform never deletes it (AWS does, with the VPC), so it outlives every
   * function.
   */
  readonly defaultSecurityGroup: DefaultSecurityGroup;
  /**
   * Added to the functions granted database access (`Database.grantConnect`):
   * PostgreSQL out to the database group, and the only group it admits.
   */
  readonly databaseClientSecurityGroup: SecurityGroup;
  /** For Aurora: PostgreSQL in from the database client group only; nothing out. */
  readonly databaseSecurityGroup: SecurityGroup;
  readonly flowLogGroup: EncryptedLogGroup;

  /** The region's regular AZs, in the order the subnets take them. */
  private readonly zones: DataAwsAvailabilityZones;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    if (props.natGatewayCount > props.availabilityZoneCount) {
      throw new Error(`Network: natGatewayCount (${props.natGatewayCount}) cannot exceed availabilityZoneCount (${props.availabilityZoneCount})`);
    }
    // Each method creates one concern's resources directly under this
    // construct. Their ids are stable forever: a renamed id is a replaced resource.
    this.zones = this.findAvailabilityZones();
    this.availabilityZones = Array.from({ length: props.availabilityZoneCount }, (_, index) => Fn.element(this.zones.names, index));
    this.vpc = this.createVpc(props);
    this.defaultSecurityGroup = this.closeDefaultSecurityGroup(props);
    const internetGateway = this.createInternetGateway(props);
    this.publicSubnets = this.createPublicSubnets(props, internetGateway);
    this.natGateways = this.createNatGateways(props, internetGateway, this.publicSubnets);
    const privateTier = this.createPrivateSubnets(props, this.natGateways);
    this.privateSubnets = privateTier.subnets;
    this.privateRouteTables = privateTier.routeTables;
    this.createGatewayEndpoints(props, this.privateRouteTables);
    const groups = this.createSecurityGroups(props);
    this.lambdaSecurityGroup = groups.lambda;
    this.databaseClientSecurityGroup = groups.databaseClient;
    this.databaseSecurityGroup = groups.database;
    this.flowLogGroup = this.recordFlowLogs(props);
  }

  /**
   * Only the region's regular AZs (no Local or Wavelength Zones, which need
   * opting in and lack services such as NAT gateways); taking distinct
   * indexes of one list puts each subnet pair in a different AZ.
   *
   * Placed by AZ name, not AZ ID. In the oldest regions a name maps to a
   * different physical zone in each account; AZ IDs are the same everywhere
   * ("AZ IDs", AWS Regions and Availability Zones guide). That matters only
   * when placements are compared across accounts (a subnet shared through
   * RAM, a cross-account endpoint service); everything here lives in one
   * account, where names are stable, and Aurora instances take AZ names only
   * (aws_rds_cluster_instance has no AZ-ID argument). Switching would gain
   * nothing: the provider lists names and zone_ids index-aligned (both sorted
   * by name), so element(zone_ids, i) is the same zone as element(names, i) in
   * an account and still a different one in another. Each subnet is tagged
   * with its AZ ID so the physical zone is visible (AWS Health reports zone
   * events by AZ ID).
   */
  private findAvailabilityZones(): DataAwsAvailabilityZones {
    return new DataAwsAvailabilityZones(this, "zones", {
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
  }

  /** The tag naming the physical zone (AZ ID) of the subnet pair at `index`. */
  private zoneIdTag(index: number): { AvailabilityZoneId: string } {
    return { AvailabilityZoneId: Fn.element(this.zones.zoneIds, index) };
  }

  private createVpc(props: NetworkProps): Vpc {
    return new Vpc(this, "vpc", {
      cidrBlock: props.vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: `trading-vpc-${props.environmentSuffix}` },
    });
  }

  /**
   * PCI rule vpc-default-security-group-closed: adopting the default group
   * with no rules removes AWS's allow-all rules from it.
   */
  private closeDefaultSecurityGroup(props: NetworkProps): DefaultSecurityGroup {
    return new DefaultSecurityGroup(this, "default-security-group", {
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: { Name: `trading-default-closed-${props.environmentSuffix}` },
    });
  }

  private createInternetGateway(props: NetworkProps): InternetGateway {
    return new InternetGateway(this, "internet-gateway", {
      vpcId: this.vpc.id,
      tags: { Name: `trading-igw-${props.environmentSuffix}` },
    });
  }

  /** One public subnet per AZ, in the first quarter of the range (1/16 slices), routed to the internet gateway. */
  private createPublicSubnets(props: NetworkProps, internetGateway: InternetGateway): Subnet[] {
    const suffix = props.environmentSuffix;
    const publicRouteTable = new RouteTable(this, "public-route-table", {
      vpcId: this.vpc.id,
      tags: { Name: `trading-public-${suffix}` },
    });
    new Route(this, "public-default-route", {
      routeTableId: publicRouteTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: internetGateway.id,
    });

    return this.availabilityZones.map((zone, index) => {
      const subnet = new Subnet(this, `public-subnet-${index}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: cidrSubnet(props.vpcCidr, 4, index),
        // Nothing in the platform needs a public IP except the NAT's EIP.
        mapPublicIpOnLaunch: false,
        tags: { Name: `trading-public-${index}-${suffix}`, Tier: "public", ...this.zoneIdTag(index) },
      });
      new RouteTableAssociation(this, `public-subnet-${index}-routes`, { subnetId: subnet.id, routeTableId: publicRouteTable.id });
      return subnet;
    });
  }

  /** `natGatewayCount` NAT gateways, one in each of the first public subnets. */
  private createNatGateways(props: NetworkProps, internetGateway: InternetGateway, publicSubnets: readonly Subnet[]): NatGateway[] {
    const suffix = props.environmentSuffix;
    return Array.from({ length: props.natGatewayCount }, (_, index) => {
      const address = new Eip(this, `nat-eip-${index}`, {
        domain: "vpc",
        tags: { Name: `trading-nat-${index}-${suffix}` },
        dependsOn: [internetGateway],
      });
      return new NatGateway(this, `nat-gateway-${index}`, {
        allocationId: address.allocationId,
        subnetId: publicSubnets[index].id,
        tags: { Name: `trading-nat-${index}-${suffix}` },
        dependsOn: [internetGateway],
      });
    });
  }

  /** One private subnet per AZ (a quarter of the range each), routed to the NAT gateways round-robin. */
  private createPrivateSubnets(props: NetworkProps, natGateways: readonly NatGateway[]): { subnets: Subnet[]; routeTables: RouteTable[] } {
    const suffix = props.environmentSuffix;
    const routeTables: RouteTable[] = [];
    const subnets = this.availabilityZones.map((zone, index) => {
      const subnet = new Subnet(this, `private-subnet-${index}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: cidrSubnet(props.vpcCidr, 2, index + 1),
        mapPublicIpOnLaunch: false,
        tags: { Name: `trading-private-${index}-${suffix}`, Tier: "private", ...this.zoneIdTag(index) },
        // The functions' network interfaces live here.
        timeouts: { delete: LAMBDA_NETWORK_DELETE_TIMEOUT },
      });
      // A route table per AZ, so adding NAT gateways later only changes routes.
      const routeTable = new RouteTable(this, `private-route-table-${index}`, {
        vpcId: this.vpc.id,
        tags: { Name: `trading-private-${index}-${suffix}` },
      });
      new Route(this, `private-default-route-${index}`, {
        routeTableId: routeTable.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: natGateways[index % natGateways.length].id,
      });
      new RouteTableAssociation(this, `private-subnet-${index}-routes`, { subnetId: subnet.id, routeTableId: routeTable.id });
      routeTables.push(routeTable);
      return subnet;
    });
    return { subnets, routeTables };
  }

  /** S3 and DynamoDB gateway endpoints: data traffic stays off the NAT gateway, which is billed per GB. */
  private createGatewayEndpoints(props: NetworkProps, routeTables: readonly RouteTable[]): void {
    const { environmentSuffix: suffix, account } = props;
    for (const service of ["s3", "dynamodb"]) {
      new VpcEndpoint(this, `${service}-endpoint`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${account.region}.${service}`,
        vpcEndpointType: "Gateway",
        routeTableIds: routeTables.map((table) => table.id),
        tags: { Name: `trading-${service}-endpoint-${suffix}` },
      });
    }
  }

  /** The functions' groups and Aurora's, and the only rules between them and out of them. */
  private createSecurityGroups(props: NetworkProps): { lambda: SecurityGroup; databaseClient: SecurityGroup; database: SecurityGroup } {
    const suffix = props.environmentSuffix;
    // AWS cannot change a security group's description in place: the
    // original text stays so the group every function's ENIs use is not
    // replaced. Its PostgreSQL rule moved to the database client group.
    const lambdaSecurityGroup = new SecurityGroup(this, "lambda-security-group", {
      name: `trading-lambda-${suffix}`,
      description: "Platform Lambda functions: no inbound; HTTPS and PostgreSQL out",
      vpcId: this.vpc.id,
      tags: { Name: `trading-lambda-${suffix}` },
      timeouts: { delete: LAMBDA_NETWORK_DELETE_TIMEOUT },
    });
    const databaseClientSecurityGroup = new SecurityGroup(this, "database-client-security-group", {
      name: `trading-database-client-${suffix}`,
      description: "Lambda functions granted database access: no inbound; PostgreSQL out to Aurora",
      vpcId: this.vpc.id,
      tags: { Name: `trading-database-client-${suffix}` },
      timeouts: { delete: LAMBDA_NETWORK_DELETE_TIMEOUT },
    });
    const databaseSecurityGroup = new SecurityGroup(this, "database-security-group", {
      name: `trading-database-${suffix}`,
      description: "Aurora PostgreSQL: PostgreSQL in from the Lambda functions only",
      vpcId: this.vpc.id,
      tags: { Name: `trading-database-${suffix}` },
    });
    new VpcSecurityGroupEgressRule(this, "lambda-https-egress", {
      securityGroupId: lambdaSecurityGroup.id,
      description: "HTTPS to AWS APIs (through the NAT gateway and the gateway endpoints)",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    new VpcSecurityGroupEgressRule(this, "database-client-postgres-egress", {
      securityGroupId: databaseClientSecurityGroup.id,
      description: "PostgreSQL to the Aurora cluster",
      ipProtocol: "tcp",
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: databaseSecurityGroup.id,
    });
    new VpcSecurityGroupIngressRule(this, "database-postgres-ingress", {
      securityGroupId: databaseSecurityGroup.id,
      description: "PostgreSQL from the Lambda functions granted database access",
      ipProtocol: "tcp",
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      referencedSecurityGroupId: databaseClientSecurityGroup.id,
    });
    return { lambda: lambdaSecurityGroup, databaseClient: databaseClientSecurityGroup, database: databaseSecurityGroup };
  }

  /** Flow logs of ALL traffic to an encrypted log group, delivered by a bounded role that may write only there. */
  private recordFlowLogs(props: NetworkProps): EncryptedLogGroup {
    const { environmentSuffix: suffix, account } = props;
    const flowLogGroup = new EncryptedLogGroup(this, "flow-logs", {
      name: `/trading/vpc-flow-logs-${suffix}`,
      retentionInDays: props.logRetentionInDays,
      kmsKey: props.logsKey,
    });
    const flowLogRole = new ServiceRole(this, "flow-log-role", {
      name: `trading-vpc-flow-logs-${suffix}`,
      description: `Delivers VPC flow logs of trading-vpc-${suffix} to CloudWatch Logs`,
      service: "vpc-flow-logs",
      account,
      permissionsBoundary: props.permissionsBoundary,
    });
    flowLogRole.addToPrincipalPolicy({
      sid: "WriteFlowLogGroup",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      resources: [flowLogGroup.logGroup.arn, `${flowLogGroup.logGroup.arn}:*`],
    });
    flowLogRole.addToPrincipalPolicy({
      sid: "FindFlowLogGroup",
      // DescribeLogGroups authorizes against the account's log-group ARN space, not one group.
      actions: ["logs:DescribeLogGroups"],
      resources: [`arn:${account.partition}:logs:${account.region}:${account.accountId}:log-group:*`],
    });
    new FlowLog(this, "flow-log", {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: flowLogGroup.logGroup.arn,
      iamRoleArn: flowLogRole.role.arn,
      maxAggregationInterval: 60,
      tags: { Name: `trading-vpc-flow-log-${suffix}` },
    });
    return flowLogGroup;
  }
}
