// The synth room's interface to the synth entries (stacks/main.ts,
// stacks/bootstrap/main.ts): how an app is synthesized and validated, and how
// the Lambda packages are built. Nothing else in stacks/ imports from synth/
// (eslint.config.mjs enforces it). The entries are bundled and run by
// synth/run-bundled.mjs (scripts/synth.mjs).
export { EsbuildLambdaBundler } from "./lambda-bundler";
export { copyProviderLock, ProviderLockError } from "./provider-lock.mjs";
export { type SynthesizedStack, synthesize } from "./synthesize";
export { validateApp } from "./validate-app";
