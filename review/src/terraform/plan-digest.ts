// A fingerprint of what a plan will do, so the apply step can refuse a plan
// that differs from the one reviewers saw. Built from the canonical resource
// changes and action invocations only: no timestamps, no terraform version,
// independent of JSON key order and of the order terraform lists resources in.
import { createHash } from "node:crypto";
import type { PlanModel } from "./plan-model";

/** JSON with object keys sorted at every level (native stringify with a sorting replacer). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, item: unknown) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}

/**
 * `sha256:<hex>` over the sorted list of {address, actions, before, after,
 * after_unknown} (sensitive parts already "(sensitive)", so the digest is safe
 * to print), plus the previous address of moves and the id or identity of imports, and the
 * actions the apply would invoke.
 */
export function planDigest(model: PlanModel): string {
  const changes = model.resourceChanges
    .map((change) => ({
      address: change.address,
      actions: change.rawActions,
      before: change.before,
      after: change.after,
      after_unknown: change.afterUnknown,
      previous_address: change.moved ? change.previousAddress : undefined,
      importing: change.importing,
    }))
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  // Actions an apply would invoke (Terraform 1.14+) are part of what was reviewed. A plan without any
  // keeps the plain list as its fingerprint.
  const invocations = model.actionInvocations.map((invocation) => ({ address: invocation.address, trigger: invocation.trigger, config: invocation.config }));
  const fingerprinted = invocations.length === 0 ? changes : { resource_changes: changes, action_invocations: invocations };
  return `sha256:${createHash("sha256").update(canonicalJson(fingerprinted)).digest("hex")}`;
}
