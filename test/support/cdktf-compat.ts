// jest setupFiles: the tests synthesize in-process, so they load cdktf the way synth/run-bundled.mjs does.
import { quietCdktfOnCurrentNode } from "../../synth/cdktf-compat.mjs";

quietCdktfOnCurrentNode();
