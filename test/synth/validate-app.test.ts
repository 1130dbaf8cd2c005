import { App, CloudBackend, NamedCloudWorkspace, TerraformStack } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { validateApp } from "../../synth/validate-app";

function appWith(options: { provider: boolean }): App {
  const app = new App({ outdir: "/tmp/validate-app-unused", skipValidation: true });
  const stack = new TerraformStack(app, "example");
  new CloudBackend(stack, { organization: "org", workspaces: new NamedCloudWorkspace("ws") });
  if (options.provider) new AwsProvider(stack, "aws", { region: "us-east-1" });
  new S3Bucket(stack, "bucket", { bucket: "example" });
  return app;
}

describe("validateApp", () => {
  it("reports cdktf's construct validations, such as a resource whose provider is missing", () => {
    expect(() => validateApp(appWith({ provider: false }))).toThrow(/\[example\] Found resources without a matching provider construct.*aws/);
  });

  it("does not ask for a terraform binary: the cloud backend's version check is left to plan and apply", () => {
    const originalPath = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect(() => validateApp(appWith({ provider: true }))).not.toThrow();
    } finally {
      process.env.PATH = originalPath;
    }
  });
});
