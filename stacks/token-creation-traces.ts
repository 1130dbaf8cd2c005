// cdktf records where each token was created (a full-depth stack trace,
// formatted at once) and shows it only in the message of an error resolving
// that token. A synth makes thousands of tokens, while building the
// constructs and again while resolving them, and those traces were a sixth of
// its time. A caller that can build again when something fails skips them on
// the first attempt.

type CaptureStackTrace = typeof Error.captureStackTrace;

/**
 * Error.captureStackTrace, except for cdktf's token creation traces, which
 * are left empty. cdktf (like constructs, which it copied) takes them with
 * its own `captureStackTrace` helper at unlimited depth; nothing else does.
 */
function skippingTokenTraces(capture: CaptureStackTrace): CaptureStackTrace {
  return function captureUnlessTokenTrace(target: object, below?: Parameters<CaptureStackTrace>[1]) {
    if (Error.stackTraceLimit === Number.MAX_SAFE_INTEGER && below?.name === "captureStackTrace") {
      (target as { stack?: string }).stack = "";
      return;
    }
    capture(target, below);
  };
}

/** Runs `work` with cdktf's token creation traces left empty, then restores Error.captureStackTrace. */
export function withoutTokenCreationTraces<T>(work: () => T): T {
  const original = Error.captureStackTrace;
  Error.captureStackTrace = skippingTokenTraces(original);
  try {
    return work();
  } finally {
    Error.captureStackTrace = original;
  }
}
