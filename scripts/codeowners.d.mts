export interface CodeownersInput {
  readonly github: { readonly owner: string; readonly teams?: { readonly platform?: string; readonly security?: string } };
  readonly environments: readonly { readonly name: string; readonly protectData: boolean }[];
  readonly sources: readonly { readonly path: string; readonly text: string }[];
}
export const SECURITY_PATHS: readonly string[];
export const SOURCE_FOLDERS: readonly string[];
export function policyReason(path: string, text: string): string | undefined;
export function generateCodeowners(input: CodeownersInput): string;
export function readRepository(repoRoot?: string): CodeownersInput;
