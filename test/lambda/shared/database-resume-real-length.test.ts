/**
 * @waits about 18 s: a connection held as long as a real Aurora resume (jest.sequencer.js starts it beside a file that computes).
 */
import { CONNECT_ATTEMPT_TIMEOUT_MS } from "../../../stacks/lambda/shared/connect-budget";
import { createDatabase, type Database } from "../../../stacks/lambda/shared/database";
import { type PausedDatabaseProxy, startPausedDatabaseProxy } from "../../support/paused-database-proxy";
import { startTestPostgres, type TestPostgres } from "../../../harness/postgres";

// Slow on purpose (about 18 s of wall time, spent waiting): the one test with a resume as long as a
// real one, the case from the issue, run with the production connect settings (nothing injected).
// database-resume.test.ts scales the resume and the budgets down and checks the same relation in
// every other case. A file of its own so that the other jest worker runs other files meanwhile.
const REAL_RESUME_MS = 18_000;

let server: TestPostgres;
let proxy: PausedDatabaseProxy | undefined;
let database: Database | undefined;

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await database?.end();
  await proxy?.close();
  await server?.stop();
});

describe("a real-length resume (~18 s) with the production connect settings", () => {
  it(
    "connects on the first attempt once the database has resumed",
    async () => {
      expect(REAL_RESUME_MS).toBeLessThan(CONNECT_ATTEMPT_TIMEOUT_MS);
      proxy = await startPausedDatabaseProxy({ host: "127.0.0.1", port: server.connection.port }, { resumeMs: REAL_RESUME_MS });
      const { database: name, user } = server.connection;
      database = createDatabase({ host: proxy.host, port: proxy.port, database: name, tls: { mode: "disable" }, applicationName: "resume-test" }, async () => ({
        username: user,
        password: "unused",
      }));
      const startedAt = Date.now();
      const client = await database.connect();
      let one: number;
      try {
        one = (await client.query<{ one: number }>("SELECT 1 AS one")).rows[0].one;
      } finally {
        client.release();
      }
      const elapsedMs = Date.now() - startedAt;
      expect(one).toBe(1);
      // The proxy really held the connection for the whole resume (a deadline check, never speed).
      expect(elapsedMs).toBeGreaterThanOrEqual(REAL_RESUME_MS - 50);
      expect({ accepted: proxy.accepted, forwarded: proxy.forwarded }).toEqual({ accepted: 1, forwarded: 1 });
    },
    REAL_RESUME_MS + 15_000,
  );
});
