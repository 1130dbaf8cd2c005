import type { z } from "zod";

/** How a configuration value is shown in a message: JSON, shortened, or "nothing" when the field is missing. */
export const describeValue = (value: unknown): string => {
  if (value === undefined) return "nothing (the field is missing)";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const formatPath = (path: readonly PropertyKey[]): string =>
  path.length === 0 ? "(file)" : path.map((part) => (typeof part === "number" ? `[${part}]` : String(part))).join(".").replace(/\.\[/g, "[");

/** What the issue found: the input, except for a discriminated union, whose issue carries the whole object and names its discriminator. */
function foundValue(issue: z.core.$ZodIssue): unknown {
  if (issue.code === "invalid_union" && issue.discriminator !== undefined && typeof issue.input === "object" && issue.input !== null) {
    return (issue.input as Record<string, unknown>)[issue.discriminator];
  }
  return issue.input;
}

/**
 * One zod issue as a line people can act on: the file, the field, the value
 * found and what was expected. Shared by every configuration file's loader.
 */
export function describeIssue(file: string, issue: z.core.$ZodIssue): string {
  const field = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    return `${file}: ${issue.keys.map((key) => (field === "(file)" ? key : `${field}.${key}`)).join(", ")}: unknown field; expected only the fields the schema defines (check the spelling)`;
  }
  if (issue.code === "invalid_key") {
    return `${file}: ${field}: found the key ${describeValue(issue.path[issue.path.length - 1])}, expected ${issue.issues.map((inner) => inner.message).join("; ")}`;
  }
  const expected = issue.code === "invalid_type" ? `a value of type ${issue.expected}` : issue.message;
  const found = "input" in issue ? describeValue(foundValue(issue)) : "an invalid value";
  return `${file}: ${field}: found ${found}, expected ${expected}`;
}
