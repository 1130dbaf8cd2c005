import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { createLogger } from "../../../stacks/lambda/shared/logger";
import { manifest } from "../../../stacks/lambda/sessions/manifest";
import { SESSION_ID_PATTERN, createSessionsHandler, sessionsConfigFromEnv } from "../../../stacks/lambda/sessions/sessions";
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalDynamo, startLocalDynamo, tableShapes } from "../../support/local-services";
import { apiGatewayEvent } from "../shared/recorded-events";

const TABLE = "sessions";
const CLIENT = "k7abc123de";
const OTHER_CLIENT = "k7other999";

let dynamo: LocalDynamo;
let clock: Date;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await dynamo.createTable(TABLE, tableShapes.sessions);
});
afterAll(async () => {
  await dynamo?.stop();
});
beforeEach(() => {
  clock = new Date("2024-03-01T12:00:00.000Z");
});

function handler(overrides: { newSessionId?: () => string; table?: string } = {}) {
  return createSessionsHandler({
    documents: dynamo.documents,
    config: { table: overrides.table ?? TABLE, ttlSeconds: 3600 },
    logger: createLogger({ write: () => undefined }),
    now: () => clock,
    newSessionId: overrides.newSessionId,
  });
}

const create = (apiKeyId: string | null = CLIENT, h = handler()) =>
  h(apiGatewayEvent({ method: "POST", route: "/v1/sessions", body: null, apiKeyId }));

const onSession = (method: "GET" | "DELETE", id: string, apiKeyId: string = CLIENT, h = handler()) =>
  h(apiGatewayEvent({ method, route: "/v1/sessions/{id}", pathParameters: { id }, apiKeyId }));

const bodyOf = (response: APIGatewayProxyResult) => JSON.parse(response.body);

describe("sessions", () => {
  it("POST creates a session with a random id, the caller's client id and a TTL, stored in the table", async () => {
    const response = await create();
    expect(response.statusCode).toBe(201);
    const session = bodyOf(response);
    expect(session).toEqual({ sessionId: expect.stringMatching(SESSION_ID_PATTERN), clientId: CLIENT, createdAt: "2024-03-01T12:00:00.000Z", expiresAt: Date.UTC(2024, 2, 1, 13) / 1000 });
    expect(response.headers).toMatchObject({ Location: `/v1/sessions/${session.sessionId}`, "Cache-Control": "no-store" });
    const stored = await dynamo.documents.send(new GetCommand({ TableName: TABLE, Key: { sessionId: session.sessionId } }));
    expect(stored.Item).toEqual(session);
    expect(bodyOf(await create()).sessionId).not.toBe(session.sessionId);
  });

  it("GET returns the caller's live session", async () => {
    const session = bodyOf(await create());
    const response = await onSession("GET", session.sessionId);
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual(session);
  });

  it("GET answers 404 once the session has expired, though TTL deletion has not removed the item", async () => {
    const session = bodyOf(await create());
    clock = new Date("2024-03-01T13:00:00.000Z");
    const response = await onSession("GET", session.sessionId);
    expect(response.statusCode).toBe(404);
    expect((await dynamo.documents.send(new GetCommand({ TableName: TABLE, Key: { sessionId: session.sessionId } }))).Item).toBeDefined();
  });

  it("GET answers 404 for an unknown id and for another client's session", async () => {
    const session = bodyOf(await create());
    expect((await onSession("GET", "A".repeat(43))).statusCode).toBe(404);
    const foreign = await onSession("GET", session.sessionId, OTHER_CLIENT);
    expect(foreign.statusCode).toBe(404);
    expect(bodyOf(foreign).detail).toBe("No live session with this id belongs to your API key");
  });

  it("DELETE removes the session (204), after which GET and DELETE answer 404", async () => {
    const session = bodyOf(await create());
    const deleted = await onSession("DELETE", session.sessionId);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe("");
    expect((await onSession("GET", session.sessionId)).statusCode).toBe(404);
    expect((await onSession("DELETE", session.sessionId)).statusCode).toBe(404);
  });

  it("DELETE of another client's session answers 404 and leaves it in place", async () => {
    const session = bodyOf(await create());
    expect((await onSession("DELETE", session.sessionId, OTHER_CLIENT)).statusCode).toBe(404);
    expect((await onSession("GET", session.sessionId)).statusCode).toBe(200);
  });

  it("DELETE of an expired session answers 404", async () => {
    const session = bodyOf(await create());
    clock = new Date("2024-03-01T14:00:00.000Z");
    expect((await onSession("DELETE", session.sessionId)).statusCode).toBe(404);
  });

  it("a malformed session id is a 400 naming the expected form", async () => {
    const response = await onSession("GET", "not-a-session");
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).detail).toBe('A session id is 43 characters of letters, digits, "-" or "_", found "not-a-session"');
  });

  it("never overwrites an existing session when a new id collides", async () => {
    const taken = "T".repeat(43);
    await dynamo.documents.send(new PutCommand({ TableName: TABLE, Item: { sessionId: taken, clientId: OTHER_CLIENT, createdAt: "2024-03-01T11:00:00.000Z", expiresAt: 1_900_000_000 } }));
    const ids = [taken, "F".repeat(43)];
    const response = await create(CLIENT, handler({ newSessionId: () => ids.shift()! }));
    expect(bodyOf(response).sessionId).toBe("F".repeat(43));
    expect((await dynamo.documents.send(new GetCommand({ TableName: TABLE, Key: { sessionId: taken } }))).Item?.clientId).toBe(OTHER_CLIENT);
  });

  it("answers 405 with Allow for methods a route does not serve", async () => {
    const list = await handler()(apiGatewayEvent({ method: "GET", route: "/v1/sessions", apiKeyId: CLIENT }));
    expect(list.statusCode).toBe(405);
    expect(list.headers).toMatchObject({ Allow: "POST" });
    const replace = await handler()(apiGatewayEvent({ method: "PUT", route: "/v1/sessions/{id}", pathParameters: { id: "A".repeat(43) }, apiKeyId: CLIENT }));
    expect(replace.statusCode).toBe(405);
    expect(replace.headers).toMatchObject({ Allow: "GET, DELETE" });
  });

  it("requires an API key identity", async () => {
    expect((await create(null)).statusCode).toBe(403);
  });

  it("answers 500 without internals when the table is unreachable", async () => {
    const response = await create(CLIENT, handler({ table: "missing-table" }));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toMatch(/ResourceNotFound|missing-table/);
  });
});

describe("sessions environment", () => {
  it("reads the variables its manifest declares, with the manifest's TTL", () => {
    const env = Object.fromEntries(
      Object.entries(manifest.environment).map(([name, binding]) => [name, "value" in binding ? binding.value : `value-of-${name}`]),
    );
    expect(sessionsConfigFromEnv(env)).toEqual({ table: "value-of-SESSIONS_TABLE", ttlSeconds: 3600 });
  });

  it.each(["0", "-5", "1.5", "an hour", ""])("refuses SESSION_TTL_SECONDS=%p", (value) => {
    expect(() => sessionsConfigFromEnv({ SESSIONS_TABLE: "t", SESSION_TTL_SECONDS: value })).toThrow(/SESSION_TTL_SECONDS/);
  });
});

describe("sessions entry point (index.ts)", () => {
  const savedEnv = { ...process.env };
  afterAll(() => {
    process.env = savedEnv;
  });

  it("creates and reads back a session with configuration from the environment only", async () => {
    process.env = {
      ...savedEnv,
      SESSIONS_TABLE: TABLE,
      SESSION_TTL_SECONDS: "900",
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    };
    let entry!: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module instance per environment
      entry = require("../../../stacks/lambda/sessions/index").handler;
    });
    const write = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const created = await entry(apiGatewayEvent({ method: "POST", route: "/v1/sessions" }));
      expect(created.statusCode).toBe(201);
      const session = bodyOf(created);
      expect(session.clientId).toBe("theApiKeyId");
      expect(session.expiresAt - Math.floor(Date.parse(session.createdAt) / 1000)).toBe(900);
      const read = await entry(apiGatewayEvent({ method: "GET", route: "/v1/sessions/{id}", pathParameters: { id: session.sessionId } }));
      expect(bodyOf(read)).toEqual(session);
    } finally {
      write.mockRestore();
    }
  });
});
