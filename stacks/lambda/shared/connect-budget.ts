/**
 * How long a function waits for Aurora, and how that wait fits the
 * function's own time. Free of SDK and `pg` imports: the manifests' checks in
 * the synth use it too.
 *
 * Aurora Serverless v2 with a minimum of 0 ACUs pauses after
 * `secondsUntilAutoPause` idle seconds. The next connection request resumes
 * it, and the connection is accepted only once the instance has resumed,
 * which takes about 15 seconds (Aurora User Guide, "Scaling to Zero ACUs with
 * automatic pause and resume for Aurora Serverless v2",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html;
 * AWS Database Blog, "Introducing scaling to 0 capacity with Amazon Aurora
 * Serverless v2": "It can take up to 15 seconds for the database to
 * resume"). AWS therefore advises client connect timeouts longer than the
 * resume time. A connection attempt that gives up still starts the resume, so
 * the one retry lands on a resumed (or nearly resumed) instance.
 */

/** One connection attempt waits this long: longer than a resume. */
export const CONNECT_ATTEMPT_TIMEOUT_MS = 20_000;
/** Attempts per connect: the first, and one retry (new secret after a rejected password, a resume still finishing, a failover). */
export const CONNECT_ATTEMPTS = 2;
/** Pause before the retry, so a refused connection (failover, DNS switch) is not retried at once. */
export const CONNECT_RETRY_DELAY_MS = 1_000;
/** An attempt shorter than this is not started: it could not even finish a TLS handshake. */
export const MIN_CONNECT_ATTEMPT_MS = 250;

/**
 * API Gateway REST APIs wait at most 29 s for a Lambda integration (the
 * default, and the maximum without a quota increase: API Gateway developer
 * guide, "Amazon API Gateway quotas"; "Amazon API Gateway integration
 * timeout limit increase beyond 29 seconds", June 2024). `rest-api.ts` keeps
 * the default.
 */
export const API_GATEWAY_INTEGRATION_TIMEOUT_MS = 29_000;
/** Kept back so an API function's answer (even a 503) reaches API Gateway before it gives up. */
export const API_ANSWER_MARGIN_MS = 1_000;

/** How a function with database access spends its time; declared in its manifest. */
export interface DatabaseTiming {
  /** Server-side `statement_timeout` of its sessions. */
  readonly statementTimeoutMs: number;
  /**
   * Kept back from the invocation's remaining time when connecting: what the
   * function does after it has a connection (its statements, S3 writes, its
   * answer). The connect budget is whatever is left.
   */
  readonly reserveMs: number;
}

/** The time a connect may take: `remainingMs` of the invocation minus what the work after it needs. */
export function connectBudgetMs(remainingMs: number, reserveMs: number): number {
  return Math.max(0, remainingMs - reserveMs);
}

/** The longest a connect can take when nothing clips it: every attempt in full, with the pauses between them. */
export const UNCLIPPED_CONNECT_BUDGET_MS = CONNECT_ATTEMPTS * CONNECT_ATTEMPT_TIMEOUT_MS + (CONNECT_ATTEMPTS - 1) * CONNECT_RETRY_DELAY_MS;

/**
 * Milliseconds until API Gateway stops waiting for a request it received at
 * `requestTimeEpoch` (the event's `requestContext.requestTimeEpoch`), less the
 * answer margin. Undefined for a replayed or recorded event older than the
 * integration timeout: API Gateway is not waiting for it.
 */
export function apiGatewayRemainingMs(requestTimeEpoch: number | undefined, now: number): number | undefined {
  if (typeof requestTimeEpoch !== "number" || !Number.isFinite(requestTimeEpoch)) return undefined;
  const elapsed = now - requestTimeEpoch;
  if (elapsed < 0 || elapsed > API_GATEWAY_INTEGRATION_TIMEOUT_MS) return undefined;
  return API_GATEWAY_INTEGRATION_TIMEOUT_MS - API_ANSWER_MARGIN_MS - elapsed;
}

/** The part of Lambda's context the handlers read. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/**
 * What is left of an invocation: Lambda's remaining time, and for an API
 * request also API Gateway's (a cold start's init runs on API Gateway's clock
 * but not on the function's). Undefined when neither is known (tests,
 * scripts): the connect is then not clipped.
 */
export function invocationRemainingMs(context: InvocationContext | undefined, apiRequestTimeEpoch?: number, now: number = Date.now()): number | undefined {
  const candidates = [context?.getRemainingTimeInMillis(), apiGatewayRemainingMs(apiRequestTimeEpoch, now)].filter(
    (value): value is number => typeof value === "number" && Number.isFinite(value),
  );
  return candidates.length > 0 ? Math.min(...candidates) : undefined;
}

/** What a manifest needs to know to check its timing (a subset of FunctionManifest). */
export interface TimedFunction {
  readonly timeout: number;
  readonly behindApiGateway: boolean;
  readonly database: DatabaseTiming;
}

/** The connect budget at the start of an invocation: the function's timeout (and API Gateway's) minus the reserve. */
export function connectBudgetAtStartMs(fn: TimedFunction): number {
  const functionMs = fn.timeout * 1000;
  const limitMs = fn.behindApiGateway ? Math.min(functionMs, API_GATEWAY_INTEGRATION_TIMEOUT_MS - API_ANSWER_MARGIN_MS) : functionMs;
  return connectBudgetMs(limitMs, fn.database.reserveMs);
}

/** A function behind API Gateway that runs longer than API Gateway waits answers nobody. */
export function apiTimeoutProblems(timeoutSeconds: number): string[] {
  const apiLimitS = (API_GATEWAY_INTEGRATION_TIMEOUT_MS - API_ANSWER_MARGIN_MS) / 1000;
  return timeoutSeconds > apiLimitS
    ? [`timeout: found ${timeoutSeconds}, expected at most ${apiLimitS} s: API Gateway stops waiting after ${API_GATEWAY_INTEGRATION_TIMEOUT_MS / 1000} s`]
    : [];
}

/**
 * Why a function's timing cannot wait out an Aurora resume, or answer API
 * Gateway in time; empty when it can. Each problem names the field and the
 * numbers. The fields themselves (whole milliseconds, reserve ≥ statement
 * timeout) are checked before, by the manifest schema
 * (stacks/config/function-manifest-schema.ts).
 */
export function timingProblems(fn: TimedFunction): string[] {
  const problems: string[] = [];
  const { reserveMs } = fn.database;
  if (fn.behindApiGateway) problems.push(...apiTimeoutProblems(fn.timeout));
  const budget = connectBudgetAtStartMs(fn);
  if (problems.length === 0 && budget < CONNECT_ATTEMPT_TIMEOUT_MS) {
    problems.push(
      `timeout: found ${fn.timeout} s, which leaves ${budget} ms to connect after database.reserveMs (${reserveMs}); expected at least ${CONNECT_ATTEMPT_TIMEOUT_MS} ms to wait out an Aurora resume`,
    );
  }
  return problems;
}
