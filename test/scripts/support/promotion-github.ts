// The loopback GitHub for promotions: serves the pull requests of a
// PromotionRepository through the REST endpoints scripts/promotion-pull-request.mjs
// calls, with GitHub's semantics for the commit -> pulls association.
import type { ServerResponse } from "node:http";
import { type FakeGitHub, type RecordedRequest, startFakeGitHub } from "../../support/fake-github";
import type { PromotionRepository, SimulatedPull } from "./promotion-repository";

export const OWNER = "acme";
export const REPO = "infra";

export interface PromotionGitHub {
  readonly github: FakeGitHub;
  /** Scripted answers for the next matching requests, before the simulated ones. */
  script(method: string, path: RegExp, status: number, body: unknown, options?: { applyFirst?: boolean }): void;
  close(): Promise<void>;
}

const send = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
};

const asApi = (pull: SimulatedPull) => ({
  number: pull.number,
  title: pull.title,
  body: pull.body,
  state: pull.state,
  user: { login: pull.user.login },
  head: { ref: pull.head },
  base: { ref: pull.base },
  merged_at: pull.merged_at,
  merge_commit_sha: pull.merge_commit_sha ?? null,
  html_url: `https://github.example/${OWNER}/${REPO}/pull/${pull.number}`,
});

export async function startPromotionGitHub(repo: PromotionRepository): Promise<PromotionGitHub> {
  const github = await startFakeGitHub();
  const scripted: { method: string; path: RegExp; status: number; body: unknown; applyFirst: boolean }[] = [];
  const prefix = `/repos/${OWNER}/${REPO}`;

  const route = (method: string, path: RegExp, simulate: (request: RecordedRequest, match: RegExpExecArray) => [number, unknown]) =>
    github.handle(method, path, (request, response) => {
      const index = scripted.findIndex((entry) => entry.method === method && entry.path.test(request.path));
      const entry = index === -1 ? undefined : scripted.splice(index, 1)[0];
      if (entry && !entry.applyFirst) return send(response, entry.status, entry.body);
      const [status, body] = simulate(request, path.exec(request.path)!);
      send(response, entry?.status ?? status, entry?.body ?? body);
    });

  // GitHub: "the merged pull request that introduced the commit"; for a commit
  // outside the default branch also open (and other merged) pull requests that
  // contain it. Both kinds are served, so the caller's filtering is exercised.
  // A merged pull request's commits never change: each is listed once (`git rev-list`), not per request.
  const mergedCommits = new Map<number, ReadonlySet<string>>();
  const commitsBetween = (base: string, head: string): ReadonlySet<string> => new Set(repo.git(repo.origin, ["rev-list", head, `^${base}`]).split("\n").filter(Boolean));
  route("GET", new RegExp(`^${prefix}/commits/([0-9a-f]{40})/pulls$`), (_request, match) => {
    const sha = match[1]!;
    const heads = repo.remoteHeads();
    // A pull request's commits: reachable from its head, not from its base (at merge time, the merge commit's first parent).
    const inPull = (pull: SimulatedPull): boolean => {
      if (pull.merge_commit_sha) {
        let commits = mergedCommits.get(pull.number);
        if (!commits) mergedCommits.set(pull.number, (commits = commitsBetween(`${pull.merge_commit_sha}^1`, `${pull.merge_commit_sha}^2`)));
        return commits.has(sha);
      }
      return pull.state === "open" && heads[pull.head] !== undefined && commitsBetween(heads[pull.base]!, heads[pull.head]!).has(sha);
    };
    const associated = repo.pulls.filter((pull) => pull.merge_commit_sha === sha || inPull(pull));
    return [200, associated.map(asApi)];
  });
  route("GET", new RegExp(`^${prefix}/pulls$`), (request) => {
    const open = repo.pulls.filter(
      (pull) => (request.query.state ?? "open") === pull.state && (!request.query.head || request.query.head === `${OWNER}:${pull.head}`) && (!request.query.base || request.query.base === pull.base),
    );
    return [200, open.map(asApi)];
  });
  route("POST", new RegExp(`^${prefix}/pulls$`), (request) => {
    const { title, head, base, body } = request.body as { title: string; head: string; base: string; body: string };
    if (!repo.remoteHeads()[head]) return [422, { message: "Validation Failed", errors: [{ resource: "PullRequest", field: "head", code: "invalid" }] }];
    if (repo.openPullFor(head, base)) return [422, { message: "Validation Failed", errors: [{ message: `A pull request already exists for ${OWNER}:${head}.` }] }];
    const pull = repo.openPull(head, base, title, "promotion-app[bot]");
    pull.body = body;
    return [201, asApi(pull)];
  });
  route("PATCH", new RegExp(`^${prefix}/pulls/(\\d+)$`), (request, match) => {
    const pull = repo.pulls.find((candidate) => candidate.number === Number(match[1]));
    if (!pull) return [404, { message: "Not Found" }];
    const { title, body } = request.body as { title?: string; body?: string };
    if (title !== undefined) (pull as { title: string }).title = title;
    if (body !== undefined) pull.body = body;
    return [200, asApi(pull)];
  });

  return {
    github,
    script: (method, path, status, body, options = {}) => void scripted.push({ method, path, status, body, applyFirst: options.applyFirst ?? false }),
    close: () => github.close(),
  };
}
