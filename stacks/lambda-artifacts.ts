/** A Lambda function's deployment package, built once per synth and shared by every stack. */
export interface LambdaArtifact {
  /** Absolute path of the zip file. */
  readonly zipPath: string;
  /** Base64 SHA-256 of the zip, as Lambda's `source_code_hash` expects. */
  readonly sha256Base64: string;
  /** The `handler` setting for the function (`index.handler`). */
  readonly handler: string;
}

/** Builds (or looks up) the package for the handler in `stacks/lambda/<name>/`. */
export interface LambdaArtifactSource {
  artifactFor(name: string): LambdaArtifact;
}
