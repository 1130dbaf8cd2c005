import { z } from "zod";
import { ACCOUNT_NAME_DESCRIPTION, ACCOUNT_NAME_PATTERN } from "./accounts";

/**
 * The shape of one `environments/<name>.json` file. Constructs read these
 * settings and never the environment's name, so a new environment is a new
 * data file, not new code.
 */

// CloudWatch Logs accepts only these retention periods (days).
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const cidrBlock = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, "an IPv4 CIDR block such as 10.0.0.0/16")
  .refine(
    (cidr) => {
      const [address, prefix] = cidr.split("/");
      const octetsValid = address.split(".").every((octet) => Number(octet) <= 255);
      const prefixNumber = Number(prefix);
      return octetsValid && prefixNumber >= 16 && prefixNumber <= 24;
    },
    { message: "an IPv4 CIDR block with octets ≤ 255 and a prefix between /16 and /24" },
  );

// Aurora Serverless v2 capacity moves in 0.5 ACU steps.
const auroraCapacity = z
  .number()
  .min(0)
  .max(256)
  .refine((value) => Number.isInteger(value * 2), { message: "a multiple of 0.5 ACU" });

export const environmentSchema = z
  .object({
    $schema: z.string().optional(),
    /** Appended to every resource name; unique per deployment. */
    environmentSuffix: z
      .string()
      .regex(/^[a-z][a-z0-9]{1,11}$/, "2–12 lower-case letters or digits, starting with a letter"),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "an AWS region such as us-east-1"),
    /**
     * The AWS account the environment deploys into: a name from
     * stacks/bootstrap/accounts.json (checked across files by the loader). The
     * stack's provider refuses to run against any other account id.
     */
    account: z.string().regex(ACCOUNT_NAME_PATTERN, ACCOUNT_NAME_DESCRIPTION),
    /** The git branch whose merges deploy this environment. */
    branch: z.string().regex(/^[A-Za-z0-9._/-]+$/, "a git branch name"),
    terraformCloud: z
      .object({
        organization: z.string().min(1, "a Terraform Cloud organization name"),
        workspace: z.string().regex(/^[A-Za-z0-9_-]{1,90}$/, "a Terraform Cloud workspace name (letters, digits, - and _)"),
      })
      .strict(),
    network: z
      .object({
        vpcCidr: cidrBlock,
        availabilityZoneCount: z.literal(3, { message: "exactly 3 availability zones (requirement 1)" }),
        natGatewayCount: z.number().int().min(1).max(3),
      })
      .strict(),
    database: z
      .object({
        engineVersion: z.string().regex(/^16\.\d+$/, "an Aurora PostgreSQL 16.x engine version such as 16.6"),
        minCapacity: auroraCapacity,
        maxCapacity: auroraCapacity.refine((value) => value >= 1, { message: "at least 1 ACU" }),
        readerCount: z.number().int().min(1, "at least one reader, so the cluster spans two AZs").max(15),
        backupRetentionDays: z.number().int().min(1).max(35),
        /** Allows the cluster to pause at 0 ACU when idle (minCapacity 0). */
        scaleToZero: z.boolean(),
        /** Idle seconds before an auto-pause; only used when scaleToZero is on. */
        secondsUntilAutoPause: z.number().int().min(300).max(86400).default(900),
      })
      .strict(),
    logs: z
      .object({
        retentionDays: z
          .number()
          .int()
          .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
            message: `one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
          }),
      })
      .strict(),
    api: z
      .object({
        throttleRateLimit: z.number().positive().max(10000),
        throttleBurstLimit: z.number().int().positive().max(5000),
        /** Monthly request quota per API key; omitted means no quota. */
        monthlyQuotaPerKey: z.number().int().positive().optional(),
      })
      .strict(),
    alerts: z
      .object({
        email: z.email("an e-mail address"),
      })
      .strict(),
    /** Turns on deletion protection, final snapshots and bucket retention. */
    protectData: z.boolean(),
    tags: z
      .object({
        CostCenter: z.string().min(1),
        DataClassification: z.enum(["Public", "Internal", "Confidential", "Restricted"]),
      })
      .catchall(z.string()),
  })
  .strict()
  .superRefine((environment, context) => {
    const { database } = environment;
    if (database.minCapacity > database.maxCapacity) {
      context.addIssue({
        code: "custom",
        path: ["database", "minCapacity"],
        input: database.minCapacity,
        message: `at most database.maxCapacity (${database.maxCapacity})`,
      });
    }
    if (database.minCapacity === 0 && !database.scaleToZero) {
      context.addIssue({
        code: "custom",
        path: ["database", "minCapacity"],
        input: database.minCapacity,
        message: "above 0 unless database.scaleToZero is true",
      });
    }
    if (database.scaleToZero && database.minCapacity !== 0) {
      context.addIssue({
        code: "custom",
        path: ["database", "scaleToZero"],
        input: database.scaleToZero,
        message: "false unless database.minCapacity is 0",
      });
    }
    if (environment.api.throttleBurstLimit < environment.api.throttleRateLimit) {
      context.addIssue({
        code: "custom",
        path: ["api", "throttleBurstLimit"],
        input: environment.api.throttleBurstLimit,
        message: `at least api.throttleRateLimit (${environment.api.throttleRateLimit})`,
      });
    }
  });

export type EnvironmentConfig = z.output<typeof environmentSchema>;
