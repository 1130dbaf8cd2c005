import { z } from "zod";

/**
 * Which GitHub repository may deploy into the account. Kept beside the
 * bootstrap stack (not in environments/, which holds only environment files)
 * and validated like them: a typo here would trust the wrong repository.
 */
const githubName = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})$/, "a GitHub owner or repository name (letters, digits, '.', '_' and '-')");

export const githubConfigSchema = z
  .object({
    $schema: z.string().optional(),
    /** The GitHub organization or user that owns the repository. */
    owner: githubName,
    repository: githubName,
    /** Scheduled workflows (drift) run on this branch; the plan role trusts it too. */
    defaultBranch: z.string().regex(/^[A-Za-z0-9._/-]+$/, "a git branch name"),
    /** The organization's teams (slugs) that CODEOWNERS names: `npm run codeowners` writes it from these. */
    teams: z
      .object({
        platform: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a GitHub team slug (lower-case letters, digits and '-')"),
        security: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a GitHub team slug (lower-case letters, digits and '-')"),
      })
      .strict(),
    /** Where the bootstrap stack keeps its own state; TF_BACKEND=local overrides it. */
    terraformCloud: z
      .object({
        organization: z.string().min(1, "a Terraform Cloud organization name"),
        workspace: z.string().regex(/^[A-Za-z0-9_-]{1,90}$/, "a Terraform Cloud workspace name (letters, digits, - and _)"),
      })
      .strict(),
  })
  .strict();

export type GithubConfig = z.output<typeof githubConfigSchema>;

/** Parses the file's text, or throws one error listing every problem with its field and value. */
export function parseGithubConfig(file: string, text: string): GithubConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const result = githubConfigSchema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.join(".") || "(file)";
    if (issue.code === "unrecognized_keys") return `${file}: ${issue.keys.join(", ")}: unknown field; expected owner, repository, defaultBranch, teams, terraformCloud`;
    const found = "input" in issue ? (issue.input === undefined ? "nothing (the field is missing)" : JSON.stringify(issue.input)) : "an invalid value";
    const expected = issue.code === "invalid_type" ? `a value of type ${issue.expected}` : issue.message;
    return `${file}: ${field}: found ${found}, expected ${expected}`;
  });
  throw new Error(`Invalid GitHub configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
}

/** The OIDC `sub` claims GitHub issues for this repository (documented formats, exact, no wildcards). */
export const githubSubjects = (config: GithubConfig) => {
  const repo = `repo:${config.owner}/${config.repository}`;
  return {
    pullRequest: `${repo}:pull_request`,
    branch: (branch: string) => `${repo}:ref:refs/heads/${branch}`,
    environment: (environment: string) => `${repo}:environment:${environment}`,
  };
};
