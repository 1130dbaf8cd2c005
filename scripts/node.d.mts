export function requiredMajor(packageJson: unknown, file?: string): number;
export function nodePackageName(platform: string, arch: string): string;
export function majorOf(version: string): number;
export function chooseNode(options: {
  readonly required: number;
  readonly current: { readonly version: string; readonly execPath: string };
  readonly pinned: { readonly installed: boolean; readonly execPath: string; readonly packageName: string };
}): { readonly execPath: string; readonly problem?: undefined } | { readonly problem: string; readonly execPath?: undefined };
export function resolveTarget(target: string, root?: string): string;
