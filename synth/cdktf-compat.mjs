// What the archived cdktf 0.21 needs from a current Node.js (CDKTF was archived on 2025-12-10; no
// release will fix it). Loaded before cdktf by every synth (synth/run-bundled.mjs) and by the tests
// (jest setupFiles), so both run it the same way.
import util from "node:util";

/**
 * cdktf's TerraformOutput.isITerraformAddressable (lib/terraform-output.js) calls `util.isArray`,
 * which Node deprecates at runtime (DEP0044: "Use Array.isArray() instead") and so prints a
 * DeprecationWarning on every synth that has an output. Node documents `util.isArray` as an alias
 * of `Array.isArray` wrapped in that deprecation, so pointing it at `Array.isArray` changes nothing
 * but the warning (and keeps cdktf working once a Node major removes the alias).
 */
export function quietCdktfOnCurrentNode() {
  if (util.isArray !== Array.isArray) util.isArray = Array.isArray;
}
