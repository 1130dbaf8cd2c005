// Markdown helpers for text we do not control (plan values, resource names,
// tool messages): whatever it contains must not break the comment's layout,
// inject HTML or notify people.

const ZERO_WIDTH_JOINER = "\u200d";

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/**
 * Neutralizes untrusted text for use in ordinary markdown (a sentence, a
 * `<summary>`, a list item): HTML tags and entities become inert, markdown
 * punctuation is backslash-escaped, and `@mentions` / `#123` references get a
 * zero-width joiner so GitHub neither pings anyone nor links an issue.
 * Newlines become spaces so a value cannot start a new block.
 */
export function escapeText(text: string): string {
  return neutralizeReferences(
    text
      .replace(/\r\n|\r|\n/g, " ")
      .replace(/[&<>"]/g, (character) => HTML_ENTITIES[character]!)
      .replace(/[\\`*_{}[\]()!|~^]/g, (character) => `\\${character}`),
  );
}

/**
 * Neutralizes untrusted text inside raw HTML (a `<summary>` line starts an
 * HTML block, where markdown escapes would show literally): entities only,
 * plus the mention/reference guard. Newlines become spaces.
 */
export function escapeHtml(text: string): string {
  return neutralizeReferences(text.replace(/\r\n|\r|\n/g, " ").replace(/[&<>"']/g, (character) => (character === "'" ? "&#39;" : HTML_ENTITIES[character]!)));
}

/** A link target we build (the run, a source line) for an HTML attribute: entities only, the address itself left working. */
export function escapeUrlAttribute(url: string): string {
  return url.replace(/[&<>"']/g, (character) => (character === "'" ? "&#39;" : HTML_ENTITIES[character]!));
}

/**
 * Inserts a zero-width joiner after `@` and `#` so mentions and issue
 * references stay plain text, and inside `://` and `www.` so GitHub's
 * autolinking (GFM's autolink literals, which also apply to text between
 * `<code>` tags in markdown) turns no value into a live link.
 */
export function neutralizeReferences(text: string): string {
  return text
    .replace(/([@#])(?=[\p{L}\p{N}_-])/gu, `$1${ZERO_WIDTH_JOINER}`)
    .replace(/:\/\//g, `:${ZERO_WIDTH_JOINER}//`)
    .replace(/\b(www)\./gi, `$1${ZERO_WIDTH_JOINER}.`);
}

/**
 * Untrusted text shown as code in markdown (a table cell, a list item):
 * `<code>` around {@link escapeText}, so nothing in it is HTML, markdown, a
 * mention or a reference, and `|` cannot split a table cell. Newlines show as `⏎`.
 */
export function inlineCode(text: string): string {
  return `<code>${escapeText(text.replace(/\r\n|\r|\n/g, "⏎"))}</code>`;
}

/** The longest run of consecutive backticks in `text`. */
export function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const match of text.matchAll(/`+/g)) longest = Math.max(longest, match[0].length);
  return longest;
}

/**
 * Inline code whose delimiter is longer than any backtick run inside, so the
 * value cannot close it. Newlines are shown as `⏎`.
 */
export function codeSpan(text: string): string {
  const content = text.replace(/\r\n|\r|\n/g, "⏎");
  const fence = "`".repeat(longestBacktickRun(content) + 1);
  const padded = content.startsWith("`") || content.endsWith("`") || content === "" ? ` ${content} ` : content;
  return `${fence}${padded}${fence}`;
}

/** A fenced code block whose fence is longer than any backtick run in `text`. */
export function codeBlock(text: string, language = ""): string {
  const fence = "`".repeat(Math.max(3, longestBacktickRun(text) + 1));
  const body = text.endsWith("\n") ? text : `${text}\n`;
  return `${fence}${language}\n${body}${fence}`;
}

/** A collapsed block; `summaryHtml` must already be escaped. A blank line lets markdown render inside. */
export function details(summaryHtml: string, body: string, open = false): string {
  return `<details${open ? " open" : ""}><summary>${summaryHtml}</summary>\n\n${body}\n\n</details>`;
}

/** How a budget measures text: UTF-16 length for comments (≥ GitHub's character count), bytes for the step summary. */
export type Measure = (text: string) => number;
export const measureCharacters: Measure = (text) => text.length;
export const measureBytes: Measure = (text) => Buffer.byteLength(text, "utf8");

/** GitHub refuses comment bodies longer than this many characters. */
export const COMMENT_LIMIT = 65_536;
/** GitHub's cap on one step's summary (1 MiB). */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

/** A block of the document: always-kept text, or a section whose rows may be cut. */
export type BudgetBlock =
  /** Text kept whole; `keep` text is never cut or dropped (its room is reserved first), such as a footer with the plan digest. */
  | { readonly kind: "text"; readonly text: string; readonly keep?: boolean }
  | {
      readonly kind: "section";
      /** Text before the rows (a heading, a table header, `<details>`). */
      readonly header: string;
      readonly rows: readonly string[];
      /** Text after the rows; always kept with its header so HTML stays balanced. */
      readonly footer?: string;
      /** What a row is, for the note: "resources", "findings". */
      readonly noun: string;
      /** Between the header, rows, note and footer; default the budget's separator. Use "\n" for table rows and blockquotes. */
      readonly rowSeparator?: string;
    };

export interface BudgetOptions {
  readonly limit: number;
  readonly measure?: Measure;
  /** Where the full output is (the workflow run); named in every cut note. */
  readonly fullOutputUrl?: string;
  /** Separator between blocks and between rows. */
  readonly separator?: string;
}

export interface BudgetResult {
  readonly text: string;
  /** Rows (and rows of whole sections) that did not fit. */
  readonly omitted: number;
}

/** The visible note put where rows were cut. */
export function omissionNote(count: number, noun: string, fullOutputUrl: string | undefined): string {
  // A link element, not a bare URL: a bare one would end where the closing `_` is read as part of it.
  const where = fullOutputUrl ? `full output in the <a href="${escapeUrlAttribute(fullOutputUrl)}">workflow run</a>` : "full output in the workflow run";
  return `_… ${count} more ${noun} not shown, ${where}_`;
}

const NOTE_RESERVE = 400;

/**
 * Assembles blocks in order under `limit`, cutting whole rows (never the middle
 * of one) and whole sections, and saying so with a visible note that links to
 * the full output. Text blocks are always kept unless they alone exceed the
 * limit, in which case they are cut at a line boundary with the same note.
 */
export function buildWithinBudget(allBlocks: readonly BudgetBlock[], options: BudgetOptions): BudgetResult {
  const measure = options.measure ?? measureCharacters;
  const separator = options.separator ?? "\n";
  // Kept text at the end (a footer) goes after the closing note; its room, and that of any kept text, is reserved.
  let bodyEnd = allBlocks.length;
  while (bodyEnd > 0 && isKept(allBlocks[bodyEnd - 1]!)) bodyEnd -= 1;
  const blocks = allBlocks.slice(0, bodyEnd);
  const trailing = allBlocks.slice(bodyEnd) as readonly { readonly text: string }[];
  const keptSize = allBlocks.filter(isKept).reduce((total, block) => total + measure((block as { text: string }).text) + measure(separator), 0);
  let available = options.limit - NOTE_RESERVE - keptSize;
  let text = "";
  let used = 0;
  let omitted = 0;
  let notedInline = 0;
  let exhausted = false;
  // Nouns of rows dropped without an inline note, for the closing note.
  const omittedNouns = new Map<string, number>();

  const append = (part: string, joiner: string): void => {
    const piece = text === "" ? part : `${joiner}${part}`;
    text += piece;
    used += measure(piece);
  };
  const fits = (size: number): boolean => used + size <= available;

  for (const block of blocks) {
    if (block.kind === "text") {
      if (block.keep) {
        available += measure(block.text) + measure(separator);
        append(block.text, separator);
        continue;
      }
      if (exhausted) continue;
      const size = measure(block.text) + measure(separator);
      if (fits(size)) {
        append(block.text, separator);
        continue;
      }
      const lines = block.text.split("\n");
      let kept = measure(separator);
      const keptLines: string[] = [];
      for (const line of lines) {
        const lineSize = measure(line) + 1;
        if (!fits(kept + lineSize)) break;
        keptLines.push(line);
        kept += lineSize;
      }
      if (keptLines.length > 0) append(keptLines.join("\n"), separator);
      const cut = lines.length - keptLines.length;
      omitted += cut;
      omittedNouns.set("lines", (omittedNouns.get("lines") ?? 0) + cut);
      exhausted = true;
      continue;
    }

    const rowSeparator = block.rowSeparator ?? separator;
    const footer = block.footer ?? "";
    const footerSize = footer === "" ? 0 : measure(footer) + measure(rowSeparator);
    const frame = measure(separator) + measure(block.header) + footerSize;
    if (exhausted || !fits(frame)) {
      exhausted = true;
      omitted += block.rows.length;
      if (block.rows.length > 0) omittedNouns.set(block.noun, (omittedNouns.get(block.noun) ?? 0) + block.rows.length);
      continue;
    }
    // A section without a header starts with its first row.
    let joiner = separator;
    if (block.header !== "") {
      append(block.header, separator);
      joiner = rowSeparator;
    }
    let index = 0;
    for (; index < block.rows.length; index += 1) {
      const row = block.rows[index]!;
      if (!fits(measure(joiner) + measure(row) + footerSize)) break;
      append(row, joiner);
      joiner = rowSeparator;
    }
    const cut = block.rows.length - index;
    if (cut > 0) {
      exhausted = true;
      omitted += cut;
      notedInline += cut;
      // The note goes inside the section, where the reader notices the gap (NOTE_RESERVE keeps room for it).
      append(omissionNote(cut, block.noun, options.fullOutputUrl), "\n\n");
    }
    if (footer !== "") append(footer, cut > 0 ? "\n\n" : rowSeparator);
  }

  const droppedWhole = omitted - notedInline;
  if (droppedWhole > 0) {
    const nouns = [...omittedNouns.keys()];
    append(omissionNote(droppedWhole, nouns.length === 1 ? nouns[0]! : "items", options.fullOutputUrl), "\n\n");
  }
  for (const block of trailing) append(block.text, separator);
  return { text, omitted };
}

const isKept = (block: BudgetBlock): boolean => block.kind === "text" && block.keep === true;
