import { EnvironmentError, loadEnvironments as loadWithAccounts } from "../../stacks/config/load-environments";
import type { EnvironmentSource } from "../../stacks/config/load-environments";
import { environmentData, memorySource, repoAccounts, repoEnvironmentSource } from "../support/environments";

/** A copy of the first real environment file, to break in tests. */
const sampleEnvironment = () => environmentData(repoEnvironmentSource.list().sort()[0]);

/** Loads against the repository's real accounts file. */
const loadEnvironments = (source: EnvironmentSource, names: readonly string[] = []) => loadWithAccounts(source, repoAccounts(), names);

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
  it("every environment file of the repository is valid", () => {
    const environments = loadEnvironments(repoEnvironmentSource);
    expect(environments.map((environment) => environment.name)).toEqual(repoEnvironmentSource.list().sort());
  });

  it("every environment keeps the specification's floors: 3 AZs, logs kept at least 30 days, a per-key throttle", () => {
    // Values an environment may tune (region, capacity, backups, CIDR, throttle) are read from the files by the
    // construct tests; what no environment may go below is checked here.
    for (const { config } of loadEnvironments(repoEnvironmentSource)) {
      expect(config.network.availabilityZoneCount).toBe(3);
      expect(config.logs.retentionDays).toBeGreaterThanOrEqual(30);
      expect(config.api.throttleRateLimit).toBeGreaterThan(0);
    }
  });

  it("the data-protecting environments keep a week of backups at least, and the others stay destroyable", () => {
    const environments = loadEnvironments(repoEnvironmentSource);
    expect(environments.some((environment) => environment.config.protectData)).toBe(true);
    expect(environments.some((environment) => !environment.config.protectData)).toBe(true);
    for (const { config } of environments.filter((environment) => environment.config.protectData)) expect(config.database.backupRetentionDays).toBeGreaterThanOrEqual(7);
  });

  it("resolves every environment's account from accounts.json", () => {
    const accounts = repoAccounts();
    for (const environment of loadEnvironments(repoEnvironmentSource)) {
      expect(environment.account).toEqual(accounts.byName.get(environment.config.account));
    }
  });

  it("loads only the requested environments", () => {
    const [first] = repoEnvironmentSource.list().sort();
    expect(loadEnvironments(repoEnvironmentSource, [first]).map((environment) => environment.name)).toEqual([first]);
  });

  it("names an unknown environment and lists the known ones", () => {
    const error = errorOf(() => loadEnvironments(repoEnvironmentSource, ["no-such-environment"]));
    expect(error.problems).toEqual([`environments/no-such-environment.json: unknown environment "no-such-environment"; expected one of: ${repoEnvironmentSource.list().sort().join(", ")}`]);
  });

  it("refuses an account that accounts.json does not name, listing the ones it does", () => {
    const sample = sampleEnvironment();
    sample.account = "no-such-account";
    const error = errorOf(() => loadEnvironments(memorySource({ sample })));
    expect(error.problems).toEqual([`environments/sample.json: account: found "no-such-account", expected an account named in stacks/bootstrap/accounts.json: ${[...repoAccounts().byName.keys()].join(", ")}`]);
  });

  it("requires the account and no longer knows accountId or ownsAccountSingletons", () => {
    const sample = sampleEnvironment();
    delete sample.account;
    sample.accountId = "123456789012";
    sample.ownsAccountSingletons = true;
    const error = errorOf(() => loadEnvironments(memorySource({ sample })));
    expect(error.problems).toEqual([
      "environments/sample.json: account: found nothing (the field is missing), expected a value of type string",
      "environments/sample.json: accountId, ownsAccountSingletons: unknown field; expected only the fields the schema defines (check the spelling)",
    ]);
  });

  it("checks the account name's shape before looking it up", () => {
    const sample = sampleEnvironment();
    sample.account = "Prod Account";
    const error = errorOf(() => loadEnvironments(memorySource({ sample })));
    expect(error.problems).toEqual([expect.stringMatching(/^environments\/sample\.json: account: found "Prod Account", expected an account name: a lower-case letter/)]);
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

  it("refuses two environments that share a suffix or a workspace", () => {
    const dev = environmentData("dev");
    const copy = environmentData("dev");
    const problems = errorOf(() => loadEnvironments(memorySource({ dev, "dev-copy": copy }))).problems;
    expect(problems).toEqual([
      `environments/dev-copy.json: environmentSuffix: found "${dev.environmentSuffix}", expected a value not already used by environments/dev.json`,
      `environments/dev-copy.json: terraformCloud.workspace: found "${dev.terraformCloud.workspace}", expected a workspace not already used by environments/dev.json`,
    ]);
  });
});
