/**
 * A problem in what people write (environment files, Lambda manifests, API
 * routes), as opposed to a bug: the synth entry prints its message alone,
 * listing every problem, without a stack trace.
 */
export class ConfigurationError extends Error {
  constructor(
    title: string,
    readonly problems: readonly string[],
  ) {
    super(`${title}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = new.target.name;
  }
}
