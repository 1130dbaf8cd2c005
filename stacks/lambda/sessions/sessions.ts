/**
 * Dashboard sessions in the sessions table (hash key `sessionId`, TTL
 * attribute `expiresAt` in epoch seconds):
 *   POST   /v1/sessions       → 201 + the new session
 *   GET    /v1/sessions/{id}  → 200 + the session, 404 if absent, expired or another client's
 *   DELETE /v1/sessions/{id}  → 204, 404 if absent, expired or another client's
 *
 * A session belongs to the API key that created it; other keys get 404 (not
 * 403) so they cannot probe which ids exist. DynamoDB's TTL deletes expired
 * items only eventually (typically within days), so expiry is checked here.
 */
import { randomBytes } from "node:crypto";
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type Environment, positiveIntegerEnv, requiredEnv } from "../shared/env";
import { type ApiEvent, type ApiResult, apiKeyIdOf, emptyResponse, jsonResponse, problemResponse, withProblemBoundary } from "../shared/http";
import type { Logger } from "../shared/logger";

export interface SessionsConfig {
  readonly table: string;
  readonly ttlSeconds: number;
}

export interface SessionsDependencies {
  readonly documents: DynamoDBDocumentClient;
  readonly config: SessionsConfig;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** New session ids; defaults to 256 random bits, base64url. Injectable to test id collisions. */
  readonly newSessionId?: () => string;
}

export interface Session {
  readonly sessionId: string;
  readonly clientId: string;
  /** ISO-8601 UTC. */
  readonly createdAt: string;
  /** Epoch seconds; the table's TTL attribute. */
  readonly expiresAt: number;
}

/** 32 random bytes in base64url: 43 characters. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const MAX_ID_ATTEMPTS = 3;

export function sessionsConfigFromEnv(env: Environment): SessionsConfig {
  return { table: requiredEnv(env, "SESSIONS_TABLE"), ttlSeconds: positiveIntegerEnv(env, "SESSION_TTL_SECONDS") };
}

// By name rather than instanceof: a bundle may hold more than one copy of the SDK's error classes.
function isConditionalCheckFailure(error: unknown): boolean {
  return (error as { name?: string })?.name === "ConditionalCheckFailedException";
}

const defaultSessionId = (): string => randomBytes(32).toString("base64url");

export function createSessionsHandler(deps: SessionsDependencies): (event: ApiEvent) => Promise<ApiResult> {
  const { documents, config, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const newSessionId = deps.newSessionId ?? defaultSessionId;

  const createSession = async (clientId: string): Promise<Session> => {
    const createdAt = now();
    for (let attempt = 1; ; attempt++) {
      const session: Session = {
        sessionId: newSessionId(),
        clientId,
        createdAt: createdAt.toISOString(),
        expiresAt: Math.floor(createdAt.getTime() / 1000) + config.ttlSeconds,
      };
      try {
        // Never overwrite: a colliding id (astronomically unlikely with 256 bits) gets a fresh one.
        await documents.send(new PutCommand({ TableName: config.table, Item: session, ConditionExpression: "attribute_not_exists(sessionId)" }));
        return session;
      } catch (error) {
        if (!isConditionalCheckFailure(error) || attempt >= MAX_ID_ATTEMPTS) throw error;
      }
    }
  };

  return withProblemBoundary(logger, async (event, log) => {
    const requestId = event.requestContext?.requestId;
    const notFound = () => problemResponse(404, { title: "Session not found", detail: "No live session with this id belongs to your API key" }, requestId);
    const clientId = apiKeyIdOf(event);
    if (!clientId) return problemResponse(403, { title: "Forbidden", detail: "The request carries no API key; send your key in the x-api-key header" }, requestId);

    // Routed by method and the {id} parameter, not by path: the stage (`/v1`) is not part of `resource`,
    // and a custom domain's base path would change `path`.
    const sessionId = event.pathParameters?.id;
    if (sessionId === undefined) {
      if (event.httpMethod !== "POST") {
        const response = problemResponse(405, { title: "Method not allowed", detail: `${event.httpMethod} is not supported on /v1/sessions; send POST` }, requestId);
        return { ...response, headers: { ...response.headers, Allow: "POST" } };
      }
      const session = await createSession(clientId);
      log.info("Created session", { clientId, expiresAt: session.expiresAt });
      return jsonResponse(201, session, { Location: `${event.requestContext?.path ?? event.path}/${session.sessionId}` });
    }

    if (!SESSION_ID_PATTERN.test(sessionId)) {
      return problemResponse(400, { title: "Invalid session id", detail: `A session id is 43 characters of letters, digits, "-" or "_", found ${JSON.stringify(sessionId.slice(0, 60))}` }, requestId);
    }
    const nowSeconds = Math.floor(now().getTime() / 1000);

    if (event.httpMethod === "GET") {
      const { Item } = await documents.send(new GetCommand({ TableName: config.table, Key: { sessionId }, ConsistentRead: true }));
      const session = Item as Session | undefined;
      if (!session || session.clientId !== clientId || !(session.expiresAt > nowSeconds)) return notFound();
      return jsonResponse(200, { sessionId: session.sessionId, clientId: session.clientId, createdAt: session.createdAt, expiresAt: session.expiresAt });
    }

    if (event.httpMethod === "DELETE") {
      try {
        await documents.send(
          new DeleteCommand({
            TableName: config.table,
            Key: { sessionId },
            // Checked and deleted in one step: no window for another client's id or a stale session.
            ConditionExpression: "attribute_exists(sessionId) AND clientId = :clientId AND expiresAt > :now",
            ExpressionAttributeValues: { ":clientId": clientId, ":now": nowSeconds },
          }),
        );
      } catch (error) {
        if (isConditionalCheckFailure(error)) return notFound();
        throw error;
      }
      log.info("Deleted session", { clientId });
      return emptyResponse(204);
    }

    const response = problemResponse(405, { title: "Method not allowed", detail: `${event.httpMethod} is not supported on /v1/sessions/{id}` }, requestId);
    return { ...response, headers: { ...response.headers, Allow: "GET, DELETE" } };
  });
}
