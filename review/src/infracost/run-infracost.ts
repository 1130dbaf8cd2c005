// Running `infracost breakdown` on a plan JSON.
import { type Env, type ReviewFs, toolEnvironment } from "../dependencies";
import type { Exec } from "../exec";
import { InputError } from "../input-error";
import { createMasker } from "../mask";

export const DEFAULT_USAGE_FILE = "infracost-usage.yml";

export interface InfracostRun {
  /** The report text, or undefined when infracost was skipped (reason given). */
  readonly json?: string;
  readonly skipped?: string;
  readonly usageFile?: string;
}

/** The tool ran and failed: the output is shown in the comment. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = "ToolError";
  }
}

/**
 * Runs `infracost breakdown` on a plan JSON. Without INFRACOST_API_KEY (a
 * fork's pull request gets no secrets) the estimate is skipped, not failed.
 */
export async function runInfracost(options: {
  readonly exec: Exec;
  readonly fs: Pick<ReviewFs, "existsSync">;
  readonly env: Env;
  readonly binary: string;
  readonly planJson: string;
  /** Absolute path of the usage file. */
  readonly usageFile: string;
  /** Whether the usage file was asked for explicitly (then it must exist). */
  readonly usageFileRequired: boolean;
  readonly cwd: string;
  /** Whether infracost has an API key; by default, whether INFRACOST_API_KEY is set (a workstation may keep it in infracost's own credentials file). */
  readonly apiKeyAvailable?: boolean;
}): Promise<InfracostRun> {
  if (!(options.apiKeyAvailable ?? Boolean(options.env.INFRACOST_API_KEY))) {
    return { skipped: "INFRACOST_API_KEY is not set (a fork's pull request gets no secrets), so there is no cost estimate" };
  }
  if (!options.fs.existsSync(options.planJson)) throw new InputError(`plan-json: ${options.planJson} does not exist.`);
  const args = ["breakdown", "--path", options.planJson, "--format", "json", "--no-color"];
  let usageFile: string | undefined;
  if (options.fs.existsSync(options.usageFile)) {
    usageFile = options.usageFile;
    args.push("--usage-file", usageFile);
  } else if (options.usageFileRequired) {
    throw new InputError(`usage-file: ${options.usageFile} does not exist.`);
  }
  const result = await options.exec(options.binary, args, { cwd: options.cwd, env: toolEnvironment(options.env) });
  const mask = createMasker([options.env.INFRACOST_API_KEY ?? ""]);
  if (result.exitCode === 127) {
    throw new ToolError(`${options.binary} was not found. Install it (infracost/actions/setup) or pass infracost-json.`, mask(result.stderr));
  }
  if (result.exitCode !== 0) {
    throw new ToolError(`infracost breakdown failed (exit code ${result.exitCode}).`, mask(`${result.stderr}\n${result.stdout}`.trim()));
  }
  return { json: result.stdout, usageFile };
}
