// A small GitHub REST server on loopback for tests of the comment machinery and
// of the bundled actions: issue comments (with Link-header pagination), labels
// and /user, in memory. It records every request and can fail on script
// (502 once, 429 with retry-after, secondary-rate-limit 403, locked, read-only token).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  /** Path without query, e.g. `/repos/acme/infra/issues/7/comments`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly authorization: string | undefined;
}

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  created_at: string;
  updated_at: string;
  html_url: string;
  issue_number: number;
}

export interface ScriptedFailure {
  readonly status: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Ready-made failures as GitHub sends them. */
export const failures = {
  badGateway: (): ScriptedFailure => ({ status: 502, message: "Server Error" }),
  serviceUnavailable: (): ScriptedFailure => ({ status: 503, message: "Service Unavailable" }),
  tooManyRequests: (retryAfterSeconds = 1): ScriptedFailure => ({
    status: 429,
    message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    headers: { "retry-after": String(retryAfterSeconds) },
  }),
  secondaryRateLimit: (retryAfterSeconds = 1): ScriptedFailure => ({
    status: 403,
    message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    headers: { "retry-after": String(retryAfterSeconds) },
  }),
  locked: (): ScriptedFailure => ({ status: 403, message: "Unable to create comment because issue is locked." }),
  readOnlyToken: (): ScriptedFailure => ({ status: 403, message: "Resource not accessible by integration" }),
};

export interface FailureRule {
  readonly method: string;
  /** Matched against the request path. */
  readonly path: RegExp;
  readonly failure: ScriptedFailure;
  /** How many matching requests fail (default 1; Infinity for always). */
  times: number;
  /** Apply the request first, then answer with the failure (GitHub stored it but the response was lost). */
  readonly afterApplying: boolean;
}

type Handler = (request: RecordedRequest, response: ServerResponse) => void;

export interface FakeGitHub {
  /** Base URL for GITHUB_API_URL / the client's baseUrl. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests other than GETs (what changed something). */
  writes(): RecordedRequest[];
  comments(issueNumber: number): FakeComment[];
  labels(issueNumber: number): string[];
  /** Adds a comment as if someone (default: github-actions[bot]) had posted it. */
  seedComment(issueNumber: number, body: string, login?: string): FakeComment;
  /** Removes a comment, as a person deleting it in the UI. */
  deleteComment(id: number): void;
  /** Scripts failures for matching requests. */
  fail(method: string, path: RegExp, failure: ScriptedFailure, options?: { times?: number; afterApplying?: boolean }): void;
  /** Every write to this issue is refused as on a locked conversation. */
  lock(issueNumber: number): void;
  /** Every write is refused as with a fork PR's read-only GITHUB_TOKEN. */
  readOnly(): void;
  /** The login GET /user returns; undefined (default) answers 403 like GITHUB_TOKEN. */
  tokenLogin: string | undefined;
  /** The author of comments created through the API (default github-actions[bot]). */
  commentAuthor: string;
  /** Extra endpoints for other tests. */
  handle(method: string, path: RegExp, handler: Handler): void;
  close(): Promise<void>;
}

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  response.end(JSON.stringify(body));
};

const readBody = (request: IncomingMessage): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("error", reject);
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (text === "") return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        resolve(text);
      }
    });
  });

export async function startFakeGitHub(options: { pageSizeCap?: number } = {}): Promise<FakeGitHub> {
  const pageSizeCap = options.pageSizeCap ?? 100;
  const requests: RecordedRequest[] = [];
  const commentsByIssue = new Map<number, FakeComment[]>();
  const labelsByIssue = new Map<number, Set<string>>();
  const rules: FailureRule[] = [];
  const locked = new Set<number>();
  const extraHandlers: { method: string; path: RegExp; handler: Handler }[] = [];
  let readOnly = false;
  let nextId = 1000;
  let url = "";

  const commentsOf = (issue: number): FakeComment[] => {
    if (!commentsByIssue.has(issue)) commentsByIssue.set(issue, []);
    return commentsByIssue.get(issue)!;
  };
  const labelsOf = (issue: number): Set<string> => {
    if (!labelsByIssue.has(issue)) labelsByIssue.set(issue, new Set());
    return labelsByIssue.get(issue)!;
  };
  const newComment = (issue: number, body: string, login: string): FakeComment => {
    const now = new Date().toISOString();
    const comment: FakeComment = {
      id: nextId++,
      body,
      user: { login, type: login.endsWith("[bot]") ? "Bot" : "User" },
      created_at: now,
      updated_at: now,
      html_url: `https://github.example/pull/${issue}#issuecomment-${nextId - 1}`,
      issue_number: issue,
    };
    commentsOf(issue).push(comment);
    return comment;
  };
  const findComment = (id: number): FakeComment | undefined => {
    for (const list of commentsByIssue.values()) {
      const comment = list.find((candidate) => candidate.id === id);
      if (comment) return comment;
    }
    return undefined;
  };

  const fake: FakeGitHub = {
    get url() {
      return url;
    },
    requests,
    writes: () => requests.filter((request) => request.method !== "GET"),
    comments: (issue) => commentsOf(issue).map((comment) => ({ ...comment })),
    labels: (issue) => [...labelsOf(issue)].sort(),
    seedComment: (issue, body, login = "github-actions[bot]") => newComment(issue, body, login),
    deleteComment: (id) => {
      for (const list of commentsByIssue.values()) {
        const index = list.findIndex((comment) => comment.id === id);
        if (index !== -1) list.splice(index, 1);
      }
    },
    fail: (method, path, failure, ruleOptions = {}) => {
      rules.push({ method, path, failure, times: ruleOptions.times ?? 1, afterApplying: ruleOptions.afterApplying ?? false });
    },
    lock: (issue) => void locked.add(issue),
    readOnly: () => {
      readOnly = true;
    },
    tokenLogin: undefined,
    commentAuthor: "github-actions[bot]",
    handle: (method, path, handler) => void extraHandlers.push({ method, path, handler }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  const sendFailure = (response: ServerResponse, failure: ScriptedFailure): void =>
    json(response, failure.status, { message: failure.message, documentation_url: "https://docs.github.com/rest" }, { ...(failure.headers ?? {}) });

  /** Applies the request to the in-memory state; returns [status, body, headers]. */
  const apply = (recorded: RecordedRequest): [number, unknown, Record<string, string>] | undefined => {
    const { method, path, query, body } = recorded;
    const write = method !== "GET";
    let match: RegExpExecArray | null;
    if (method === "GET" && path === "/user") {
      return fake.tokenLogin === undefined
        ? [403, { message: "Resource not accessible by integration" }, {}]
        : [200, { login: fake.tokenLogin, type: "User" }, {}];
    }
    if ((match = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path))) {
      const issue = Number(match[1]);
      if (method === "GET") {
        const perPage = Math.min(Number(query.per_page ?? 30), pageSizeCap);
        const page = Math.max(Number(query.page ?? 1), 1);
        const all = commentsOf(issue);
        const lastPage = Math.max(Math.ceil(all.length / perPage), 1);
        const links: string[] = [];
        const pageUrl = (n: number): string => `${url}${path}?per_page=${perPage}&page=${n}`;
        if (page < lastPage) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(lastPage)}>; rel="last"`);
        if (page > 1) links.push(`<${pageUrl(page - 1)}>; rel="prev"`, `<${pageUrl(1)}>; rel="first"`);
        return [200, all.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(", ") } : {}];
      }
      if (method === "POST") {
        if (locked.has(issue)) return [403, { message: "Unable to create comment because issue is locked." }, {}];
        const text = (body as { body?: unknown } | undefined)?.body;
        if (typeof text !== "string" || text === "") return [422, { message: "Validation Failed", errors: [{ field: "body", code: "missing_field" }] }, {}];
        if (text.length > 65536) return [422, { message: "Validation Failed", errors: [{ message: "Body is too long (maximum is 65536 characters)" }] }, {}];
        return [201, newComment(issue, text, fake.commentAuthor), {}];
      }
    }
    if ((match = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path))) {
      const comment = findComment(Number(match[1]));
      if (!comment) return [404, { message: "Not Found" }, {}];
      if (locked.has(comment.issue_number) && write) return [403, { message: "Unable to update comment because issue is locked." }, {}];
      if (method === "PATCH") {
        const text = (body as { body?: unknown } | undefined)?.body;
        if (typeof text !== "string") return [422, { message: "Validation Failed" }, {}];
        if (text.length > 65536) return [422, { message: "Validation Failed", errors: [{ message: "Body is too long (maximum is 65536 characters)" }] }, {}];
        comment.body = text;
        comment.updated_at = new Date().toISOString();
        return [200, comment, {}];
      }
      if (method === "DELETE") {
        fake.deleteComment(comment.id);
        return [204, undefined, {}];
      }
      if (method === "GET") return [200, comment, {}];
    }
    if ((match = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/labels$/.exec(path))) {
      const labels = labelsOf(Number(match[1]));
      if (method === "POST") {
        const names = (body as { labels?: unknown } | undefined)?.labels;
        if (!Array.isArray(names)) return [422, { message: "Validation Failed" }, {}];
        for (const name of names) labels.add(String(name));
      }
      if (method === "GET" || method === "POST") return [200, [...labels].sort().map((name) => ({ name })), {}];
    }
    if ((match = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/labels\/([^/]+)$/.exec(path)) && method === "DELETE") {
      const labels = labelsOf(Number(match[1]));
      const name = decodeURIComponent(match[2]!);
      if (!labels.has(name)) return [404, { message: "Label does not exist" }, {}];
      labels.delete(name);
      return [200, [...labels].sort().map((label) => ({ name: label })), {}];
    }
    return undefined;
  };

  const server = createServer((request, response) => {
    void (async () => {
      const parsed = new URL(request.url ?? "/", "http://127.0.0.1");
      const recorded: RecordedRequest = {
        method: request.method ?? "GET",
        path: parsed.pathname,
        query: Object.fromEntries(parsed.searchParams),
        body: await readBody(request),
        authorization: request.headers.authorization,
      };
      requests.push(recorded);
      const extra = extraHandlers.find((handler) => handler.method === recorded.method && handler.path.test(recorded.path));
      if (extra) return extra.handler(recorded, response);
      const rule = rules.find((candidate) => candidate.times > 0 && candidate.method === recorded.method && candidate.path.test(recorded.path));
      if (rule && !rule.afterApplying) {
        rule.times -= 1;
        return sendFailure(response, rule.failure);
      }
      if (readOnly && recorded.method !== "GET") return sendFailure(response, failures.readOnlyToken());
      const result = apply(recorded);
      if (rule) {
        rule.times -= 1;
        return sendFailure(response, rule.failure);
      }
      if (!result) return json(response, 404, { message: `Not Found (fake GitHub has no ${recorded.method} ${recorded.path})` });
      const [status, body, headers] = result;
      if (status === 204) {
        response.writeHead(204, headers);
        return response.end();
      }
      json(response, status, body, headers);
    })().catch((error: unknown) => json(response, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
