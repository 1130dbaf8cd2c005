// The hidden first line of every comment the actions post: what the comment
// is (kind, environment, run) and, on a plan comment, the reviewed plan's
// digest and changes, which the deploy gate reads back. Ours only when its
// author is ours too (see notify/github/comments.ts).

export type CommentKind = "plan" | "cost" | "lint" | "synth" | "apply";

export interface CommentMarker {
  readonly kind: CommentKind | string;
  readonly environment: string;
  readonly runId: number;
  readonly runAttempt?: number;
  readonly sha?: string;
  /** Plan comments: the digest of the reviewed plan, which the deploy gate compares. */
  readonly planDigest?: string;
  /** Plan comments: the reviewed plan's changes (omitted when too many to fit), so a refused deploy can show what differs. */
  readonly changes?: readonly { readonly address: string; readonly actions: readonly string[] }[];
}

const MARKER_PATTERN = /<!-- trading-platform:(\{[^\n]*?\}) -->/;

/** Characters the marker's JSON carries as `\u` escapes, which JSON.parse reads back as themselves. */
const MARKER_ESCAPES: Readonly<Record<string, string>> = {
  // The JSON cannot end the HTML comment or open a tag.
  "<": "\\u003c",
  ">": "\\u003e",
  // Nothing in the body pings a person or team, or links an issue, as the visible text already ensures
  // (markdown.ts neutralizeReferences): the raw body also reaches API clients and notification emails.
  "@": "\\u0040",
  "#": "\\u0023",
};

/** JSON for the marker: `<`, `>`, `@` and `#` escaped (see MARKER_ESCAPES), so nothing in it is markup, a mention or a reference. */
export function markerJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>@#]/g, (character) => MARKER_ESCAPES[character]!);
}

/** The hidden first line of every comment we post. */
export function renderMarker(marker: CommentMarker): string {
  return `<!-- trading-platform:${markerJson(marker)} -->`;
}

/** The marker in a comment body, or undefined when there is none or it is not ours. */
export function parseMarker(body: string | null | undefined): CommentMarker | undefined {
  const match = MARKER_PATTERN.exec(body ?? "");
  if (!match) return undefined;
  try {
    const parsed = JSON.parse(match[1]!) as Partial<CommentMarker>;
    if (typeof parsed.kind !== "string" || typeof parsed.environment !== "string" || typeof parsed.runId !== "number") return undefined;
    return parsed as CommentMarker;
  } catch {
    return undefined;
  }
}
