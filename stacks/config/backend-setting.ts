import { EnvironmentError } from "./load-environments";

/** Where the stacks keep their state: `TF_BACKEND` of the synth entries (`cloud` by default, or `local`). */
export function parseBackend(value: string | undefined): "cloud" | "local" {
  if (value === undefined || value === "" || value === "cloud") return "cloud";
  if (value === "local") return "local";
  throw new EnvironmentError([`TF_BACKEND: found "${value}", expected "cloud" (the default) or "local"`]);
}
