import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { indexStackJson, sourceLocationFromStackTrace } from "../../review/src/construct-sources";

/**
 * Asserts that every resource in a synthesized `cdk.tf.json` (text) carries a
 * creation trace whose first repository frame is a line of a TypeScript file
 * under `root`/stacks that constructs something, and returns how many
 * resources were checked.
 */
export function expectTracesAtConstructingLines(stackJsonText: string, root: string): number {
  const index = indexStackJson(stackJsonText);
  const resources = index.blocks.filter((block) => !block.address.includes(".") || /^[a-z0-9_]+\.[^.]+$/.test(block.address)).filter((block) => block.constructPath);
  for (const block of resources) {
    const location = sourceLocationFromStackTrace(block.stackTrace, root);
    expect({ address: block.address, location }).toEqual({ address: block.address, location: expect.objectContaining({ file: expect.stringMatching(/^stacks\/.+\.ts$/) }) });
    const file = join(root, location!.file);
    expect(existsSync(file)).toBe(true);
    const line = readFileSync(file, "utf8").split("\n")[location!.line - 1]!;
    // The frame points at a `new X(` (or a helper call that creates it) on that line.
    expect({ address: block.address, line }).toEqual({ address: block.address, line: expect.stringMatching(/new [A-Z]|\w+\(/) });
    // Any line inside the block maps back to the same block.
    expect(index.blockAtLine(Math.floor((block.startLine + block.endLine) / 2))!.address).toBe(block.address);
  }
  return resources.length;
}
