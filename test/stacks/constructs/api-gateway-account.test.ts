import { repoBootstrapStacks } from "../../support/bootstrap";
import { policyOf, resolveReference, resourcesOf } from "../../support/terraform-json";

describe.each([...repoBootstrapStacks().values()].map(({ account, stack }) => [account.name, stack] as const))("API Gateway CloudWatch role setting of account %s (bootstrap)", (_name, stack) => {
  const settings = () => resourcesOf(stack, "aws_api_gateway_account");

  it("trusts API Gateway with exactly the documented trust policy: the service principal, no aws:SourceAccount condition", () => {
    // API Gateway Developer Guide, "Set up CloudWatch logging for REST APIs": a role with
    // apigateway.amazonaws.com as trusted entity; nothing documents API Gateway sending aws:SourceAccount.
    for (const setting of settings()) {
      const role = resolveReference(stack, setting.body.cloudwatch_role_arn);
      expect(policyOf(role.body.assume_role_policy)).toEqual({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "apigateway.amazonaws.com" }, Action: "sts:AssumeRole" }],
      });
      expect(role.body.path).toBe("/account-baseline/");
    }
  });

  it("attaches AmazonAPIGatewayPushToCloudWatchLogs and makes the setting only after the attachment", () => {
    for (const setting of settings()) {
      const role = resolveReference(stack, setting.body.cloudwatch_role_arn);
      const attachments = resourcesOf(stack, "aws_iam_role_policy_attachment").filter((attachment) => resolveReference(stack, attachment.body.role).address === role.address);
      expect(attachments.map((attachment) => attachment.body.policy_arn)).toEqual([expect.stringMatching(/:iam::aws:policy\/service-role\/AmazonAPIGatewayPushToCloudWatchLogs$/)]);
      expect(setting.body.depends_on).toEqual([attachments[0].address]);
    }
  });
});
