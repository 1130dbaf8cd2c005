import type { FunctionManifest } from "./function-manifest";
import { manifest as alertForwarder } from "./alert-forwarder/manifest";
import { manifest as ingest } from "./ingest/manifest";
import { manifest as migrate } from "./migrate/manifest";
import { manifest as processTrades } from "./process/manifest";
import { manifest as query } from "./query/manifest";
import { manifest as sessions } from "./sessions/manifest";

/** Every Lambda function the platform deploys; the stack creates one function per entry. */
export const functionManifests: readonly FunctionManifest[] = [ingest, processTrades, query, sessions, alertForwarder, migrate];
