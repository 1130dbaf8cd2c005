export class PreviewUsageError extends Error {
  override name = "PreviewUsageError";
}

const USAGE = "usage: npm run preview -- <environment> [--base <ref>]";

/** `dev --base main` → { environment: "dev", baseRef: "main" }. */
export function parsePreviewArguments(args: readonly string[]): { environment: string; baseRef?: string } {
  let environment: string | undefined;
  let baseRef: string | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (arg === "--base") {
      baseRef = args[index + 1];
      if (!baseRef || baseRef.startsWith("--")) throw new PreviewUsageError(`--base needs a git ref (a branch, tag or commit).\n${USAGE}`);
      index += 1;
    } else if (arg.startsWith("--base=")) {
      baseRef = arg.slice("--base=".length);
    } else if (arg.startsWith("-")) {
      throw new PreviewUsageError(`Unknown option ${arg}.\n${USAGE}`);
    } else if (environment === undefined) {
      environment = arg;
    } else {
      throw new PreviewUsageError(`One environment at a time (found "${environment}" and "${arg}").\n${USAGE}`);
    }
  }
  if (!environment) throw new PreviewUsageError(`Which environment? ${USAGE}`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(environment)) throw new PreviewUsageError(`Environment "${environment}": expected a name like dev, staging or prod.\n${USAGE}`);
  return { environment, baseRef };
}
