// Renders a comment as GitHub would parse it (CommonMark with GFM tables and
// raw HTML passed through, by markdown-it) and lists what would break the
// page or the reviewer: unbalanced <details>, unclosed code blocks, table
// rows whose cells do not line up with the header, HTML that is not ours,
// live mentions, issue references or links we did not put there, and long
// unbreakable values in table cells (GitHub's tables do not wrap them).
import MarkdownIt from "markdown-it";

type Token = ReturnType<InstanceType<typeof MarkdownIt>["parse"]>[number];

const parser = new MarkdownIt({ html: true, linkify: true });

/** Tags our renderers write on purpose; anything else in the HTML is injected. */
const ALLOWED_TAGS = new Set([
  "h3", "h4", "p", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr", "th", "td",
  "details", "summary", "sub", "i", "b", "br", "a", "hr", "del",
]);

export interface MarkdownCheck {
  readonly html: string;
  readonly problems: readonly string[];
}

export interface CheckOptions {
  /** Link targets we put there (the run, source lines, rule docs); any other link is a problem. */
  readonly allowedLinks?: (href: string) => boolean;
  /** Issue references the renderer writes on purpose (`#42`, the merged pull request). */
  readonly allowedReferences?: readonly string[];
  /** Longest unbreakable run allowed in a table cell. */
  readonly maxTableToken?: number;
}

/** Parses `markdown` and reports every problem found (none for a good comment). */
export function checkGitHubMarkdown(markdown: string, options: CheckOptions = {}): MarkdownCheck {
  const problems: string[] = [];
  const tokens = parser.parse(markdown, {});
  const html = parser.renderer.render(tokens, parser.options, {});
  const lines = markdown.split("\n");

  checkFences(tokens, lines, problems);
  checkTables(tokens, lines, problems, options.maxTableToken ?? 40);

  // <details> balanced, each with a summary, never inside something else that closes first.
  let depth = 0;
  for (const match of html.matchAll(/<(\/?)details\b[^>]*>/g)) {
    depth += match[1] === "/" ? -1 : 1;
    if (depth < 0) problems.push("a </details> closes a block that was never opened");
  }
  if (depth !== 0) problems.push(`${depth} <details> left open`);
  const detailsCount = (html.match(/<details\b/g) ?? []).length;
  const summaryCount = (html.match(/<summary>/g) ?? []).length;
  if (summaryCount !== detailsCount) problems.push(`${detailsCount} <details> but ${summaryCount} <summary>`);

  for (const match of html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)) {
    const tag = match[1]!.toLowerCase();
    if (!ALLOWED_TAGS.has(tag)) problems.push(`HTML element <${tag}> is not one the renderers write: ${match[0]}`);
    const attributes = match[2]!.trim();
    if (attributes !== "" && !/^(open|href="[^"]*"|class="language-[\w-]+")$/.test(attributes)) problems.push(`unexpected attributes on <${tag}>: ${attributes}`);
  }
  for (const match of html.matchAll(/<a href="([^"]*)"/g)) {
    const href = match[1]!.replace(/&amp;/g, "&");
    if (!options.allowedLinks?.(href)) problems.push(`a link the renderer did not write: ${href}`);
  }

  // Mentions and references: GitHub links @name and #123 in text, not in code.
  const text = html.replace(/<pre[\s\S]*?<\/pre>/g, " ").replace(/<code>[\s\S]*?<\/code>/g, " ").replace(/<[^>]+>/g, " ");
  const mention = /(^|[^\w`])@[A-Za-z0-9][\w-]*/.exec(decodeEntities(text));
  if (mention) problems.push(`a live mention: ${mention[0].trim()}`);
  for (const reference of decodeEntities(text).matchAll(/(?:^|[^\w&])(#\d+)\b/g)) {
    if (!options.allowedReferences?.includes(reference[1]!)) problems.push(`a live issue reference: ${reference[1]}`);
  }
  const bareLink = /\bwww\.[a-z0-9-]+\.[a-z]/i.exec(decodeEntities(text));
  if (bareLink) problems.push(`a bare www. address GitHub would link: ${bareLink[0]}`);
  return { html, problems };
}

const decodeEntities = (text: string): string =>
  text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

/** Every fenced block ends with its own closing fence (markdown-it runs an unclosed one to the end of its container). */
function checkFences(tokens: readonly Token[], lines: readonly string[], problems: string[]): void {
  for (const token of tokens) {
    if (token.type !== "fence" || !token.map) continue;
    const closing = lines[token.map[1] - 1]?.trim() ?? "";
    if (!closing.startsWith(token.markup) || closing.replace(/`+|~+/, "") !== "") problems.push(`code block opened at line ${token.map[0] + 1} is never closed`);
  }
}

/** Table rows have as many cells as the header (a stray `|` in a value shifts them), and no cell holds a long unbreakable value. */
function checkTables(tokens: readonly Token[], lines: readonly string[], problems: string[], maxToken: number): void {
  const cellsOf = (line: string) => line.trim().replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/).length;
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    if (token.type !== "table_open" || !token.map) continue;
    const [start, end] = token.map;
    const header = cellsOf(lines[start]!);
    for (let line = start + 2; line < end; line += 1) {
      if (cellsOf(lines[line]!) !== header) problems.push(`table row at line ${line + 1} has ${cellsOf(lines[line]!)} cells, the header ${header}`);
    }
    for (let inner = index; inner < tokens.length && tokens[inner]!.type !== "table_close"; inner += 1) {
      if (tokens[inner]!.type !== "inline") continue;
      const cell = decodeEntities(tokens[inner]!.content.replace(/<[^>]+>/g, " ").replace(/\\(.)/g, "$1"));
      const longest = cell.split(/\s+/).reduce((max, word) => Math.max(max, [...word].length), 0);
      if (longest > maxToken) problems.push(`a table cell holds a ${longest}-character unbreakable value (GitHub tables do not wrap): ${cell.slice(0, 60)}`);
    }
  }
}

/** Fails with every problem listed. */
export function expectValidGitHubMarkdown(markdown: string, options: CheckOptions = {}): string {
  const { html, problems } = checkGitHubMarkdown(markdown, options);
  if (problems.length > 0) throw new Error(`The comment is not good GitHub markdown:\n- ${problems.join("\n- ")}`);
  return html;
}
