import { type App, FOR_EXPRESSION_KEY, type IResolveContext, TerraformStack } from "cdktf";

// `app.synth()` first runs `prepareStack` on every stack: a full resolve of
// every element whose only purpose (cdktf 0.21: the one reader of
// `context.preparing` is Reference.resolve) is to find references used in a
// stack other than the one that created them and wire them through an output
// and a `terraform_remote_state`. Then it resolves everything again to write
// the JSON. Our environment stacks never reference each other, so that first
// pass was a sixth of a synth spent finding nothing.
//
// synthApp skips it optimistically and watches the real pass instead: the
// first reference resolved in a stack other than its origin aborts the
// attempt, and a freshly built app is synthesized exactly as cdktf does. The
// output is therefore always what `app.synth()` writes (a test compares them
// byte for byte, with and without a cross-stack reference).

interface Reference {
  readonly originStack?: TerraformStack;
  readonly crossStackIdentifier: Record<string, string>;
}
type ResolveReference = (this: Reference, context: IResolveContext) => unknown;

class CrossStackReferenceFound extends Error {}

/** Reference.prototype (not exported by cdktf), when it still has the shape this module relies on. */
function referencePrototype(): { resolve: ResolveReference } | undefined {
  const sample = FOR_EXPRESSION_KEY as unknown as Partial<Reference>;
  const prototype = Object.getPrototypeOf(sample) as { resolve?: unknown } | null;
  const shaped = prototype !== null && Object.prototype.hasOwnProperty.call(prototype, "resolve") && typeof prototype.resolve === "function";
  return shaped && "originStack" in sample && typeof sample.crossStackIdentifier === "object" ? (prototype as { resolve: ResolveReference }) : undefined;
}

/** Runs `synth` with every stack's preparing resolve skipped; throws CrossStackReferenceFound when one was needed. */
function synthWithoutPreparingResolve(app: App, stacks: readonly TerraformStack[], prototype: { resolve: ResolveReference }): void {
  const originalResolve = prototype.resolve;
  prototype.resolve = function (this: Reference, context: IResolveContext) {
    if (!context.preparing && this.originStack) {
      const stack = TerraformStack.of(context.scope);
      if (stack !== this.originStack && !this.crossStackIdentifier[stack.toString()]) throw new CrossStackReferenceFound();
    }
    return originalResolve.call(this, context);
  };
  // The backend check is the rest of prepareStack (a stack without one gets a local backend).
  for (const stack of stacks) Object.defineProperty(stack, "prepareStack", { value: () => void stack.ensureBackendExists(), configurable: true, writable: true });
  try {
    app.synth();
  } finally {
    prototype.resolve = originalResolve;
    for (const stack of stacks) delete (stack as { prepareStack?: unknown }).prepareStack;
  }
}

/**
 * Builds the app with `build` and synthesizes it, writing exactly what
 * `app.synth()` writes, without cdktf's preparing resolve unless a reference
 * crosses stacks (then `build` runs a second time and cdktf synthesizes that
 * app unchanged). Returns the app that was synthesized.
 */
export function synthApp(build: () => App): App {
  const app = build();
  const stacks = app.node.findAll().filter(TerraformStack.isStack);
  const prototype = referencePrototype();
  // A stack class with its own prepareStack may do more than cdktf's: keep it.
  const plainPreparation = stacks.every((stack) => stack.prepareStack === TerraformStack.prototype.prepareStack);
  if (!prototype || !plainPreparation) {
    app.synth();
    return app;
  }
  try {
    synthWithoutPreparingResolve(app, stacks, prototype);
    return app;
  } catch (error) {
    if (!(error instanceof CrossStackReferenceFound)) throw error;
  }
  // The aborted attempt wrote a subset of the files this one writes (same stacks, same assets), each overwritten here.
  const fresh = build();
  fresh.synth();
  return fresh;
}
