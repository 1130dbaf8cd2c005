import type { SynthesizedStackJson } from "../../support/synth";
import { resourcesOfType } from "../../support/synth";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** `${type.logicalId.attribute}`: how a synthesized attribute refers to another resource. */
export const ref = (type: string, logicalId: string, attribute: string): string => `\${${type}.${logicalId}.${attribute}}`;

/** The one resource of `type` whose logical id contains `idPart`, with its logical id. */
export function single(stack: SynthesizedStackJson, type: string, idPart: string): [string, Json] {
  const matches = Object.entries(resourcesOfType(stack, type)).filter(([id]) => id.includes(idPart));
  if (matches.length !== 1) throw new Error(`expected one ${type} with "${idPart}" in its id, found ${matches.map(([id]) => id).join(", ") || "none"}`);
  return matches[0] as [string, Json];
}

/** The logical id of the KMS key behind `alias/trading-<purpose>-<suffix>`. */
export function keyIdFor(stack: SynthesizedStackJson, purpose: string, suffix: string): string {
  const alias = Object.values(resourcesOfType(stack, "aws_kms_alias")).find((candidate) => candidate.name === `alias/trading-${purpose}-${suffix}`);
  if (!alias) throw new Error(`no alias/trading-${purpose}-${suffix}`);
  return /^\$\{aws_kms_key\.([^.]+)\.key_id\}$/.exec(alias.target_key_id)![1];
}

/** Every Lambda function with its logical id. */
export const lambdaFunctions = (stack: SynthesizedStackJson): [string, Json][] => Object.entries(resourcesOfType(stack, "aws_lambda_function"));

/** The parsed inline policies attached to the role with logical id `roleId`. */
export function inlinePoliciesOf(stack: SynthesizedStackJson, roleId: string): Json[] {
  const roleRefs = [ref("aws_iam_role", roleId, "id"), ref("aws_iam_role", roleId, "name")];
  return Object.values(resourcesOfType(stack, "aws_iam_role_policy"))
    .filter((policy) => roleRefs.includes(policy.role))
    .map((policy) => JSON.parse(policy.policy));
}

/** The logical id of the resource a `${type.id.attr}` reference points to. */
export const referencedId = (reference: string): string => {
  const match = /^\$\{[a-z0-9_]+\.([^.]+)\.[a-z_]+\}/.exec(reference);
  if (!match) throw new Error(`not a resource reference: ${reference}`);
  return match[1];
};
