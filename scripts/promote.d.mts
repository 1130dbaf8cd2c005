import type { EnvironmentSummary } from "./environments.mjs";

export interface GitResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs git with the given arguments (no shell). */
export type GitRunner = (args: readonly string[]) => GitResult;

export declare const EXIT_CODES: Readonly<{ ok: 0; failed: 1; invalid: 2; conflict: 3 }>;

export declare class PromotionError extends Error {
  constructor(message: string, exitCode?: number, conflicts?: readonly string[]);
  readonly exitCode: number;
  /** The conflicting files, for a merge conflict (exit code 3). */
  readonly conflicts: readonly string[];
}

export interface PromoteOptions {
  readonly from: string;
  readonly to: string;
  readonly remote: string;
  readonly fresh: boolean;
}

export type PromotionStatus = "nothing-to-promote" | "unchanged" | "created" | "updated";

export interface PromotionResult {
  readonly status: PromotionStatus;
  readonly branch: string;
  readonly source: string;
  readonly target: string;
  /** The promotion branch on the remote before this run, if it existed. */
  readonly previous: string | undefined;
  /** The promotion branch's commit after this run (undefined when there is nothing to promote). */
  readonly promotion: string | undefined;
}

export function promotionBranchName(from: string, to: string): string;
export function parsePromoteArguments(argv: readonly string[]): PromoteOptions;
export function checkPromotionRequest(environments: readonly EnvironmentSummary[], from: string, to: string): string;
export function createGitRunner(cwd: string, env?: NodeJS.ProcessEnv): GitRunner;
export function promote(options: {
  readonly git: GitRunner;
  readonly environments: readonly EnvironmentSummary[];
  readonly from: string;
  readonly to: string;
  readonly remote?: string;
  readonly fresh?: boolean;
  readonly log?: (line: string) => void;
}): PromotionResult;
export function runPromote(
  argv: readonly string[],
  sinks: {
    readonly git: GitRunner;
    readonly environments: () => readonly EnvironmentSummary[];
    readonly stdout: (line: string) => void;
    readonly stderr: (line: string) => void;
    readonly writeOutput?: (key: string, value: string) => void;
    readonly writeSummary?: (markdown: string) => void;
  },
): number;
