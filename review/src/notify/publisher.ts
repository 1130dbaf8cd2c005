// Where a review goes. The pipelines (terraform/, infracost/, tflint/,
// synth-diff/, apply/) parse a tool's output into a model and hand a Report
// (the model with its renderers) to a Publisher: the GitHub one posts the
// sticky comment, writes the step summary, labels, annotations and outputs;
// the terminal one prints readable text for `npm run preview`.
import type { TextStyle } from "../text";
import type { CommentMarker } from "../marker";

export type ReviewKind = "plan" | "cost" | "lint" | "synth" | "apply";

export interface MarkdownRendering {
  /** For the sticky comment: within the comment budget, the hidden marker aside. */
  readonly comment: string;
  /** For the step summary: everything that fits in GitHub's 1 MiB. */
  readonly summary: string;
}

/** One review of one kind for one environment, rendered on demand for where it goes. */
export interface Report {
  readonly kind: ReviewKind;
  readonly environment: string;
  /** What the report is called in a notice ("the plan is in the step summary"); default the kind. */
  readonly noun?: string;
  /** Fields the hidden marker carries besides kind, environment and run (a plan's digest and changes). */
  readonly marker?: Pick<CommentMarker, "planDigest" | "changes">;
  markdown(): MarkdownRendering;
  /** Readable text for a terminal: everything, nothing cut. */
  text(style: TextStyle): string;
}

export type AnnotationLevel = "error" | "warning" | "notice";

/** A message for the run's log and annotations, on a file and line when it has one. */
export interface Annotation {
  readonly level: AnnotationLevel;
  readonly message: string;
  readonly title?: string;
  /** Repository-relative path. */
  readonly file?: string;
  readonly line?: number;
  /** The report says this too (a finding): a terminal, which shows the report, leaves it out. */
  readonly shownInReport?: boolean;
}

export type PublishOutcome =
  | { readonly status: "created" | "updated"; readonly commentId: number; readonly url?: string }
  | { readonly status: "skipped"; readonly commentId: number; readonly reason: string }
  /** No comment (no pull request, no token, locked, read-only token): the step summary has it. */
  | { readonly status: "summary-only"; readonly reason: string }
  /** Written to a terminal. */
  | { readonly status: "printed" };

export interface PublishOptions {
  /** The pull request to comment on instead of the event's (the deploy gate's merged pull request). */
  readonly issueNumber?: number;
  /** Whose earlier comment is ours to update; default the token's own login. */
  readonly author?: string;
}

/** Links the renderers put in what they write; absent where there is no workflow run. */
export interface PublisherLinks {
  /** This workflow run, named wherever something is cut. */
  readonly run?: string;
  /** `<server>/<owner>/<repo>/blob/<sha>`: source lines at the reviewed commit. */
  readonly blob?: string;
}

export interface Publisher {
  readonly links: PublisherLinks;
  /** Strings never to show; a runner masks them in its log from now on. */
  mask(secrets: Iterable<string>): void;
  /** The report as the sticky comment, and in the step summary. */
  publish(report: Report, options?: PublishOptions): Promise<PublishOutcome>;
  /** The report in the step summary only. */
  summarize(report: Report): Promise<void>;
  /** Labels on the pull request, writing only what differs. */
  labels(change: { readonly add: readonly string[]; readonly remove: readonly string[] }): Promise<void>;
  output(name: string, value: string): void;
  annotate(annotation: Annotation): void;
  log(line: string): void;
}
