// jest setupFiles: the tests synthesize in-process, so they load cdktf the way scripts/run-bundled.mjs does.
import { quietCdktfOnCurrentNode } from "../../scripts/cdktf-compat.mjs";

quietCdktfOnCurrentNode();
