/**
 * API Gateway (REST, Lambda proxy) request and response helpers shared by the
 * API handlers. Error responses are RFC 9457 problem documents; they name what
 * was wrong with the request and never carry stack traces or internal messages.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { InvocationContext } from "./connect-budget";
import type { Logger } from "./logger";

export type ApiEvent = APIGatewayProxyEvent;
export type ApiResult = APIGatewayProxyResult;

const COMMON_HEADERS = {
  // Responses carry client data (trades, session ids): never cache them anywhere.
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
} as const;

export function jsonResponse(statusCode: number, body: unknown, headers: Readonly<Record<string, string>> = {}): ApiResult {
  return {
    statusCode,
    headers: { "Content-Type": "application/json", ...COMMON_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

export function emptyResponse(statusCode: number): ApiResult {
  return { statusCode, headers: { ...COMMON_HEADERS }, body: "" };
}

export interface Problem {
  /** Short, fixed summary of the problem type, e.g. "Invalid trade batch". */
  readonly title: string;
  /** What happened in this request, in words a client can act on. */
  readonly detail: string;
  /** Individual problems, e.g. one per bad record and field. */
  readonly errors?: readonly unknown[];
  /** Extra members (RFC 9457 extension members). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export function problemResponse(statusCode: number, problem: Problem, requestId?: string): ApiResult {
  const body = {
    type: "about:blank",
    title: problem.title,
    status: statusCode,
    detail: problem.detail,
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...problem.extra,
    ...(requestId ? { requestId } : {}),
  };
  return {
    statusCode,
    headers: { "Content-Type": "application/problem+json", ...COMMON_HEADERS },
    body: JSON.stringify(body),
  };
}

/** Header lookup ignoring case (API Gateway passes headers as the client sent them). */
export function headerValue(event: Pick<ApiEvent, "headers">, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** The raw request body as bytes (API Gateway base64-encodes binary media types). */
export function bodyBytes(event: Pick<ApiEvent, "body" | "isBase64Encoded">): Buffer {
  if (event.body === null || event.body === undefined) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
}

/** The API key id API Gateway validated for this request, if the method requires a key. */
export function apiKeyIdOf(event: ApiEvent): string | undefined {
  const id = event.requestContext?.identity?.apiKeyId;
  return typeof id === "string" && id.length > 0 ? id : undefined;
}

/**
 * Runs an API handler so that an unexpected exception becomes a 500 problem
 * that only names the request id, while the full error goes to the log (and so
 * to the alert forwarder).
 */
export function withProblemBoundary<Event extends ApiEvent>(
  logger: Logger,
  handle: (event: Event, log: Logger, context?: InvocationContext) => Promise<ApiResult>,
): (event: Event, context?: InvocationContext) => Promise<ApiResult> {
  return async (event, context) => {
    const requestId = event.requestContext?.requestId;
    const log = logger.child({ requestId, resource: event.resource, method: event.httpMethod });
    try {
      return await handle(event, log, context);
    } catch (error) {
      log.error("Unhandled error while serving request", { error });
      return problemResponse(500, { title: "Internal error", detail: "The request could not be completed; quote the request id when reporting it." }, requestId);
    }
  };
}
