export interface FileFingerprint {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

export function fingerprintFiles(paths: Iterable<string>, cwd: string): Record<string, FileFingerprint>;
export function filesUnchanged(fingerprints: Record<string, FileFingerprint> | undefined, cwd: string): boolean;
