export interface WorkflowEnvironmentList {
  readonly file: string;
  readonly path: readonly string[];
  /** What the list holds: each environment's name, or its branch. */
  readonly field: "name" | "branch";
}
export const WORKFLOW_ENVIRONMENT_LISTS: readonly WorkflowEnvironmentList[];
export class NewEnvironmentError extends Error {}
export interface NewEnvironmentPlan {
  readonly file: string;
  readonly data: Record<string, unknown>;
  readonly writes: readonly { readonly path: string; readonly text: string }[];
  readonly steps: readonly string[];
}
export function parseArguments(argv: readonly string[]): { name: string; options: Record<string, string> };
export function planNewEnvironment(input: {
  name: string;
  options: Record<string, string>;
  environments: Record<string, Record<string, unknown>>;
  workflowTexts: Record<string, string | undefined>;
}): NewEnvironmentPlan;
export function replaceFlowList(text: string | undefined, list: WorkflowEnvironmentList, values: readonly string[]): string;
export function addEnvironment(argv: readonly string[], repoRoot: string, listFiles: (dir: string) => string[]): NewEnvironmentPlan;
