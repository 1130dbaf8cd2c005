import { join, relative } from "node:path";
import { App } from "cdktf";
import type { Environment } from "./config/load-environments";
import type { LambdaArtifactSource } from "./lambda-artifacts";
import { type BackendKind, TradingPlatformStack } from "./trading-platform-stack";

export interface BuildAppOptions {
  readonly environments: readonly Environment[];
  readonly outdir: string;
  readonly backend: BackendKind;
  readonly lambdaArtifacts: LambdaArtifactSource;
  /**
   * With the `local` backend: the folder that keeps each stack's state, outside
   * the output folder so a synth (which replaces that folder) never loses it.
   */
  readonly localStateDir?: string;
}

/** The stack id (and `cdktf.out/stacks/<id>` folder) of an environment. */
export const stackIdFor = (environmentName: string): string => `trading-platform-${environmentName}`;

/** Builds the app with one stack per environment; the caller decides when to synth. */
export function buildApp(options: BuildAppOptions): App {
  // Validation runs in synthesize() instead (see synth/validate-app.ts),
  // because cdktf 0.21 ignores its own `skipBackendValidation`.
  const app = new App({ outdir: options.outdir, skipValidation: true });
  for (const environment of options.environments) {
    const id = stackIdFor(environment.name);
    new TradingPlatformStack(app, id, {
      environment: environment.config,
      deploymentAccount: environment.account,
      backend: options.backend,
      // Relative to the stack's folder; synthesize() builds in a sibling of the final
      // output folder at the same depth, so the path holds once it is moved into place.
      localStatePath: options.localStateDir ? relative(join(options.outdir, "stacks", id), join(options.localStateDir, `${id}.tfstate`)) : undefined,
      lambdaArtifacts: options.lambdaArtifacts,
    });
  }
  return app;
}
