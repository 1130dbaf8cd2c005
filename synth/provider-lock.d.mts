export const LOCK_FILE: string;
export class ProviderLockError extends Error {}
export function providerAddress(source: string): string;
export function lockedVersions(text: string): Map<string, string>;
export function copyProviderLock(options: { root: string; outdir: string; shownAs?: string }): { lockFile: string | undefined; copiedTo: string[] };
