// Masking: strings that must never appear in a comment, a summary or a log.

/** What replaces a value terraform marks sensitive. */
export const SENSITIVE = "(sensitive)";
/** What replaces a masked string found in free text. */
export const MASKED = "***";

export type Masker = (text: string) => string;

/**
 * A function that replaces every occurrence of the given strings (and of
 * their JSON-escaped forms, as they appear inside JSON text) with `***`.
 * Longer strings are replaced first so a secret containing another is
 * masked whole. Blank strings are ignored.
 */
export function createMasker(secrets: Iterable<string>): Masker {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.trim() === "") continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  if (forms.size === 0) return (text) => text;
  const alternatives = [...forms].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).map(escapeRegExp);
  const pattern = new RegExp(alternatives.join("|"), "g");
  return (text) => text.replace(pattern, MASKED);
}

/** Splits a newline-separated `mask` input into strings to mask. */
export const parseMaskInput = (input: string): string[] =>
  input
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Terraform's sensitivity marker for a value: `true` (the whole value), `false`
 * or absent (nothing), or a structure mirroring the value whose leaves say
 * which parts are sensitive.
 */
export type SensitivityMarker = boolean | null | undefined | SensitivityMarker[] | { [key: string]: SensitivityMarker };

/** The value with every part marked sensitive replaced by `(sensitive)`. */
export function redactSensitive(value: unknown, marker: SensitivityMarker): unknown {
  if (marker === true) return value === null || value === undefined ? value : SENSITIVE;
  if (marker === false || marker === null || marker === undefined) return value;
  if (Array.isArray(value)) {
    const markers = Array.isArray(marker) ? marker : [];
    return value.map((item, index) => redactSensitive(item, markers[index]));
  }
  if (value !== null && typeof value === "object") {
    const markers = Array.isArray(marker) ? {} : (marker as Record<string, SensitivityMarker>);
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = redactSensitive(item, markers[key]);
    return result;
  }
  return value;
}

/**
 * Every scalar under a sensitive marker, as strings: terraform leaves them in
 * clear text, and the same value may appear elsewhere (an error message, an
 * attribute not marked sensitive), so callers mask these everywhere too.
 */
export function collectSensitiveStrings(value: unknown, marker: SensitivityMarker, into: Set<string> = new Set()): Set<string> {
  if (marker === true) {
    collectScalars(value, into);
    return into;
  }
  if (marker === false || marker === null || marker === undefined) return into;
  if (Array.isArray(value)) {
    const markers = Array.isArray(marker) ? marker : [];
    value.forEach((item, index) => collectSensitiveStrings(item, markers[index], into));
  } else if (value !== null && typeof value === "object" && !Array.isArray(marker)) {
    for (const [key, item] of Object.entries(value)) collectSensitiveStrings(item, (marker as Record<string, SensitivityMarker>)[key], into);
  }
  return into;
}

function collectScalars(value: unknown, into: Set<string>): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) value.forEach((item) => collectScalars(item, into));
  else if (typeof value === "object") Object.values(value).forEach((item) => collectScalars(item, into));
  // Booleans and tiny numbers would mask every "true" or "1" in the comment.
  else if (typeof value === "string" || (typeof value === "number" && String(value).length >= 4)) {
    const text = String(value);
    if (text.length >= 3) into.add(text);
  }
}
