import { AccountsError, DOCUMENTATION_EXAMPLE_ACCOUNT_IDS, parseAccounts, placeholderAccountProblems } from "../../stacks/config/accounts";
import { accountsData, repoAccounts, repoEnvironments } from "../support/environments";

const FILE = "stacks/bootstrap/accounts.json";

const problemsOf = (data: unknown): readonly string[] => {
  try {
    parseAccounts(FILE, typeof data === "string" ? data : JSON.stringify(data));
  } catch (error) {
    if (error instanceof AccountsError) return error.problems;
    throw error;
  }
  throw new Error("expected an AccountsError");
};

describe("stacks/bootstrap/accounts.json", () => {
  it("is valid, and every account has a distinct 12-digit id", () => {
    const accounts = repoAccounts();
    expect(accounts.byName.size).toBeGreaterThan(0);
    const ids = [...accounts.byName.values()].map((account) => account.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [name, account] of accounts.byName) {
      expect(account.name).toBe(name);
      expect(account.id).toMatch(/^\d{12}$/);
    }
  });

  it("is named by environments: every account an environment file names exists", () => {
    const names = new Set(repoAccounts().byName.keys());
    for (const environment of repoEnvironments()) expect(names.has(environment.config.account)).toBe(true);
  });

  it("reports every bad account name, id, choice and unknown field at once, naming file and field", () => {
    const data = accountsData();
    const [first] = Object.keys(data);
    data[first].id = "12345";
    data[first].githubOidcProvider = "adopt";
    data[first].awsConfig = true;
    data[first].region = "us-east-1";
    data["Bad Name"] = { ...data[first], id: "999999999999" };
    const problems = problemsOf(data);
    expect(problems).toEqual(
      expect.arrayContaining([
        `${FILE}: ${first}.id: found "12345", expected a 12-digit AWS account id`,
        `${FILE}: ${first}.githubOidcProvider: found "adopt", expected "create" or "existing" (the account already has GitHub's OIDC provider)`,
        `${FILE}: ${first}.awsConfig: found true, expected "create" or "existing" (an organization recorder already records the account)`,
        `${FILE}: ${first}.region: unknown field; expected only the fields the schema defines (check the spelling)`,
        expect.stringMatching(/^stacks\/bootstrap\/accounts\.json: Bad Name: found the key "Bad Name", expected an account name: a lower-case letter/),
      ]),
    );
  });

  it("refuses two names for one account id: they would fight over the account's singletons", () => {
    const data = accountsData();
    const [first] = Object.keys(data);
    data["second-name"] = { ...data[first] };
    expect(problemsOf(data)).toEqual([`${FILE}: second-name.id: found "${data[first].id}", expected an id not already used by the account "${first}"`]);
  });

  it("refuses an empty file and unreadable JSON", () => {
    expect(problemsOf({})).toEqual([`${FILE}: (file): found no accounts, expected at least one account (name → id, githubOidcProvider, awsConfig)`]);
    expect(problemsOf("{")[0]).toMatch(/^stacks\/bootstrap\/accounts\.json: not valid JSON \(/);
  });

  it("names every account whose id is an AWS documentation example, and only those", () => {
    const settings = { githubOidcProvider: "create", awsConfig: "create" };
    const accounts = parseAccounts(
      FILE,
      JSON.stringify({
        ...Object.fromEntries(DOCUMENTATION_EXAMPLE_ACCOUNT_IDS.map((id, index) => [`example-${index}`, { id, ...settings }])),
        real: { id: "987654321098", ...settings },
      }),
    );
    const all = [...accounts.byName.keys()];
    expect(placeholderAccountProblems(accounts, [...all, ...all])).toEqual(
      DOCUMENTATION_EXAMPLE_ACCOUNT_IDS.map((id, index) => `${FILE}: example-${index}.id: found "${id}", an AWS documentation example id (a placeholder), expected the 12-digit id of the real AWS account`),
    );
    expect(placeholderAccountProblems(accounts, ["real"])).toEqual([]);
  });
});
