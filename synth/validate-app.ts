import { type App, TerraformBackend } from "cdktf";

/**
 * cdktf's validations of every construct, except the backend's check that a
 * `terraform` binary ≥ 1.1 is installed: that binary plans and applies (the
 * workflows pin 1.11.4), and synth needs none, so a fresh clone can run
 * `npm run synth` without it. Runs before the output is swapped into place.
 */
export function validateApp(app: App): void {
  const problems = app.node
    .findAll()
    .filter((construct) => !(construct instanceof TerraformBackend))
    .flatMap((construct) => construct.node.validate().map((message) => `[${construct.node.path}] ${message}`));
  if (problems.length > 0) throw new Error(`Validation failed:\n  ${problems.join("\n  ")}`);
}
