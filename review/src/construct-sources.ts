// Maps a line of a synthesized cdk.tf.json back to what a reviewer can act on:
// the Terraform address of the block around it, the construct path that
// produced it, and the TypeScript file:line that created that construct
// (recorded at synth time in each block's `//.metadata.stackTrace`).

export interface SourceLocation {
  /** Repository-relative path with forward slashes, e.g. `stacks/constructs/network.ts`. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The function the frame is in, as V8 names it (`Alerting.addAlarm`, `new EncryptedBucket`), when the frame says. */
  readonly functionName?: string;
}

export interface StackBlock {
  /** Terraform address: `aws_s3_bucket.logs`, `data.aws_iam_policy_document.x`, `module.vpc`, `output.url`, `provider.aws`, `terraform`. */
  readonly address: string;
  /** 1-based lines of the block's key and of its closing bracket. */
  readonly startLine: number;
  readonly endLine: number;
  /** Construct path from `//.metadata.path`, e.g. `trading-platform-dev/network/vpc`. */
  readonly constructPath?: string;
  readonly stackTrace?: readonly string[];
}

export interface StackJsonIndex {
  readonly blocks: readonly StackBlock[];
  /** The innermost block whose lines contain `line`; undefined for lines outside any block or line 0. */
  blockAtLine(line: number): StackBlock | undefined;
  blockByAddress(address: string): StackBlock | undefined;
}

export class StackJsonError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = "StackJsonError";
  }
}

interface Span {
  readonly path: readonly string[];
  readonly startLine: number;
  readonly endLine: number;
}

/**
 * Scans JSON text once and records the line span of every object member up to
 * `maxDepth` keys deep. JSON.parse gives values but not positions; this gives
 * positions but not values.
 */
function memberSpans(text: string, maxDepth: number, source: string): Span[] {
  const spans: Span[] = [];
  let index = 0;
  let line = 1;
  const fail = (expected: string): never => {
    throw new StackJsonError(source, `invalid JSON at line ${line}: expected ${expected}, found ${index < text.length ? JSON.stringify(text[index]) : "end of file"}`);
  };
  const skipWhitespace = () => {
    for (; index < text.length; index++) {
      const char = text.charCodeAt(index);
      if (char === 10) line++;
      else if (char !== 32 && char !== 9 && char !== 13) break;
    }
  };
  const readString = (): string => {
    const start = index;
    index++; // opening quote
    for (; index < text.length; index++) {
      const char = text[index];
      if (char === "\\") index++;
      else if (char === '"') {
        index++;
        return JSON.parse(text.slice(start, index)) as string;
      } else if (char === "\n") fail("closing quote");
    }
    return fail("closing quote");
  };
  const skipScalar = () => {
    const start = index;
    while (index < text.length && /[-+0-9.eEtruefalsn]/.test(text[index])) index++;
    if (start === index) fail("a value");
  };
  const readValue = (path: readonly string[]): void => {
    skipWhitespace();
    const char = text[index];
    if (char === "{") {
      index++;
      skipWhitespace();
      if (text[index] === "}") {
        index++;
        return;
      }
      for (;;) {
        skipWhitespace();
        if (text[index] !== '"') fail("a quoted key");
        const keyLine = line;
        const key = readString();
        skipWhitespace();
        if (text[index] !== ":") fail('":"');
        index++;
        const memberPath = [...path, key];
        readValue(memberPath);
        if (memberPath.length <= maxDepth) spans.push({ path: memberPath, startLine: keyLine, endLine: line });
        skipWhitespace();
        if (text[index] === ",") {
          index++;
          continue;
        }
        if (text[index] === "}") {
          index++;
          return;
        }
        fail('"," or "}"');
      }
    } else if (char === "[") {
      index++;
      skipWhitespace();
      if (text[index] === "]") {
        index++;
        return;
      }
      for (;;) {
        readValue(path);
        skipWhitespace();
        if (text[index] === ",") {
          index++;
          continue;
        }
        if (text[index] === "]") {
          index++;
          return;
        }
        fail('"," or "]"');
      }
    } else if (char === '"') {
      readString();
    } else {
      skipScalar();
    }
  };
  readValue([]);
  skipWhitespace();
  if (index < text.length) fail("end of file");
  return spans;
}

function addressOf(path: readonly string[]): string | undefined {
  const [kind, first, second] = path;
  if (path.length === 3 && kind === "resource") return `${first}.${second}`;
  if (path.length === 3 && kind === "data") return `data.${first}.${second}`;
  if (path.length === 3 && kind === "ephemeral") return `ephemeral.${first}.${second}`;
  if (path.length === 2 && (kind === "module" || kind === "output" || kind === "variable" || kind === "provider")) return `${kind}.${first}`;
  if (path.length === 1 && (kind === "terraform" || kind === "locals")) return kind;
  return undefined;
}

type Json = Record<string, unknown>;

function metadataOf(document: Json, path: readonly string[]): { constructPath?: string; stackTrace?: string[] } {
  let node: unknown = document;
  for (const key of path) node = node && typeof node === "object" && !Array.isArray(node) ? (node as Json)[key] : undefined;
  const comment = node && typeof node === "object" ? (node as Json)["//"] : undefined;
  const metadata = comment && typeof comment === "object" ? (comment as Json).metadata : undefined;
  if (!metadata || typeof metadata !== "object") return {};
  const { path: constructPath, stackTrace } = metadata as Json;
  return {
    constructPath: typeof constructPath === "string" ? constructPath : undefined,
    stackTrace: Array.isArray(stackTrace) ? stackTrace.filter((frame): frame is string => typeof frame === "string") : undefined,
  };
}

/** Indexes the blocks of a synthesized stack (or any `*.tf.json`) by line and by address. */
export function indexStackJson(text: string, source = "cdk.tf.json"): StackJsonIndex {
  const spans = memberSpans(text, 3, source);
  const document = JSON.parse(text) as Json;
  const blocks: StackBlock[] = [];
  for (const span of spans) {
    const address = addressOf(span.path);
    if (!address) continue;
    blocks.push({ address, startLine: span.startLine, endLine: span.endLine, ...metadataOf(document, span.path) });
  }
  // Innermost first: a resource block lies inside no other indexed block, but
  // keep the rule general (shortest span wins).
  const byLine = [...blocks].sort((a, b) => a.endLine - a.startLine - (b.endLine - b.startLine));
  const byAddress = new Map(blocks.map((block) => [block.address, block]));
  return {
    blocks,
    blockAtLine: (line) => (line > 0 ? byLine.find((block) => block.startLine <= line && line <= block.endLine) : undefined),
    blockByAddress: (address) => byAddress.get(address),
  };
}

const FRAME_LOCATION = /(?:\(|^|\s)((?:file:\/\/)?[^()\s][^()]*?):(\d+):(\d+)\)?$/;

const toPosix = (path: string) => path.replace(/\\/g, "/");

/**
 * The first frame of a construct's creation stack trace that lies in the
 * repository's `stacks/` folder, outside node_modules: the TypeScript line a
 * reviewer should change. `repoRoot` (absolute) turns absolute frames into
 * repository-relative paths.
 */
export function sourceLocationFromStackTrace(stackTrace: readonly string[] | undefined, repoRoot?: string): SourceLocation | undefined {
  return sourceChainFromStackTrace(stackTrace, repoRoot)[0];
}

/**
 * Every frame of a construct's creation stack trace that lies in the
 * repository's `stacks/` folder, innermost first: the helper that created the
 * resource, then the caller that passed it its values, and so on out to the
 * app. `repoRoot` (absolute) turns absolute frames into repository-relative paths.
 */
export function sourceChainFromStackTrace(stackTrace: readonly string[] | undefined, repoRoot?: string): SourceLocation[] {
  const root = repoRoot ? toPosix(repoRoot).replace(/\/+$/, "") + "/" : undefined;
  const chain: SourceLocation[] = [];
  for (const frame of stackTrace ?? []) {
    const match = FRAME_LOCATION.exec(frame.trim());
    if (!match) continue;
    let file = toPosix(match[1]);
    if (file.startsWith("file://")) file = decodeURIComponent(file.slice("file://".length));
    if (file.startsWith("node:") || file.includes("/node_modules/") || file.startsWith("node_modules/")) continue;
    if (root && file.startsWith(root)) file = file.slice(root.length);
    else if (file.startsWith("/")) {
      const inStacks = file.indexOf("/stacks/");
      if (inStacks < 0) continue;
      file = file.slice(inStacks + 1);
    }
    file = file.replace(/^\.\//, "");
    if (!file.startsWith("stacks/")) continue;
    const functionName = /^(.+?) \(/.exec(frame.trim())?.[1];
    chain.push({ file, line: Number(match[2]), column: Number(match[3]), ...(functionName && functionName !== "<anonymous>" ? { functionName } : {}) });
  }
  return chain;
}

/**
 * Finds the address a message talks about when tflint gave no line (line 0):
 * the first `type.name` in the message that is a block of the stack.
 */
export function blockNamedInMessage(index: StackJsonIndex, message: string): StackBlock | undefined {
  for (const match of message.matchAll(/\b((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*)/g)) {
    const block = index.blockByAddress(match[1]);
    if (block) return block;
  }
  // HCL-style mentions: resource "aws_instance" "web"
  for (const match of message.matchAll(/\b(resource|data)\s+"([a-z][a-z0-9_]*)"\s+"([^"]+)"/g)) {
    const block = index.blockByAddress(`${match[1] === "data" ? "data." : ""}${match[2]}.${match[3]}`);
    if (block) return block;
  }
  return undefined;
}
