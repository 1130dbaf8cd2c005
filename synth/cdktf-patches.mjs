// The speed patches of a synth, in one place. Each leaves the output
// unchanged (a test compares the output byte for byte with and without them);
// both depend on how cdktf works inside, so they apply only to the cdktf
// versions they were verified on. On any other version, or with
// SYNTH_PATCHES=off, a synth runs without them: slower, the same output.
//
//  - Token creation traces: cdktf records where each token was created (a
//    full-depth stack trace, formatted at once) and shows it only in the
//    message of an error resolving that token. A synth makes thousands of
//    tokens, while building the constructs and again while resolving them;
//    skipping those traces saves about a quarter of a warm synth's CPU. The
//    synth is redone with them when it fails (synth/synthesize.ts), so an
//    error still says where its token was created.
//  - Packages loaded before source maps are turned on: the bundled synth runs
//    with source maps on, so that the construct stack traces point at the
//    TypeScript lines (the lint comment relies on this). Node parses the map
//    of every module loaded while maps are on, and cdktf and the provider ship
//    one inline in each file; loading them first leaves only our own bundle's
//    map to parse (a few percent of a warm synth; far more when the token
//    traces are taken, each formatted through those maps).
//
// To verify another cdktf version: run `npm test` (the byte comparisons in
// test/synth/cdktf-patches.test.ts) and `BENCH_RUNS=5 npm run bench -- synth`
// with it installed, then add it to VERIFIED_CDKTF_VERSIONS.

/** The cdktf versions (package.json `version`) the patches were verified on. */
export const VERIFIED_CDKTF_VERSIONS = Object.freeze(["0.21.0"]);

/** A SYNTH_* setting the synth cannot use: reported by its message alone. */
export class SettingError extends Error {
  name = "SettingError";
}

/** The environment variable that turns the patches off. */
export const PATCHES_SWITCH = "SYNTH_PATCHES";

/**
 * Whether the patches apply, given the switch's value and the installed cdktf
 * version: `{ enabled, warning? }`, the warning one line saying why they do not.
 */
export function patchesFor(setting, cdktfVersion) {
  if (setting === "off") return { enabled: false };
  if (setting !== undefined && setting !== "" && setting !== "on") {
    throw new SettingError(`${PATCHES_SWITCH}: found "${setting}", expected "on" (the default) or "off"`);
  }
  if (VERIFIED_CDKTF_VERSIONS.includes(cdktfVersion)) return { enabled: true };
  return {
    enabled: false,
    warning:
      `warning: synth patches off: cdktf ${cdktfVersion} is installed, they were verified on ${VERIFIED_CDKTF_VERSIONS.join(", ")}; ` +
      `synthesizing without them (same output, slower). See synth/cdktf-patches.mjs to verify this version, or set ${PATCHES_SWITCH}=off.`,
  };
}

// The bundled synth holds its own copy of this module, beside the runner's:
// both ask this process's one answer, and its warning is printed once.
const PROCESS_PATCHES = Symbol.for("trading-platform.synth.cdktf-patches");

/**
 * This process's answer: `SYNTH_PATCHES` and the version in the package.json
 * of the cdktf that `requireFromRepository` resolves. Decided (and any warning
 * printed) on the first call.
 */
export function cdktfPatches(requireFromRepository) {
  if (!globalThis[PROCESS_PATCHES]) {
    const decision = patchesFor(process.env[PATCHES_SWITCH], requireFromRepository("cdktf/package.json").version);
    if (decision.warning) console.error(decision.warning);
    globalThis[PROCESS_PATCHES] = decision;
  }
  return globalThis[PROCESS_PATCHES];
}

/**
 * Turns node's source maps on for the modules loaded from now on (the
 * bundle), loading `packages` (the bundle's static imports) first when the
 * patches apply.
 */
export function enableSourceMapsAfterPackages(requireFromRepository, packages, patches) {
  if (patches.enabled) for (const specifier of packages) requireFromRepository(specifier);
  process.setSourceMapsEnabled(true);
}

/** Where a skipping Error.captureStackTrace keeps the function it wraps. */
const GENUINE_CAPTURE = Symbol.for("trading-platform.synth.genuine-capture-stack-trace");

/**
 * Error.captureStackTrace, except for cdktf's token creation traces, which
 * are left empty. cdktf 0.21 (like constructs, which it copied) takes them
 * with its own `captureStackTrace` helper at unlimited depth
 * (lib/tokens/private/stack-trace.js); nothing else does.
 */
function skippingTokenTraces(capture) {
  const genuine = capture[GENUINE_CAPTURE] ?? capture;
  function captureUnlessTokenTrace(target, below) {
    if (Error.stackTraceLimit === Number.MAX_SAFE_INTEGER && below?.name === "captureStackTrace") {
      target.stack = "";
      return;
    }
    capture(target, below);
  }
  captureUnlessTokenTrace[GENUINE_CAPTURE] = genuine;
  return captureUnlessTokenTrace;
}

/** Runs `work` with Error.captureStackTrace set to `capture`, then puts back the one it found. */
function withCapture(capture, work) {
  const current = Error.captureStackTrace;
  Error.captureStackTrace = capture;
  try {
    return work();
  } finally {
    Error.captureStackTrace = current;
  }
}

/** Runs `work` with cdktf's token creation traces left empty, then restores Error.captureStackTrace. */
export function withoutTokenCreationTraces(work) {
  return withCapture(skippingTokenTraces(Error.captureStackTrace), work);
}

/**
 * Runs `work` with cdktf's token creation traces taken, whoever turned them
 * off around it (a synth redone to say where a failing token was created
 * must get them), then restores Error.captureStackTrace.
 */
export function withTokenCreationTraces(work) {
  const current = Error.captureStackTrace;
  return withCapture(current[GENUINE_CAPTURE] ?? current, work);
}

/**
 * Leaves cdktf's token creation traces empty in this realm from now on, as a
 * synth does: for the tests, which build stacks in-process (jest setupFiles).
 * Returns the function that turns them back on.
 */
export function skipTokenCreationTraces() {
  const current = Error.captureStackTrace;
  Error.captureStackTrace = skippingTokenTraces(current);
  return () => {
    Error.captureStackTrace = current;
  };
}
