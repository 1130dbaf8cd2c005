// The Publisher of the actions: the step summary always, then the sticky
// comment on the pull request; labels, annotations and outputs through the
// runner. No pull request, no token, a locked pull request or a read-only
// token are normal: the report is in the step summary and a notice says why
// there is no comment.
import { COMMENT_LIMIT } from "../../markdown";
import type { Annotation, Publisher, PublisherLinks, PublishOptions, PublishOutcome, Report } from "../publisher";
import type { GitHubClient } from "./client";
import { commentUnavailableReason, renderMarker, resolveTokenLogin, syncLabels, upsertComment, type CommentMarker } from "./comments";
import { appendSummary, setOutput, workflowCommand, type LogSink, type RunnerContext, type RunnerFs } from "./runner";

export interface GitHubPublisherOptions {
  readonly context: RunnerContext;
  /** Undefined without a token: the step summary only. */
  readonly client: GitHubClient | undefined;
  readonly fs: RunnerFs;
  readonly log: LogSink;
  readonly sleep?: (milliseconds: number) => Promise<void>;
  readonly retryUnitMs?: number;
}

/** Room kept between a comment and GitHub's limit beyond the marker line. */
const COMMENT_MARGIN = 200;

export class GitHubPublisher implements Publisher {
  readonly links: PublisherLinks;

  constructor(private readonly options: GitHubPublisherOptions) {
    const { context } = options;
    this.links = { run: context.runUrl, blob: context.sha ? `${context.serverUrl}/${context.owner}/${context.repo}/blob/${context.sha}` : undefined };
  }

  mask(secrets: Iterable<string>): void {
    for (const secret of secrets) this.options.log(workflowCommand("add-mask", secret));
  }

  summarize(report: Report): void {
    appendSummary(this.options.context, this.options.fs, report.markdown().summary, this.options.log);
  }

  async publish(report: Report, publishOptions: PublishOptions = {}): Promise<PublishOutcome> {
    const { context, client, log } = this.options;
    const rendering = report.markdown();
    appendSummary(context, this.options.fs, rendering.summary, log);
    const explicit = publishOptions.issueNumber !== undefined;
    const summaryOnly = (reason: string): PublishOutcome => {
      const where = explicit ? `on #${publishOptions.issueNumber}` : `for ${report.environment}`;
      const noun = report.noun ?? report.kind;
      log(workflowCommand("notice", `No ${report.kind} comment ${where}: ${reason}. The ${noun} is in the step summary.`));
      return { status: "summary-only", reason };
    };
    const issueNumber = publishOptions.issueNumber ?? context.pullRequestNumber;
    if (issueNumber === undefined) return summaryOnly(`this ${context.eventName || "unknown"} event has no pull request`);
    if (!client) return summaryOnly("no github-token was given");
    const marker: CommentMarker = {
      kind: report.kind,
      environment: report.environment,
      runId: context.runId,
      runAttempt: context.runAttempt,
      sha: context.sha,
      ...report.marker,
    };
    try {
      const author = publishOptions.author ?? (await resolveTokenLogin(client));
      return await upsertComment({
        client,
        owner: context.owner,
        repo: context.repo,
        issueNumber,
        author,
        marker,
        content: fitComment(rendering.comment, renderMarker(marker).length, context.runUrl),
        sleep: this.options.sleep,
        log,
        retryUnitMs: this.options.retryUnitMs,
      });
    } catch (error) {
      const reason = commentUnavailableReason(error);
      if (reason) return summaryOnly(reason);
      throw error;
    }
  }

  async labels(change: { readonly add: readonly string[]; readonly remove: readonly string[] }): Promise<void> {
    const { context, client, log } = this.options;
    if (!client || context.pullRequestNumber === undefined) return;
    await syncLabels({ client, ref: { owner: context.owner, repo: context.repo, issueNumber: context.pullRequestNumber }, add: change.add, remove: change.remove, log });
  }

  output(name: string, value: string): void {
    setOutput(this.options.context, this.options.fs, name, value, this.options.log);
  }

  annotate(annotation: Annotation): void {
    this.options.log(workflowCommand(annotation.level, annotation.message, { file: annotation.file, line: annotation.line, title: annotation.title }));
  }

  log(line: string): void {
    this.options.log(line);
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
