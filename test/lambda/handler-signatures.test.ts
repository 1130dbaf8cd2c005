// The Node.js 24 Lambda runtime calls only async handlers, `(event, context) => Promise`: it no
// longer passes a callback (aws/aws-lambda-nodejs-runtime-interface-client#137; the AWS CDK's
// v2.259.0 release notes, moving NODEJS_LATEST to nodejs24.x: "Node.js 24 removes support for
// callback-style asynchronous handlers"). The entry of every function is checked on its types, as
// the compiler sees them, so a handler that takes a callback or returns no promise fails here
// rather than at its first invocation.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import ts from "typescript";
import { LAMBDA_RUNTIME } from "../../stacks/constructs/lambda-function";
import { repoRoot } from "../support/environments";

const handlersDir = join(repoRoot, "stacks", "lambda");
const entries = readdirSync(handlersDir)
  .filter((name) => existsSync(join(handlersDir, name, "index.ts")))
  .map((name) => join(handlersDir, name, "index.ts"))
  .sort();

interface HandlerShape {
  readonly name: string;
  /** One entry per call signature: how many parameters, and whether it returns a promise. */
  readonly signatures: readonly { readonly parameters: number; readonly returnsPromise: boolean }[];
}

/** The call signatures of each file's exported `handler`, as the type checker resolves them. */
function handlerShapes(files: readonly string[]): HandlerShape[] {
  const program = ts.createProgram([...files], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  return files.map((file) => {
    const source = program.getSourceFile(file)!;
    const handler = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).find((symbol) => symbol.name === "handler");
    if (!handler) return { name: basename(dirname(file)), signatures: [] };
    const signatures = checker.getTypeOfSymbolAtLocation(handler, source).getCallSignatures().map((signature) => ({
      parameters: signature.getParameters().length,
      returnsPromise: signature.getReturnType().getSymbol()?.getName() === "Promise",
    }));
    return { name: basename(dirname(file)), signatures };
  });
}

describe(`Lambda handlers on ${LAMBDA_RUNTIME}`, () => {
  it("finds every function's entry", () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  it("every stacks/lambda/<name>/index.ts exports an async `handler(event, context?)` and nothing callback-style", () => {
    for (const shape of handlerShapes(entries)) {
      expect({ handler: shape.name, signatures: shape.signatures.length }).toEqual({ handler: shape.name, signatures: 1 });
      const [signature] = shape.signatures;
      expect({ handler: shape.name, parameters: signature!.parameters <= 2, returnsPromise: signature!.returnsPromise }).toEqual({ handler: shape.name, parameters: true, returnsPromise: true });
    }
  });

  it("the check refuses a callback-style handler and one that returns no promise (it is not blind)", () => {
    const dir = mkdtempSync(join(tmpdir(), "handler-shapes-"));
    try {
      const callbackStyle = join(dir, "callback", "index.ts");
      const synchronous = join(dir, "synchronous", "index.ts");
      const asynchronous = join(dir, "asynchronous", "index.ts");
      for (const [file, text] of [
        [callbackStyle, "export const handler = (event: unknown, context: unknown, callback: (error: Error | null, result?: unknown) => void): void => callback(null, event);\n"],
        [synchronous, "export const handler = (event: unknown): unknown => event;\n"],
        [asynchronous, "export const handler = async (event: unknown, _context?: unknown): Promise<unknown> => event;\n"],
      ] as const) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
      }
      expect(handlerShapes([callbackStyle, synchronous, asynchronous])).toEqual([
        { name: "callback", signatures: [{ parameters: 3, returnsPromise: false }] },
        { name: "synchronous", signatures: [{ parameters: 1, returnsPromise: false }] },
        { name: "asynchronous", signatures: [{ parameters: 2, returnsPromise: true }] },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
