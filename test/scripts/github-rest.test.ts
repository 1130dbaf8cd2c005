import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { GitHubUnreachableError, createGitHubRest, errorMessage } from "../../scripts/github-rest.mjs";

/** A loopback server answering from a script of [status, body, headers] per request; records what it was asked. */
async function scripted(answers: [number, unknown, Record<string, string>?][]) {
  const requests: { method: string; url: string; headers: Record<string, unknown> }[] = [];
  const server: Server = createServer((request, response) => {
    requests.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers });
    const answer = answers.shift();
    if (!answer) return; // never answers: the client's timeout must end the wait
    const [status, body, headers] = answer;
    response.writeHead(status, { "content-type": "application/json", ...headers }).end(body === undefined ? "" : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("scripts/github-rest.mjs", () => {
  it("sends the token, version, user agent and query, and answers with the status instead of throwing", async () => {
    const server = await scripted([[404, { message: "Not Found" }]]);
    const send = createGitHubRest({ apiUrl: `${server.url}/`, token: "t0ken", userAgent: "probe" });
    const answer = await send("GET", "/repos/o/r/branches/dev", { query: { per_page: 100 } });
    expect(answer.status).toBe(404);
    expect(answer.data).toEqual({ message: "Not Found" });
    expect(server.requests[0]).toMatchObject({ method: "GET", url: "/repos/o/r/branches/dev?per_page=100" });
    expect(server.requests[0]!.headers).toMatchObject({ authorization: "Bearer t0ken", "user-agent": "probe", "x-github-api-version": "2022-11-28" });
    await server.close();
  });

  it("retries GitHub's 5xx and rate limits, waiting what retry-after asks, then gives the last answer", async () => {
    const server = await scripted([
      [502, { message: "Server Error" }],
      [403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "7" }],
      [200, { ok: true }],
    ]);
    const waits: number[] = [];
    const send = createGitHubRest({ apiUrl: server.url, token: "t", userAgent: "probe", sleep: async (ms) => void waits.push(ms) });
    expect((await send("POST", "/x", { body: { a: 1 } })).data).toEqual({ ok: true });
    expect(waits).toEqual([2000, 7000]);
    expect(server.requests).toHaveLength(3);
    const failing = await scripted([[503, {}], [503, {}], [503, { message: "still down" }]]);
    const gaveUp = await createGitHubRest({ apiUrl: failing.url, token: "t", userAgent: "probe", sleep: async () => {} })("GET", "/y");
    expect(gaveUp.status).toBe(503);
    expect(failing.requests).toHaveLength(3);
    await Promise.all([server.close(), failing.close()]);
  });

  it("does not retry a refusal that is not a rate limit", async () => {
    const server = await scripted([[403, { message: "Resource not accessible by integration" }]]);
    expect((await createGitHubRest({ apiUrl: server.url, token: "t", userAgent: "probe", sleep: async () => {} })("GET", "/z")).status).toBe(403);
    expect(server.requests).toHaveLength(1);
    await server.close();
  });

  it("fails with GitHubUnreachableError when GitHub does not answer in time or cannot be reached", async () => {
    const silent = await scripted([]);
    await expect(createGitHubRest({ apiUrl: silent.url, token: "t", userAgent: "probe", timeoutMs: 200 })("GET", "/slow")).rejects.toThrow(GitHubUnreachableError);
    await expect(createGitHubRest({ apiUrl: "http://127.0.0.1:1", token: "t", userAgent: "probe" })("GET", "/r")).rejects.toThrow("GET /r: GitHub's API at http://127.0.0.1:1 could not be reached");
    await silent.close();
  });

  it("says why an answer failed, validation errors included", () => {
    expect(errorMessage({ message: "Validation Failed", errors: [{ message: "A pull request already exists" }, { code: "invalid" }] })).toBe("Validation Failed (A pull request already exists; invalid)");
    expect(errorMessage("plain text")).toBe("plain text");
    expect(errorMessage(undefined)).toBe("");
  });
});
