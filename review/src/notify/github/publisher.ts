// The Publisher of the actions: the step summary always, then the sticky
// comment on the pull request; labels through the API; annotations, outputs
// and masks through @actions/core. No pull request, no token, a locked pull
// request or a read-only token are normal: the report is in the step summary
// and a notice says why there is no comment.
import type { ReviewFs } from "../../dependencies";
import { COMMENT_LIMIT, STEP_SUMMARY_LIMIT, measureBytes } from "../../markdown";
import type { Annotation, Publisher, PublisherLinks, PublishOptions, PublishOutcome, Report } from "../publisher";
import { PRODUCTION_TIMING, createGitHubClient, type GitHubClient, type RequestTiming } from "./client";
import { commentUnavailableReason, renderMarker, resolveTokenLogin, syncLabels, upsertComment, type CommentMarker } from "./comments";
import { runContext, type ActionRuntime, type ActionsCore, type RunContext } from "./runtime";

export interface GitHubPublisherOptions {
  readonly core: ActionsCore;
  readonly run: RunContext;
  /** Undefined without a token: the step summary only. */
  readonly client: GitHubClient | undefined;
  /** Reads the step summary's size before appending (see `appendSummary`). */
  readonly fs: Pick<ReviewFs, "readFileSync" | "existsSync">;
  readonly timing?: RequestTiming;
}

/** Room kept between a comment and GitHub's limit beyond the marker line. */
const COMMENT_MARGIN = 200;

export class GitHubPublisher implements Publisher {
  readonly links: PublisherLinks;

  constructor(private readonly options: GitHubPublisherOptions) {
    const { run } = options;
    this.links = { run: run.runUrl, blob: run.sha ? `${run.serverUrl}/${run.owner}/${run.repo}/blob/${run.sha}` : undefined };
  }

  mask(secrets: Iterable<string>): void {
    for (const secret of secrets) this.options.core.setSecret(secret);
  }

  async summarize(report: Report): Promise<void> {
    await this.appendSummary(report.markdown().summary);
  }

  async publish(report: Report, publishOptions: PublishOptions = {}): Promise<PublishOutcome> {
    const outcome = await this.comment(report, publishOptions);
    const kind = `${report.kind[0]!.toUpperCase()}${report.kind.slice(1)}`;
    this.options.core.info(`${kind} comment: ${outcome.status}${"commentId" in outcome ? ` (${outcome.commentId})` : ""}.`);
    return outcome;
  }

  private async comment(report: Report, publishOptions: PublishOptions): Promise<PublishOutcome> {
    const { run, client, core } = this.options;
    const timing = this.options.timing ?? PRODUCTION_TIMING;
    const rendering = report.markdown();
    await this.appendSummary(rendering.summary);
    const explicit = publishOptions.issueNumber !== undefined;
    const summaryOnly = (reason: string): PublishOutcome => {
      const where = explicit ? `on #${publishOptions.issueNumber}` : `for ${report.environment}`;
      core.notice(`No ${report.kind} comment ${where}: ${reason}. The ${report.noun ?? report.kind} is in the step summary.`);
      return { status: "summary-only", reason };
    };
    const issueNumber = publishOptions.issueNumber ?? run.pullRequestNumber;
    if (issueNumber === undefined) return summaryOnly(`this ${run.eventName || "unknown"} event has no pull request`);
    if (!client) return summaryOnly("no github-token was given");
    const marker: CommentMarker = { kind: report.kind, environment: report.environment, runId: run.runId, runAttempt: run.runAttempt, sha: run.sha, ...report.marker };
    try {
      const author = publishOptions.author ?? (await resolveTokenLogin(client));
      return await upsertComment({
        client,
        owner: run.owner,
        repo: run.repo,
        issueNumber,
        author,
        marker,
        content: fitComment(rendering.comment, renderMarker(marker).length, run.runUrl),
        sleep: timing.sleep,
        log: (line) => core.info(line),
        retryUnitMs: timing.unitMs,
      });
    } catch (error) {
      const reason = commentUnavailableReason(error);
      if (reason) return summaryOnly(reason);
      throw error;
    }
  }

  async labels(change: { readonly add: readonly string[]; readonly remove: readonly string[] }): Promise<void> {
    const { run, client, core } = this.options;
    if (!client || run.pullRequestNumber === undefined) return;
    await syncLabels({ client, ref: { owner: run.owner, repo: run.repo, issueNumber: run.pullRequestNumber }, add: change.add, remove: change.remove, notice: (message) => core.notice(message) });
  }

  output(name: string, value: string): void {
    this.options.core.setOutput(name, value);
  }

  annotate(annotation: Annotation): void {
    const properties = { title: annotation.title, file: annotation.file, startLine: annotation.line };
    const defined = Object.values(properties).some((value) => value !== undefined);
    this.options.core[annotation.level](annotation.message, defined ? properties : undefined);
  }

  log(line: string): void {
    this.options.core.info(line);
  }

  /**
   * Appends to the step summary. The renderers keep one report under the
   * 1 MiB cap; this refuses to pass it, so a second report cannot make the
   * runner drop the whole summary.
   */
  private async appendSummary(markdown: string): Promise<boolean> {
    const { core, fs, run } = this.options;
    const path = run.summaryPath;
    if (!path) {
      core.info("No GITHUB_STEP_SUMMARY: the summary is not written.");
      return false;
    }
    const existing = fs.existsSync(path) ? measureBytes(fs.readFileSync(path, "utf8")) : 0;
    const text = `${markdown}\n`;
    if (existing + measureBytes(text) > STEP_SUMMARY_LIMIT) {
      core.warning(`The step summary would exceed ${STEP_SUMMARY_LIMIT} bytes; this part was not written.`);
      return false;
    }
    await core.summary.emptyBuffer().addRaw(text).write();
    return true;
  }
}

/**
 * The comment as posted: renderers keep within their budget, so this cuts
 * only what would otherwise be refused (a report without a budget, such as
 * terraform's output after a failed apply), and says where the rest is.
 */
export function fitComment(content: string, markerLength: number, runUrl: string): string {
  const room = COMMENT_LIMIT - markerLength - COMMENT_MARGIN;
  return content.length > room ? `${content.slice(0, room)}\n\n… cut; the whole report is in the [run](${runUrl}).` : content;
}

/** The run, its GitHub client (when there is a token) and the publisher an action reports through. */
export interface GitHubSession {
  readonly run: RunContext;
  readonly client: GitHubClient | undefined;
  readonly publisher: GitHubPublisher;
}

export function connectGitHub(runtime: ActionRuntime, token: string): GitHubSession {
  const { core, context } = runtime.toolkit;
  const run = runContext(context, runtime.env);
  const client = token ? createGitHubClient({ toolkit: runtime.toolkit, token, baseUrl: run.apiUrl, timing: runtime.timing, log: (line) => core.info(line) }) : undefined;
  return { run, client, publisher: new GitHubPublisher({ core, run, client, fs: runtime.fs, timing: runtime.timing }) };
}
