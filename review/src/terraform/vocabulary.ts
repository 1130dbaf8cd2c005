// The words both plan renderers use: the order and names of the action
// groups, terraform's action reasons in plain language, the counts line.
import type { ChangeAction, PlanModel, ResourceChange } from "./plan-model";

export type ChangeGroup = ChangeAction | "import-move";

export const ACTION_ORDER: readonly { readonly action: ChangeGroup; readonly title: string; readonly symbol: string }[] = [
  { action: "delete", title: "Destroy", symbol: "🗑️" },
  { action: "replace", title: "Replace", symbol: "♻️" },
  { action: "update", title: "Update in place", symbol: "✏️" },
  { action: "create", title: "Create", symbol: "➕" },
  { action: "forget", title: "Forget (removed from state, not destroyed)", symbol: "🫥" },
  { action: "import-move", title: "Import or move only", symbol: "📦" },
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

/** `1 to add, 0 to change, …` */
export const countsText = (model: PlanModel): string => {
  const { add, change, replace, destroy, forget, import: imported, move } = model.counts;
  return `${add} to add, ${change} to change, ${replace} to replace, ${destroy} to destroy, ${forget} to forget, ${imported} to import, ${move} to move`;
};
