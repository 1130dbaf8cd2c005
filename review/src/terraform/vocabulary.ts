// The words both plan renderers use: the order and names of the action
// groups, terraform's action reasons in plain language, the counts line.
import type { ChangeAction, PlanCounts, PlanModel, ResourceChange } from "./plan-model";

export type ChangeGroup = ChangeAction | "import-move";

/**
 * The order sections appear in: what is lost first (destroys, replacements),
 * then changes, then creates, which are the most numerous and the least risky.
 * Drift and outputs are placed by the renderers, before the creates.
 */
export const ACTION_ORDER: readonly { readonly action: ChangeGroup; readonly title: string; readonly symbol: string; readonly verb: string }[] = [
  { action: "delete", title: "Destroy", symbol: "🗑️", verb: "destroy" },
  { action: "replace", title: "Replace", symbol: "♻️", verb: "replace" },
  { action: "update", title: "Update in place", symbol: "✏️", verb: "update" },
  { action: "forget", title: "Forget (removed from state, not destroyed)", symbol: "🫥", verb: "forget" },
  { action: "import-move", title: "Import or move only", symbol: "📦", verb: "import/move" },
  { action: "create", title: "Create", symbol: "➕", verb: "create" },
];

export const REASONS: Readonly<Record<string, string>> = {
  replace_because_tainted: "the resource is tainted",
  replace_because_cannot_update: "an attribute that cannot change in place changed",
  replace_by_request: "replacement was requested (-replace)",
  replace_by_triggers: "a replace_triggered_by reference changed",
  delete_because_no_resource_config: "its configuration was removed",
  delete_because_no_module: "its module was removed",
  delete_because_wrong_repetition: "count/for_each was added or removed",
  delete_because_count_index: "its count index is no longer in range",
  delete_because_each_key: "its for_each key is no longer present",
  delete_because_no_move_target: "the target of its moved block does not exist",
};

export const groupOf = (change: ResourceChange): ChangeGroup => (change.action === "no-op" || change.action === "read" ? "import-move" : change.action);

const COUNT_WORDS: readonly (readonly [keyof PlanCounts, string])[] = [
  ["add", "to add"],
  ["change", "to change"],
  ["replace", "to replace"],
  ["destroy", "to destroy"],
  ["forget", "to forget"],
  ["import", "to import"],
  ["move", "to move"],
];

/** `2 to add, 1 to destroy`: the counts that are not zero, in terraform's order; `no changes` when all are. */
const countsText = (counts: PlanCounts): string => {
  const parts = COUNT_WORDS.filter(([key]) => counts[key] > 0).map(([key, words]) => `${counts[key]} ${words}`);
  return parts.length > 0 ? parts.join(", ") : "no changes";
};

/** The counts of a model: its resource changes and the actions it invokes (outputs are counted by the renderers). */
export const planCountsText = (model: PlanModel): string => {
  const invocations = model.actionInvocations.length;
  const resources = countsText(model.counts);
  if (invocations === 0) return resources;
  const actions = `${invocations} action${invocations === 1 ? "" : "s"} to invoke`;
  return resources === "no changes" ? actions : `${resources}, ${actions}`;
};

/**
 * How terraform replaces a resource: `["delete","create"]` (its default)
 * destroys the old object before creating the new one, so the resource is
 * gone in between; `["create","delete"]` (`create_before_destroy`) creates
 * the new one first (Terraform's lifecycle reference, create_before_destroy:
 * https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle).
 */
export const replacementOrder = (change: ResourceChange): string | undefined => {
  if (change.action !== "replace") return undefined;
  // ["create","forget"] (`lifecycle { destroy = false }`, Terraform 1.15: internal/plans/action.go
  // CreateThenForget) replaces in state only: the old object keeps running, unmanaged.
  if (change.keepsReplacedObject) return "creates the new one and keeps the old object (destroy = false): it is only removed from state";
  return change.rawActions[0] === "create" ? "creates the new one first" : "destroys first: downtime";
};

/** `destroys 2 resources and replaces 1`, `replaces 1 resource`. */
export function destructiveSummary(destroyed: number, replaced: number): string {
  const noun = (count: number) => `${count} resource${count === 1 ? "" : "s"}`;
  if (destroyed > 0 && replaced > 0) return `destroys ${noun(destroyed)} and replaces ${replaced}`;
  return destroyed > 0 ? `destroys ${noun(destroyed)}` : `replaces ${noun(replaced)}`;
}
