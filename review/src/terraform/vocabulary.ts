// The words both plan renderers use: the order and names of the action
// groups, terraform's action reasons in plain language, the counts line.
import type { ChangeAction, ImportSource, PlanModel, ResourceChange } from "./plan-model";

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

/** What an import block adopts: `imported from id X`, `imported by identity k=v, …`, or just `imported`. */
export const importNote = (importing: ImportSource, show: (text: string) => string): string => {
  if (importing.id !== undefined) return `imported from id ${show(importing.id)}`;
  if (importing.identity !== undefined) {
    const pairs = Object.entries(importing.identity).map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
    return `imported by identity ${show(pairs.join(", "))}`;
  }
  return "imported";
};

/** A `["create","forget"]` replace leaves the old object running: say so wherever a replace is listed. */
export const KEEPS_REPLACED_OBJECT = "the old object is not destroyed, only removed from state (destroy = false)";

export const groupOf = (change: ResourceChange): ChangeGroup => (change.action === "no-op" || change.action === "read" ? "import-move" : change.action);

/** `1 to add, 0 to change, …` */
export const countsText = (model: PlanModel): string => {
  const { add, change, replace, destroy, forget, import: imported, move } = model.counts;
  const invoke = model.actionInvocations.length > 0 ? `, ${model.actionInvocations.length} action${model.actionInvocations.length === 1 ? "" : "s"} to invoke` : "";
  return `${add} to add, ${change} to change, ${replace} to replace, ${destroy} to destroy, ${forget} to forget, ${imported} to import, ${move} to move${invoke}`;
};
