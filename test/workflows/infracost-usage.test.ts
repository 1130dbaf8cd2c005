import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { repoRoot } from "../support/environments";
import { environmentNames, synthesizedStacks } from "../support/synth";

/* eslint-disable @typescript-eslint/no-explicit-any */
const usage = parse(readFileSync(join(repoRoot, "infracost-usage.yml"), "utf8"));
const entries = Object.entries<any>(usage.resource_usage ?? {});

/** Resource types infracost prices by usage, with the fields an estimate must give. */
const USAGE_PRICED: Record<string, readonly string[]> = {
  aws_lambda_function: ["monthly_requests", "request_duration_ms"],
  aws_api_gateway_rest_api: ["monthly_requests"],
  aws_s3_bucket: ["standard"],
  aws_dynamodb_table: ["monthly_read_request_units", "monthly_write_request_units", "storage_gb"],
  aws_nat_gateway: ["monthly_data_processed_gb"],
  aws_cloudwatch_log_group: ["monthly_data_ingested_gb", "storage_gb"],
  aws_rds_cluster_instance: ["capacity_units_per_hr"],
};

const numbersIn = (value: unknown): number[] =>
  typeof value === "number" ? [value] : value && typeof value === "object" ? Object.values(value).flatMap(numbersIn) : [];

describe("infracost-usage.yml", () => {
  const { stacks } = synthesizedStacks();

  it("is an infracost usage file, version 0.1, with plain non-negative numbers", () => {
    expect(usage.version).toBe(0.1);
    expect(entries.length).toBeGreaterThan(0);
    for (const [address, estimate] of entries) {
      const numbers = numbersIn(estimate);
      expect({ address, count: numbers.length > 0 }).toEqual({ address, count: true });
      for (const value of numbers) expect(Number.isFinite(value) && value >= 0).toBe(true);
    }
  });

  it("names only resources that exist in a synthesized stack (a renamed construct leaves no stale estimate)", () => {
    const missing = entries.map(([address]) => address).filter((address) => {
      const [type, name] = address.split(".");
      return environmentNames.every((environment) => stacks.get(environment)!.resource[type]?.[name] === undefined);
    });
    expect(missing).toEqual([]);
  });

  it.each(environmentNames)("estimates every usage-priced resource of the %s stack, with the fields infracost needs", (environment) => {
    const stack = stacks.get(environment)!;
    const withoutEstimate: string[] = [];
    for (const [type, fields] of Object.entries(USAGE_PRICED)) {
      for (const name of Object.keys(stack.resource[type] ?? {})) {
        const estimate = usage.resource_usage[`${type}.${name}`];
        if (!estimate) withoutEstimate.push(`${type}.${name}`);
        else for (const field of fields) expect({ address: `${type}.${name}`, field, given: estimate[field] !== undefined }).toEqual({ address: `${type}.${name}`, field, given: true });
      }
    }
    expect(withoutEstimate).toEqual([]);
  });

  it("keeps API Gateway traffic consistent with the Lambda functions behind it", () => {
    const requests = (suffix: string) => entries.find(([address]) => address.startsWith("aws_lambda_function.") && address.includes(`_${suffix}_`))?.[1].monthly_requests ?? 0;
    const api = entries.find(([address]) => address.startsWith("aws_api_gateway_rest_api."))![1].monthly_requests;
    expect(api).toBe(requests("ingest") + requests("query") + requests("sessions"));
  });
});
