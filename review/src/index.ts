// The public entry of the review library: what the actions under
// .github/actions/ and the scripts may use. Parsing (plan-model, report),
// rendering (markdown) and notifying (notify/) stay behind it.
export { type Env, type ReviewDependencies, type ReviewFs, toolEnvironment } from "./dependencies";
export { type Exec, type ExecOptions, type ExecResult, createExec, spawnExec } from "./exec";
export { InputError } from "./input-error";
export { parseMaskInput } from "./mask";
export { ANSI, PLAIN, type TextStyle, styleFor } from "./text";

export type { Annotation, AnnotationLevel, MarkdownRendering, PublishOptions, PublishOutcome, Publisher, PublisherLinks, Report, ReviewKind } from "./notify/publisher";
export { TerminalPublisher } from "./notify/terminal";
export { GitHubPublisher, type GitHubPublisherOptions, type GitHubSession, connectGitHub } from "./notify/github/publisher";
export { type GitHubClient, type GitHubClientOptions, PRODUCTION_TIMING, type RequestTiming, createGitHubClient } from "./notify/github/client";
export { GITHUB_ACTIONS_BOT } from "./notify/github/comments";
export {
  type ActionResult,
  type ActionRuntime,
  type ActionsCore,
  type ActionsToolkit,
  type InputSpec,
  type InputSpecs,
  type RunContext,
  inputVariable,
  readInputs,
  runAction,
} from "./notify/github/runtime";

export { LABEL_DESTROY, LABEL_NO_CHANGES, type PlanReviewRequest, type PlanReviewResult, reviewPlan } from "./terraform/review";
export { type CostReviewRequest, type CostReviewResult, reviewCost } from "./infracost/review";
export { FAIL_ON, type LintReviewRequest, type LintReviewResult, reviewLint, stackDirectoryOf } from "./tflint/review";
export { type SynthReviewRequest, type SynthReviewResult, parseEnvironments, reviewSynth } from "./synth-diff/review";
export { type ApplyRequest, DEFAULT_PLAN_FILE, type ReviewedPlanSource, applyReviewedPlan } from "./apply/gate";
