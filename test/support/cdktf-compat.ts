// jest setupFiles: the tests build and synthesize stacks in-process, so they load and run cdktf the
// way a synth does (synth/run-bundled.mjs, synth/synthesize.ts): Node's deprecated alias quieted and,
// while the patches apply (a verified cdktf, SYNTH_PATCHES not off), token creation traces not taken.
// Those traces are only read in the message of a token that fails to resolve, and formatting each
// one through jest's source maps cost about 4 s of CPU per run; tests of the traces (and a synth
// redone to report a failing token) turn them on with withTokenCreationTraces.
import { cdktfPatches, skipTokenCreationTraces } from "../../synth/cdktf-patches.mjs";
import { quietCdktfOnCurrentNode } from "../../synth/cdktf-compat.mjs";

quietCdktfOnCurrentNode();
// eslint-disable-next-line @typescript-eslint/no-require-imports
if (cdktfPatches(() => require("cdktf/package.json") as { version: string }).enabled) skipTokenCreationTraces();
