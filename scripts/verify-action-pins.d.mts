export interface Pin {
  readonly file: string;
  readonly line: number;
  readonly action: string;
  readonly sha: string;
  readonly tag: string;
}
export interface PinEntry {
  readonly action: string;
  readonly repository: string;
  readonly tag: string;
  readonly sha: string;
  readonly verified: string;
  readonly verify: string;
}
export interface DescribedPinEntry extends PinEntry {
  readonly using: string;
  readonly inputs: Record<string, "required" | "optional">;
}
export const PINS_FILE: string;
export function repositoryOf(action: string): string;
export function verifyCommand(repository: string, tag: string): string;
export function readPins(root?: string): { pins: Pin[]; problems: string[] };
export function uniquePins(pins: readonly Pin[]): { pins: Pin[]; problems: string[] };
export function resolveInMirror(mirrors: string, repository: string, tag: string): string;
export function resolveOnGitHub(repository: string, tag: string): string;
export function metadataInMirror(mirrors: string, action: string, sha: string): string;
export function metadataOnGitHub(action: string, sha: string): Promise<string>;
export function summarizeMetadata(text: string, action: string): { using: string; inputs: Record<string, "required" | "optional"> };
export function verifyPins(pins: readonly Pin[], resolve: (repository: string, tag: string) => string, verifiedOn: string): { entries: PinEntry[]; problems: string[] };
export function describeEntries(entries: readonly PinEntry[], readMetadata: (action: string, sha: string) => string | Promise<string>): Promise<{ entries: DescribedPinEntry[]; problems: string[] }>;
export function formatPinsFile(entries: readonly DescribedPinEntry[], source: string): string;
export interface ActionStep {
  readonly file: string;
  readonly job: string;
  readonly uses: string;
  readonly line: number;
  readonly inputs: readonly { readonly name: string; readonly line: number }[];
}
export interface DescribedAction {
  readonly name: string;
  readonly inputs: Record<string, "required" | "optional">;
}
export function readActionSteps(root?: string): ActionStep[];
export function inputProblems(steps: readonly ActionStep[], describe: (uses: string) => DescribedAction | undefined): string[];
export function describeLocalAction(root: string, uses: string): (DescribedAction & { using: string }) | undefined;
export function actionDescriber(root: string, pinsRecord: { readonly pins: readonly DescribedPinEntry[] }): (uses: string) => DescribedAction | undefined;
