// The ordering argument for a fresh account: the account's bootstrap stack
// is applied first (the workflows need its roles anyway); after it, every
// environment stack applies in any order, because no environment stack
// creates or reads anything another stack creates, except the workload
// boundary, which it names by an ARN derived from the account id.
import { WORKLOAD_BOUNDARY_NAME } from "../../stacks/constructs/permissions-boundary";
import { repoBootstrapStacks } from "../support/bootstrap";
import { repoEnvironments } from "../support/environments";
import { environmentNames, synthesizedStacks } from "../support/synth";
import { resourcesOf } from "../support/terraform-json";

/** Resources AWS allows once per account (and region); only the bootstrap may create them. */
const ACCOUNT_SINGLETON_TYPES = [
  "aws_api_gateway_account",
  "aws_config_configuration_recorder",
  "aws_config_configuration_recorder_status",
  "aws_config_delivery_channel",
  "aws_config_config_rule",
  "aws_iam_openid_connect_provider",
  "aws_iam_policy",
];

/** Data sources that read the account itself, not anything a stack creates. */
const ACCOUNT_FACT_DATA_SOURCES = ["aws_availability_zones", "aws_caller_identity", "aws_partition"];

describe.each(environmentNames)("the %s environment stack in a fresh account", (environmentName) => {
  const stack = () => synthesizedStacks().stacks.get(environmentName)!;
  const environment = repoEnvironments().find((candidate) => candidate.name === environmentName)!;
  const bootstrap = () => repoBootstrapStacks().get(environment.account.name)!.stack;

  it("creates no account-level singleton", () => {
    expect(Object.keys(stack().resource).filter((type) => ACCOUNT_SINGLETON_TYPES.includes(type))).toEqual([]);
  });

  it("reads only facts about the account, never a resource another stack creates (no remote state, no IAM lookups)", () => {
    expect(Object.keys(stack().data ?? {}).filter((type) => !ACCOUNT_FACT_DATA_SOURCES.includes(type))).toEqual([]);
  });

  it("refers to the bootstrap only through the workload boundary's derived ARN", () => {
    const text = JSON.stringify(stack().resource);
    const mentions = text.split(WORKLOAD_BOUNDARY_NAME).length - 1;
    const roles = resourcesOf(stack(), "aws_iam_role");
    expect(mentions).toBe(roles.length);
    for (const role of roles) expect(role.body.permissions_boundary).toMatch(new RegExp(`^arn:\\$\\{data\\.aws_partition\\.[^}]+\\}:iam::\\$\\{data\\.aws_caller_identity\\.[^}]+\\}:policy/[a-z-]+/${WORKLOAD_BOUNDARY_NAME}$`));
  });

  it("finds, in its account's bootstrap, the API Gateway logging setting and Config for its region", () => {
    const region = environment.config.region;
    const regional = (type: string) => resourcesOf(bootstrap(), type).filter((resource) => resource.name.startsWith(`region-${region}_`));
    expect(regional("aws_api_gateway_account")).toHaveLength(1);
    expect(regional("aws_config_config_rule").length).toBeGreaterThan(0);
    const stage = resourcesOf(stack(), "aws_api_gateway_stage")[0];
    expect((stage.body.depends_on ?? []).filter((entry: string) => !entry.startsWith("aws_cloudwatch_log_group."))).toEqual([]);
  });
});
