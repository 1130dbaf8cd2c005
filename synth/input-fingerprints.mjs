// Fingerprints of a build's input files, so a cached output is reused only
// while every input is unchanged. Size + modification time answer most checks
// with one stat; a file whose stat differs (a fresh checkout, a touched file)
// is compared by content, so only a real edit invalidates the cache.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";

const sha256 = (data) => createHash("sha256").update(data).digest("hex");

/** Fingerprints of `paths` (relative to `cwd` or absolute). */
export function fingerprintFiles(paths, cwd) {
  const fingerprints = {};
  for (const path of [...paths].sort()) {
    const absolute = resolve(cwd, path);
    const stat = statSync(absolute);
    fingerprints[path] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: sha256(readFileSync(absolute)) };
  }
  return fingerprints;
}

/** Whether every fingerprinted file still has the same content. */
export function filesUnchanged(fingerprints, cwd) {
  if (!fingerprints || typeof fingerprints !== "object") return false;
  for (const [path, recorded] of Object.entries(fingerprints)) {
    const absolute = resolve(cwd, path);
    let stat;
    try {
      stat = statSync(absolute);
    } catch {
      return false;
    }
    if (stat.size !== recorded.size) return false;
    if (stat.mtimeMs === recorded.mtimeMs) continue;
    if (sha256(readFileSync(absolute)) !== recorded.sha256) return false;
  }
  return true;
}
