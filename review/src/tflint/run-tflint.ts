// Running `tflint --format json` on a synthesized stack.
import { type Env, toolEnvironment } from "../dependencies";
import type { Exec } from "../exec";
import { parseTflintReport, type TflintReport } from "./report";

export const DEFAULT_CONFIG = ".tflint.hcl";

export class TflintToolFailure extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = "TflintToolFailure";
  }
}

/**
 * Runs tflint in `directory` (absolute). Exit 0 = clean, 2 = issues found,
 * 1 = tflint failed; with 1 the JSON (if any) still carries `errors[]`.
 */
export async function runTflint(options: {
  readonly exec: Exec;
  readonly env: Env;
  readonly binary: string;
  readonly directory: string;
  /** Absolute config path, or undefined to use tflint's defaults. */
  readonly config?: string;
}): Promise<{ report: TflintReport; toolFailed: boolean }> {
  const configArgs = options.config ? ["--config", options.config] : [];
  const init = await options.exec(options.binary, ["--init", ...configArgs], { cwd: options.directory, env: toolEnvironment(options.env) });
  if (init.exitCode === 127) throw new TflintToolFailure(`${options.binary} was not found. Install it (terraform-linters/setup-tflint) or pass tflint-json.`, init.stderr);
  if (init.exitCode !== 0) throw new TflintToolFailure(`tflint --init failed (exit code ${init.exitCode}).`, `${init.stderr}\n${init.stdout}`.trim());
  const result = await options.exec(options.binary, ["--format", "json", ...configArgs], { cwd: options.directory, env: toolEnvironment(options.env) });
  if (result.exitCode !== 0 && result.exitCode !== 1 && result.exitCode !== 2) {
    throw new TflintToolFailure(`tflint failed (exit code ${result.exitCode}).`, `${result.stderr}\n${result.stdout}`.trim());
  }
  let report: TflintReport;
  try {
    report = parseTflintReport(result.stdout, "tflint output");
  } catch (error) {
    if (result.exitCode === 1) throw new TflintToolFailure("tflint failed (exit code 1).", `${result.stderr}\n${result.stdout}`.trim());
    throw error;
  }
  return { report, toolFailed: result.exitCode === 1 };
}
