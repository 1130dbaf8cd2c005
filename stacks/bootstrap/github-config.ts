import { z } from "zod";
import { describeIssue } from "../config/describe-issue";

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
    /** The repository's default branch, where scheduled workflows (drift) run. */
    defaultBranch: z.string().regex(/^[A-Za-z0-9._/-]+$/, "a git branch name"),
    /** The organization's teams (slugs) that CODEOWNERS names: `npm run codeowners` writes it from these. */
    teams: z
      .object({
        platform: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a GitHub team slug (lower-case letters, digits and '-')"),
        security: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a GitHub team slug (lower-case letters, digits and '-')"),
      })
      .strict(),
    /**
     * Where each account's bootstrap stack keeps its state: the workspace
     * `<workspacePrefix>-<account name>` (at most 90 characters with the
     * longest account name). TF_BACKEND=local overrides it.
     */
    /**
     * The repository part of its OIDC `sub` claims, when GitHub issues the
     * immutable format `repo:<owner>@<owner id>/<repo>@<repo id>` (every
     * repository created after 2026-07-15, and renamed or transferred ones;
     * GitHub Docs, "OpenID Connect reference", "Immutable subject claims").
     * Read it with `gh api repos/<owner>/<repo>/actions/oidc/customization/sub --jq .sub_claim_prefix`.
     * Omitted: the name-only format `repo:<owner>/<repo>`.
     */
    oidcSubjectPrefix: z
      .string()
      .regex(/^repo:[A-Za-z0-9-]+(@\d+)?\/[A-Za-z0-9._-]+(@\d+)?$/, "repo:<owner>@<owner id>/<repository>@<repository id>, as `gh api repos/<owner>/<repo>/actions/oidc/customization/sub` prints in sub_claim_prefix")
      .optional(),
    terraformCloud: z
      .object({
        organization: z.string().min(1, "a Terraform Cloud organization name"),
        workspacePrefix: z.string().regex(/^[A-Za-z0-9_-]{1,58}$/, "a Terraform Cloud workspace name prefix (letters, digits, - and _, at most 58)"),
      })
      .strict(),
  })
  .strict()
  .superRefine((config, context) => {
    const prefix = config.oidcSubjectPrefix;
    if (prefix === undefined) return;
    const [, owner, repository] = /^repo:([^@/]+)(?:@\d+)?\/([^@]+)(?:@\d+)?$/.exec(prefix) ?? [];
    if (owner?.toLowerCase() !== config.owner.toLowerCase() || repository?.toLowerCase() !== config.repository.toLowerCase()) {
      context.addIssue({
        code: "custom",
        path: ["oidcSubjectPrefix"],
        input: prefix,
        message: `the prefix of ${config.owner}/${config.repository} itself (repo:${config.owner}@<id>/${config.repository}@<id>)`,
      });
    }
  });

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
  const problems = result.error.issues.map((issue) => describeIssue(file, issue));
  throw new Error(`Invalid GitHub configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
}

/** The Terraform Cloud workspace of one account's bootstrap stack. */
export const bootstrapWorkspaceName = (config: GithubConfig, accountName: string): string => `${config.terraformCloud.workspacePrefix}-${accountName}`;

/** The GitHub Environment whose jobs plan pull requests into `environment` (operating model: `<env>-plan`). */
export const planEnvironmentName = (environment: string): string => `${environment}-plan`;

/** The GitHub Environment of the scheduled drift check, which plans every environment. */
export const DRIFT_ENVIRONMENT = "drift";

/**
 * The OIDC `sub` claim GitHub issues to a job that runs in a GitHub
 * Environment of this repository: `<prefix>:environment:<name>`, the prefix
 * being `repo:<owner>/<repo>`, or the immutable `oidcSubjectPrefix`
 * (GitHub Docs, "OpenID Connect reference", example subject claims,
 * "Filtering for a specific environment"). Exact, no wildcards.
 */
export const githubEnvironmentSubject = (config: GithubConfig, environment: string): string =>
  `${config.oidcSubjectPrefix ?? `repo:${config.owner}/${config.repository}`}:environment:${environment}`;
