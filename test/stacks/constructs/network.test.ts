import { Network, cidrSubnet } from "../../../stacks/constructs/network";
import { grantTestbed, testAccount } from "../../support/data-plane";
import { environmentData } from "../../support/environments";
import { environmentNames, synthesizedStacks } from "../../support/synth";
import { onlyResource, policyOf, resolveReference, resourcesOf } from "../../support/terraform-json";

describe.each(environmentNames)("network in %s", (environmentName) => {
  const stack = () => synthesizedStacks().stacks.get(environmentName)!;
  const settings = environmentData(environmentName);
  const vpc = () => onlyResource(stack(), "aws_vpc");
  const subnets = (tier: string) => resourcesOf(stack(), "aws_subnet").filter((subnet) => subnet.body.tags.Tier === tier);

  it("VPC uses the environment's CIDR 10.0.0.0/16 with DNS support", () => {
    expect(vpc().body).toMatchObject({ cidr_block: "10.0.0.0/16", enable_dns_support: true, enable_dns_hostnames: true });
  });

  it("VPC spans exactly 3 AZs: one public and one private subnet in each distinct AZ", () => {
    for (const tier of ["public", "private"]) {
      const tierSubnets = subnets(tier);
      expect(tierSubnets).toHaveLength(3);
      const zones = tierSubnets.map((subnet) => subnet.body.availability_zone);
      // Distinct indexes of one filtered AZ list are distinct AZs.
      const indexes = zones.map((zone) => {
        const match = /^\$\{element\((data\.aws_availability_zones\.[^.]+)\.names, (\d+)\)\}$/.exec(zone);
        expect(match).not.toBeNull();
        return { source: match![1], index: Number(match![2]) };
      });
      expect(new Set(indexes.map((entry) => entry.source)).size).toBe(1);
      expect(indexes.map((entry) => entry.index).sort()).toEqual([0, 1, 2]);
      for (const subnet of tierSubnets) expect(resolveReference(stack(), subnet.body.vpc_id).address).toBe(vpc().address);
    }
    const zonesSource = resourcesOf({ resource: stack().data ?? {} } as never, "aws_availability_zones");
    expect(zonesSource).toHaveLength(1);
    expect(zonesSource[0].body).toMatchObject({ state: "available", filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] });
  });

  it("subnets are placed by AZ name and tagged with the AZ ID of that same zone", () => {
    // The provider lists names and zone_ids index-aligned, so the same index is the same physical zone.
    const indexIn = (list: "names" | "zone_ids", value: string) => {
      const match = new RegExp(`^\\$\\{element\\(data\\.aws_availability_zones\\.[^.]+\\.${list}, (\\d+)\\)\\}$`).exec(value);
      if (!match) throw new Error(`not an element of the zones' ${list}: ${value}`);
      return Number(match[1]);
    };
    for (const subnet of [...subnets("public"), ...subnets("private")]) {
      expect(subnet.body.availability_zone_id).toBeUndefined();
      expect(indexIn("zone_ids", subnet.body.tags.AvailabilityZoneId)).toBe(indexIn("names", subnet.body.availability_zone));
    }
  });

  it("subnet ranges do not overlap and lie inside the VPC", () => {
    const cidrs = [...subnets("public"), ...subnets("private")].map((subnet) => subnet.body.cidr_block);
    expect(cidrs).toEqual(["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20", "10.0.64.0/18", "10.0.128.0/18", "10.0.192.0/18"]);
  });

  it("exactly one NAT gateway, in a public subnet, with an Elastic IP", () => {
    const nats = resourcesOf(stack(), "aws_nat_gateway");
    expect(nats).toHaveLength(settings.network.natGatewayCount);
    expect(nats).toHaveLength(1);
    expect(resolveReference(stack(), nats[0].body.subnet_id).body.tags.Tier).toBe("public");
    expect(resolveReference(stack(), nats[0].body.allocation_id).type).toBe("aws_eip");
  });

  it("every private subnet routes to the internet through the NAT gateway, public subnets through the IGW", () => {
    const routes = resourcesOf(stack(), "aws_route");
    const associations = resourcesOf(stack(), "aws_route_table_association");
    for (const subnet of [...subnets("private"), ...subnets("public")]) {
      const association = associations.find((a) => resolveReference(stack(), a.body.subnet_id).address === subnet.address)!;
      const table = resolveReference(stack(), association.body.route_table_id).address;
      const defaultRoute = routes.find((r) => resolveReference(stack(), r.body.route_table_id).address === table && r.body.destination_cidr_block === "0.0.0.0/0")!;
      if (subnet.body.tags.Tier === "private") expect(resolveReference(stack(), defaultRoute.body.nat_gateway_id).type).toBe("aws_nat_gateway");
      else expect(resolveReference(stack(), defaultRoute.body.gateway_id).type).toBe("aws_internet_gateway");
    }
  });

  it("S3 and DynamoDB gateway endpoints serve every private route table", () => {
    const privateTables = resourcesOf(stack(), "aws_route_table").filter((table) => table.body.tags.Name.startsWith("trading-private-"));
    expect(privateTables).toHaveLength(3);
    for (const service of ["s3", "dynamodb"]) {
      const endpoint = onlyResource(stack(), "aws_vpc_endpoint", (body) => body.service_name === `com.amazonaws.${settings.region}.${service}`);
      expect(endpoint.body.vpc_endpoint_type).toBe("Gateway");
      expect(endpoint.body.route_table_ids.map((id: string) => resolveReference(stack(), id).address).sort()).toEqual(privateTables.map((t) => t.address).sort());
    }
  });

  it("no security group allows 0.0.0.0/0 ingress", () => {
    const open = (cidrs: unknown) => Array.isArray(cidrs) && cidrs.some((cidr) => cidr === "0.0.0.0/0" || cidr === "::/0");
    for (const group of [...resourcesOf(stack(), "aws_security_group"), ...resourcesOf(stack(), "aws_default_security_group")]) {
      for (const rule of group.body.ingress ?? []) expect(open(rule.cidr_blocks) || open(rule.ipv6_cidr_blocks)).toBe(false);
    }
    for (const rule of resourcesOf(stack(), "aws_security_group_rule").filter((r) => r.body.type === "ingress")) expect(open(rule.body.cidr_blocks)).toBe(false);
    for (const rule of resourcesOf(stack(), "aws_vpc_security_group_ingress_rule")) {
      expect(rule.body.cidr_ipv4).not.toBe("0.0.0.0/0");
      expect(rule.body.cidr_ipv6).not.toBe("::/0");
    }
  });

  const groupNamed = (name: string) => onlyResource(stack(), "aws_security_group", (body) => body.name === `${name}-${settings.environmentSuffix}`);
  const rulesOf = (type: string, group: string) => resourcesOf(stack(), type).filter((rule) => resolveReference(stack(), rule.body.security_group_id).address === group);

  it("the database accepts only PostgreSQL from the database client group, which may only reach it", () => {
    const clientGroup = groupNamed("trading-database-client");
    const databaseGroup = groupNamed("trading-database");

    const databaseIngress = rulesOf("aws_vpc_security_group_ingress_rule", databaseGroup.address);
    expect(databaseIngress).toHaveLength(1);
    expect(databaseIngress[0].body).toMatchObject({ ip_protocol: "tcp", from_port: 5432, to_port: 5432 });
    expect(databaseIngress[0].body.cidr_ipv4).toBeUndefined();
    expect(resolveReference(stack(), databaseIngress[0].body.referenced_security_group_id).address).toBe(clientGroup.address);
    expect(rulesOf("aws_vpc_security_group_egress_rule", databaseGroup.address)).toHaveLength(0);

    expect(rulesOf("aws_vpc_security_group_ingress_rule", clientGroup.address)).toHaveLength(0);
    const clientEgress = rulesOf("aws_vpc_security_group_egress_rule", clientGroup.address).map((rule) => rule.body);
    expect(clientEgress).toHaveLength(1);
    expect(clientEgress[0]).toMatchObject({ ip_protocol: "tcp", from_port: 5432, to_port: 5432 });
    expect(clientEgress[0].cidr_ipv4).toBeUndefined();
    expect(resolveReference(stack(), clientEgress[0].referenced_security_group_id).address).toBe(databaseGroup.address);
    // Inline rules would be a second, untested source of truth; standalone rule resources only.
    for (const group of [clientGroup, databaseGroup, groupNamed("trading-lambda")]) {
      expect(group.body.ingress).toBeUndefined();
      expect(group.body.egress).toBeUndefined();
    }
    expect(resourcesOf(stack(), "aws_security_group_rule")).toHaveLength(0);
  });

  it("the general Lambda security group has no 5432 egress: HTTPS out only, nothing in", () => {
    const lambdaGroup = groupNamed("trading-lambda");
    expect(rulesOf("aws_vpc_security_group_ingress_rule", lambdaGroup.address)).toHaveLength(0);
    // Without cdktf's "//" metadata, so the comparison is the exact rule set.
    const lambdaEgress = rulesOf("aws_vpc_security_group_egress_rule", lambdaGroup.address).map((rule) =>
      Object.fromEntries(Object.entries(rule.body).filter(([key]) => key !== "//")),
    );
    expect(lambdaEgress).toEqual([
      {
        security_group_id: `\${${lambdaGroup.address}.id}`,
        description: "HTTPS to AWS APIs (through the NAT gateway and the gateway endpoints)",
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_ipv4: "0.0.0.0/0",
      },
    ]);
    for (const rule of lambdaEgress) expect(rule.ip_protocol !== "-1" && rule.from_port <= 5432 && rule.to_port >= 5432).toBe(false);
  });

  it("the VPC's default security group is closed (no rules)", () => {
    const closed = onlyResource(stack(), "aws_default_security_group");
    expect(resolveReference(stack(), closed.body.vpc_id).address).toBe(vpc().address);
    expect(closed.body.ingress).toEqual([]);
    expect(closed.body.egress).toEqual([]);
  });

  it("VPC flow logs record ALL traffic to a KMS-encrypted 30-day log group through a region-guarded role", () => {
    const flowLog = onlyResource(stack(), "aws_flow_log");
    expect(flowLog.body.traffic_type).toBe("ALL");
    expect(flowLog.body.log_destination_type).toBe("cloud-watch-logs");
    expect(resolveReference(stack(), flowLog.body.vpc_id).address).toBe(vpc().address);
    const group = resolveReference(stack(), flowLog.body.log_destination);
    expect(group.type).toBe("aws_cloudwatch_log_group");
    expect(group.body.retention_in_days).toBe(30);
    expect(resolveReference(stack(), group.body.kms_key_id).type).toBe("aws_kms_key");

    const role = resolveReference(stack(), flowLog.body.iam_role_arn);
    const trust = policyOf(role.body.assume_role_policy).Statement[0];
    expect(trust.Principal.Service).toBe("vpc-flow-logs.amazonaws.com");
    const inline = onlyResource(stack(), "aws_iam_role_policy", (body) => resolveReference(stack(), body.role).address === role.address);
    const statements = policyOf(inline.body.policy).Statement;
    expect(statements.find((s) => s.Sid === "DenyOutsideApprovedRegions")).toMatchObject({
      Effect: "Deny",
      Resource: "*",
      Condition: { StringNotEquals: { "aws:RequestedRegion": [settings.region] } },
    });
    const write = statements.find((s) => s.Sid === "WriteFlowLogGroup");
    expect(write.Resource).toEqual([`\${${group.address}.arn}`, `\${${group.address}.arn}:*`]);
  });
});

describe("cidrSubnet", () => {
  it("matches Terraform's cidrsubnet", () => {
    expect(cidrSubnet("10.0.0.0/16", 4, 2)).toBe("10.0.32.0/20");
    expect(cidrSubnet("10.0.0.0/16", 2, 3)).toBe("10.0.192.0/18");
    expect(cidrSubnet("192.168.4.0/24", 4, 15)).toBe("192.168.4.240/28");
  });

  it("refuses subnets that do not fit", () => {
    expect(() => cidrSubnet("10.0.0.0/16", 2, 4)).toThrow("holds 4 subnets of /18, not 5");
    expect(() => cidrSubnet("10.0.0.0/26", 4, 0)).toThrow("no room for /30");
  });
});

describe("Network with other settings", () => {
  it("spreads private subnets round-robin over several NAT gateways", () => {
    const testbed = grantTestbed();
    new Network(testbed.stack, "three-nat", {
      environmentSuffix: "nat3",
      account: testAccount,
      vpcCidr: "10.1.0.0/16",
      availabilityZoneCount: 3,
      natGatewayCount: 3,
      logsKey: testbed.keys.logs,
      logRetentionInDays: 30,
    });
    const { json } = testbed.synth();
    const nats = resourcesOf(json, "aws_nat_gateway").filter((nat) => nat.name.startsWith("three-nat"));
    expect(nats).toHaveLength(3);
    const privateRoutes = resourcesOf(json, "aws_route").filter((route) => route.name.startsWith("three-nat_private-default-route"));
    expect(new Set(privateRoutes.map((route) => resolveReference(json, route.body.nat_gateway_id).address)).size).toBe(3);
  });

  it("refuses more NAT gateways than AZs", () => {
    const testbed = grantTestbed();
    expect(
      () =>
        new Network(testbed.stack, "too-many", {
          environmentSuffix: "x",
          account: testAccount,
          vpcCidr: "10.1.0.0/16",
          availabilityZoneCount: 3,
          natGatewayCount: 4,
          logsKey: testbed.keys.logs,
          logRetentionInDays: 30,
        }),
    ).toThrow("Network: natGatewayCount (4) cannot exceed availabilityZoneCount (3)");
  });
});
