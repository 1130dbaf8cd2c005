import { join } from "node:path";
import { EsbuildLambdaBundler } from "../../synth/lambda-bundler";
import { repoRoot } from "./environments";
import { TEST_LAMBDA_BUNDLE_DIR } from "./global-synth";

/** The repository's Lambda packages, cached in one folder for every test file (TEST_LAMBDA_BUNDLE_DIR), warm from the shared synth. */
export const testLambdaBundler = (): EsbuildLambdaBundler =>
  new EsbuildLambdaBundler({ root: repoRoot, handlersDir: join(repoRoot, "stacks", "lambda"), outDir: TEST_LAMBDA_BUNDLE_DIR });
