/**
 * The contract between a resource and whoever is granted access to it, as in
 * AWS CDK: a bucket's `grantRead(fn)` adds a statement naming that bucket to
 * the function's role, so no call site writes IAM policy by hand.
 */

/** One IAM policy statement. `resources` must name exact ARNs; `*` only where the service allows nothing narrower. */
export interface PolicyStatement {
  readonly sid?: string;
  /** Defaults to `Allow`. */
  readonly effect?: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly notActions?: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: readonly PolicyCondition[];
}

export interface PolicyCondition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

/** Anything with an IAM role that can receive statements (a Lambda function, a service role). */
export interface Grantable {
  /** A human-readable name used in statement ids and error messages. */
  readonly grantName: string;
  addToPrincipalPolicy(statement: PolicyStatement): void;
}

/** Renders statements as an IAM policy document (JSON text) with sorted, de-duplicated actions. */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: statements.map((statement) => ({
      ...(statement.sid ? { Sid: statement.sid } : {}),
      Effect: statement.effect ?? "Allow",
      ...(statement.actions.length > 0 ? { Action: [...new Set(statement.actions)].sort() } : {}),
      ...(statement.notActions ? { NotAction: [...new Set(statement.notActions)].sort() } : {}),
      Resource: statement.resources.length === 1 ? statement.resources[0] : [...statement.resources],
      ...(statement.conditions && statement.conditions.length > 0
        ? {
            Condition: statement.conditions.reduce<Record<string, Record<string, string[]>>>((all, condition) => {
              all[condition.test] = { ...(all[condition.test] ?? {}), [condition.variable]: [...condition.values] };
              return all;
            }, {}),
          }
        : {}),
    })),
  });
}
