export interface CdktfPatches {
  /** Whether the speed patches apply to this synth. */
  readonly enabled: boolean;
  /** One line saying why they do not, when the installed cdktf was not verified. */
  readonly warning?: string;
}

/** A require function that resolves packages as the synthesized app does. */
export type RequireFromRepository = (specifier: string) => unknown;

export class SettingError extends Error {}
export const VERIFIED_CDKTF_VERSIONS: readonly string[];
export const PATCHES_SWITCH: "SYNTH_PATCHES";
export function patchesFor(setting: string | undefined, cdktfVersion: string): CdktfPatches;
export function cdktfPatches(requireFromRepository: (specifier: "cdktf/package.json") => { version: string }): CdktfPatches;
export function enableSourceMapsAfterPackages(requireFromRepository: RequireFromRepository, packages: readonly string[], patches: CdktfPatches): void;
export function withoutTokenCreationTraces<T>(work: () => T): T;
export function withTokenCreationTraces<T>(work: () => T): T;
export function skipTokenCreationTraces(): () => void;
