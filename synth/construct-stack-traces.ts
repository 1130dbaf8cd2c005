import { findSourceMap, type SourceMap, type SourceMapping } from "node:module";
import { isAbsolute, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Node } from "constructs";

// cdktf writes `//.metadata.stackTrace` for every resource from the
// "stacktrace" metadata entry that each TerraformElement adds, but constructs
// 10.x captures a trace only when asked to (`stackTrace: true`), which cdktf
// 0.21 never does, so the field is always missing. The lint comment needs it
// to point a finding at the TypeScript line that created the resource, so for
// the duration of one app construction we supply the trace ourselves: only
// the repository's own frames (no node_modules, no node internals), relative
// to `root`, so the JSON stays small and identical on every machine.

const MAX_FRAMES = 8;
// Formatting a source-mapped frame is the expensive part of a trace; the
// repository's frames sit within the first ~15 (cdktf and provider
// constructors, then ours), so 30 leaves room for deep construct nesting.
const FRAMES_TO_CAPTURE = 30;

interface AddMetadataOptions {
  stackTrace?: boolean;
  stackTraceOverride?: string[];
  traceFromFunction?: unknown;
}

type PrepareStackTrace = typeof Error.prepareStackTrace;

type AddMetadata = (this: Node, type: string, data: unknown, options?: AddMetadataOptions) => void;

const callSitesOf: NonNullable<PrepareStackTrace> = (_error, callSites) => callSites;

/** V8's call sites above `below` (unformatted, which costs little), at most `limit`. */
function callSitesAbove(below: (...args: never[]) => unknown, limit: number): NodeJS.CallSite[] {
  const holder: { stack?: unknown } = {};
  const previousLimit = Error.stackTraceLimit;
  const rawFormatter = Error.prepareStackTrace;
  try {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = callSitesOf;
    Error.captureStackTrace(holder, below);
    return holder.stack as NodeJS.CallSite[]; // V8 formats on first read: read while callSitesOf is in place
  } finally {
    Error.prepareStackTrace = rawFormatter;
    Error.stackTraceLimit = previousLimit;
  }
}

/**
 * How many frames above `below` reach this module's entry frame (included:
 * a mapped frame's name can come from its caller's mapping), at most
 * FRAMES_TO_CAPTURE. Frames past it are the synth machinery, dropped anyway;
 * not source-mapping them cuts the time traces take by about a third.
 * Unformatted call sites cost little.
 */
function framesToFormat(below: (...args: never[]) => unknown): number {
  const callSites = callSitesAbove(below, FRAMES_TO_CAPTURE);
  const entry = callSites.findIndex((callSite) => callSite.getFunctionName() === withConstructStackTraces.name);
  return entry === -1 ? FRAMES_TO_CAPTURE : entry + 1;
}

/** The frames up to this module's entry, formatted by the mapping formatter in place (jest's, or node's). */
function formattedFrames(below: (...args: never[]) => unknown): string[] {
  const holder: { stack?: string } = {};
  const previousLimit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = framesToFormat(below);
    Error.captureStackTrace(holder, below);
    void holder.stack; // formats now, with this limit
  } finally {
    Error.stackTraceLimit = previousLimit;
  }
  const frames: string[] = [];
  for (const rawFrame of (holder.stack ?? "").split("\n").slice(1)) {
    const frame = rawFrame.replace(/^\s*at\s+/, "");
    // Frames from here down are the synth machinery, the same for every resource.
    if (frame.startsWith(`${withConstructStackTraces.name} `)) break;
    frames.push(frame);
  }
  return frames;
}

const isLibraryFile = (file: string) => file.startsWith("node:") || file.includes(`${sep}node_modules${sep}`) || file.includes("/node_modules/");

/**
 * The frames up to this module's entry, mapped through the source maps node
 * loaded (the bundled synth runs with maps on): each of our frames is looked
 * up directly, where node's formatter maps and names every frame of the
 * trace, cdktf's and the provider's included (about 70 ms of a synth,
 * against 25). The frames are named and placed as node's formatter does.
 */
function sourceMappedFrames(below: (...args: never[]) => unknown, maps: Map<string, SourceMap | undefined>): string[] {
  const frames: string[] = [];
  for (const callSite of callSitesAbove(below, FRAMES_TO_CAPTURE)) {
    const functionName = callSite.getFunctionName();
    if (functionName === withConstructStackTraces.name) break;
    const file = callSite.getFileName();
    if (!file || isLibraryFile(file)) continue;
    if (!maps.has(file)) maps.set(file, findSourceMap(file));
    const line = callSite.getLineNumber() ?? 0;
    const column = callSite.getColumnNumber() ?? 0;
    const entry = maps.get(file)?.findEntry(line - 1, column - 1) as Partial<SourceMapping> | undefined;
    // Named as V8 names a frame: `new X`, `Type.method`, or the function's name.
    const typeName = callSite.isConstructor() || callSite.isToplevel() ? null : callSite.getTypeName();
    const name = `${callSite.isConstructor() ? "new " : ""}${typeName ? `${typeName}.` : ""}${functionName ?? "<anonymous>"}`;
    frames.push(
      entry?.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined
        ? `${name} (${file}:${line}:${column})`
        : `${name} (${entry.originalSource}:${entry.originalLine + 1}:${entry.originalColumn + 1})`,
    );
  }
  return frames;
}

/** The path a frame shows for `location` (a path or file URL): relative to `root`, or null when outside it or a library's. */
function repositoryPath(location: string, root: string): string | null {
  const file = location.startsWith("file://") ? fileURLToPath(location) : location;
  if (isLibraryFile(file)) return null;
  if (!isAbsolute(file)) return file;
  const fromRoot = relative(root, file);
  return fromRoot.startsWith("..") || isAbsolute(fromRoot) ? null : fromRoot.split(sep).join("/");
}

/** The frames in files under `root`, outside node_modules, made relative to it: at most MAX_FRAMES. */
function repositoryFrames(frames: readonly string[], root: string, paths: Map<string, string | null>): string[] {
  const kept: string[] = [];
  for (const frame of frames) {
    const location = /(?:\(|^)((?:file:\/\/)?[^()]+?):\d+:\d+\)?$/.exec(frame);
    if (!location) continue;
    // A few dozen files appear in every trace: resolve each once.
    if (!paths.has(location[1])) paths.set(location[1], repositoryPath(location[1], root));
    const file = paths.get(location[1]);
    if (file === null || file === undefined) continue;
    kept.push(frame.replace(location[1], file));
    if (kept.length === MAX_FRAMES) break;
  }
  return kept;
}

/** Whether node holds a source map for this module's own file, as it does when the bundled synth loaded it. */
function loadedWithSourceMap(): boolean {
  const file = callSitesAbove(loadedWithSourceMap, 1)[0]?.getFileName();
  return file !== undefined && file !== null && findSourceMap(file) !== undefined;
}

/**
 * Runs `build` (which creates the constructs of an app) with creation stack
 * traces recorded into each resource's metadata, then restores the library's
 * behaviour. `root` is the repository folder frames are made relative to.
 */
export function withConstructStackTraces<T>(root: string, build: () => T): T {
  const prototype = Node.prototype as unknown as { addMetadata: AddMetadata };
  const original = prototype.addMetadata;
  // Under jest or ts-node, frames are mapped by the formatter they installed.
  const maps = loadedWithSourceMap() ? new Map<string, SourceMap | undefined>() : undefined;
  const paths = new Map<string, string | null>();
  const recording: AddMetadata = function (this: Node, type, data, options = {}) {
    if (type !== "stacktrace" || options.stackTraceOverride) return original.call(this, type, data, options);
    const frames = maps ? sourceMappedFrames(recording, maps) : formattedFrames(recording);
    return original.call(this, type, data, { ...options, stackTraceOverride: repositoryFrames(frames, root, paths) });
  };
  prototype.addMetadata = recording;
  try {
    return build();
  } finally {
    prototype.addMetadata = original;
  }
}
