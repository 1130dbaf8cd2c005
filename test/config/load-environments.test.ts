import { EnvironmentError, loadEnvironments } from "../../stacks/config/load-environments";
import { environmentData, memorySource, repoEnvironmentSource } from "../support/environments";

const errorOf = (fn: () => unknown): EnvironmentError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof EnvironmentError) return error;
    throw error;
  }
  throw new Error("expected an EnvironmentError");
};

describe("environment files", () => {
  it("the repository's dev, staging and prod files are valid", () => {
    const environments = loadEnvironments(repoEnvironmentSource);
    expect(environments.map((environment) => environment.name)).toEqual(["dev", "prod", "staging"]);
  });

  it("every environment deploys to us-east-1 over 3 AZs with a 10.0.0.0/16 VPC and the 1000/2000 API throttle", () => {
    for (const { config } of loadEnvironments(repoEnvironmentSource)) {
      expect(config.region).toBe("us-east-1");
      expect(config.network).toMatchObject({ vpcCidr: "10.0.0.0/16", availabilityZoneCount: 3, natGatewayCount: 1 });
      expect(config.api).toMatchObject({ throttleRateLimit: 1000, throttleBurstLimit: 2000 });
      expect(config.logs.retentionDays).toBe(30);
    }
  });

  it("exactly one environment owns the account-level singletons", () => {
    const owners = loadEnvironments(repoEnvironmentSource).filter(({ config }) => config.ownsAccountSingletons);
    expect(owners).toHaveLength(1);
  });

  it("loads only the requested environments", () => {
    expect(loadEnvironments(repoEnvironmentSource, ["dev"]).map((environment) => environment.name)).toEqual(["dev"]);
  });

  it("names an unknown environment and lists the known ones", () => {
    const error = errorOf(() => loadEnvironments(repoEnvironmentSource, ["qa"]));
    expect(error.problems).toEqual(['environments/qa.json: unknown environment "qa"; expected one of: dev, prod, staging']);
  });

  it("reports each bad field with the file, the value found and what was expected, all at once", () => {
    const dev = environmentData("dev");
    dev.network.natGatewayCount = 0;
    dev.network.availabilityZoneCount = 2;
    dev.region = "mars-1";
    delete dev.alerts.email;
    const error = errorOf(() => loadEnvironments(memorySource({ dev })));
    expect(error.problems).toEqual(
      expect.arrayContaining([
        "environments/dev.json: network.natGatewayCount: found 0, expected Too small: expected number to be >=1",
        expect.stringMatching(/^environments\/dev\.json: network\.availabilityZoneCount: found 2, expected exactly 3 availability zones/),
        'environments/dev.json: region: found "mars-1", expected an AWS region such as us-east-1',
        "environments/dev.json: alerts.email: found nothing (the field is missing), expected a value of type string",
      ]),
    );
    expect(error.problems).toHaveLength(4);
    expect(error.message).toContain("Invalid environment configuration:");
  });

  it("rejects misspelled fields instead of ignoring them", () => {
    const dev = environmentData("dev");
    dev.network.natGateways = 1;
    const error = errorOf(() => loadEnvironments(memorySource({ dev })));
    expect(error.problems).toEqual([
      "environments/dev.json: network.natGateways: unknown field; expected only the fields the schema defines (check the spelling)",
    ]);
  });

  it("reports malformed JSON with the parser's position", () => {
    const error = errorOf(() => loadEnvironments(memorySource({ dev: '{"environmentSuffix": "dev",' })));
    expect(error.problems[0]).toMatch(/^environments\/dev\.json: not valid JSON \(/);
  });

  it("checks the database settings against each other", () => {
    const staging = environmentData("staging");
    staging.database.minCapacity = 0;
    staging.database.maxCapacity = 0.5;
    const problems = errorOf(() => loadEnvironments(memorySource({ staging }))).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        "environments/staging.json: database.maxCapacity: found 0.5, expected at least 1 ACU",
        "environments/staging.json: database.minCapacity: found 0, expected above 0 unless database.scaleToZero is true",
      ]),
    );
  });

  it("refuses two environments that share a suffix, a workspace, or the account singletons", () => {
    const dev = environmentData("dev");
    const copy = environmentData("dev");
    dev.ownsAccountSingletons = true;
    copy.ownsAccountSingletons = true;
    const problems = errorOf(() => loadEnvironments(memorySource({ dev, "dev-copy": copy }))).problems;
    expect(problems).toEqual([
      'environments/dev-copy.json: environmentSuffix: found "dev", expected a value not already used by environments/dev.json',
      'environments/dev-copy.json: terraformCloud.workspace: found "trading-platform-dev", expected a workspace not already used by environments/dev.json',
      "environments/dev.json, environments/dev-copy.json: ownsAccountSingletons: found true in 2 files for account (default account) in us-east-1, expected at most one (AWS allows one Config recorder per account and region)",
    ]);
  });
});
