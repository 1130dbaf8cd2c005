import type { PolicyStatement } from "./grants";

/**
 * Global services whose API endpoints live in us-east-1 (or are region-less)
 * and that a workload may legitimately call from any region. A region deny
 * that blocked these would break STS, IAM and KMS grants for global tables.
 */
const GLOBAL_SERVICE_ACTIONS = [
  "iam:*",
  "sts:*",
  "organizations:*",
  "support:*",
  "cloudfront:*",
  "route53:*",
  "waf:*",
  "health:*",
  "trustedadvisor:*",
] as const;

/**
 * The explicit deny that every role in the platform carries: nothing outside
 * the environment's region, except the global services above. An explicit
 * deny wins over any allow, so a mistaken grant cannot reach another region.
 */
export function regionGuardStatement(allowedRegions: readonly string[]): PolicyStatement {
  return {
    sid: "DenyOutsideApprovedRegions",
    effect: "Deny",
    actions: [],
    notActions: [...GLOBAL_SERVICE_ACTIONS],
    resources: ["*"],
    conditions: [{ test: "StringNotEquals", variable: "aws:RequestedRegion", values: [...allowedRegions] }],
  };
}
