import { App } from "cdktf";
import type { Environment } from "./config/load-environments";
import type { LambdaArtifactSource } from "./lambda-artifacts";
import { type BackendKind, TradingPlatformStack } from "./trading-platform-stack";

export interface BuildAppOptions {
  readonly environments: readonly Environment[];
  readonly outdir: string;
  readonly backend: BackendKind;
  readonly lambdaArtifacts: LambdaArtifactSource;
}

/** The stack id (and `cdktf.out/stacks/<id>` folder) of an environment. */
export const stackIdFor = (environmentName: string): string => `trading-platform-${environmentName}`;

/** Builds the app with one stack per environment; the caller decides when to synth. */
export function buildApp(options: BuildAppOptions): App {
  // Validation runs in synthesize() instead (see validateApp), because
  // cdktf 0.21 ignores its own `skipBackendValidation`.
  const app = new App({ outdir: options.outdir, skipValidation: true });
  for (const environment of options.environments) {
    new TradingPlatformStack(app, stackIdFor(environment.name), {
      environment: environment.config,
      deploymentAccount: environment.account,
      backend: options.backend,
      lambdaArtifacts: options.lambdaArtifacts,
    });
  }
  return app;
}
