// Median time to turn a real 500+-resource `terraform show -json` into the
// plan comment and step summary (parse, redact, digest, render, budget).
// Goal: ≤ 100 ms. The plan is generated with the real terraform binary over
// terraform_data (apply 500, then a plan that updates, replaces, destroys and
// creates) and cached in .build/bench/ (about a minute to generate; delete the file to regenerate).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createMasker } from "../review/src/mask";
import { parsePlanJson } from "../review/src/terraform/plan-model";
import { planDigest } from "../review/src/terraform/plan-digest";
import { renderPlan } from "../review/src/terraform/markdown";
import { manyResources, terraformMissingReason, terraformPlan } from "../harness/terraform";

const missing = terraformMissingReason();
const cached = existsSync(join(__dirname, "..", ".build", "bench", "plan-600-resource-changes.json"));
if (missing && !cached) {
  console.log(`plan-render: skipped, ${missing}`);
  process.exit(0);
}

const input = (version: number) => (index: number) => ({ index, version, name: `resource-${index}`, tags: { team: "trading", tier: index % 3 === 0 ? "gold" : "silver" } });
const applied = manyResources(500, input(1));
const changed = manyResources(600, input(2)) as { resource: { terraform_data: Record<string, Record<string, unknown>> } };
for (let index = 0; index < 50; index += 1) delete changed.resource.terraform_data[`item_${String(index).padStart(4, "0")}`];
for (let index = 50; index < 100; index += 1) changed.resource.terraform_data[`item_${String(index).padStart(4, "0")}`]!.triggers_replace = [index];

const cacheFile = join(__dirname, "..", ".build", "bench", "plan-600-resource-changes.json");
let planJson: string;
if (existsSync(cacheFile)) {
  planJson = readFileSync(cacheFile, "utf8");
  console.log(`using the cached plan ${cacheFile}`);
} else {
  const started = performance.now();
  planJson = terraformPlan({ applied, config: changed }).planJson;
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(cacheFile, planJson);
  console.log(`generated a plan of ${(planJson.length / 1024 / 1024).toFixed(1)} MiB with terraform in ${Math.round(performance.now() - started)} ms`);
}

const renderOnce = () => {
  const model = parsePlanJson(planJson, "bench.json");
  const digest = planDigest(model);
  return { model, rendering: renderPlan(model, { environment: "prod", constructPaths: new Map(), mask: createMasker(model.sensitiveStrings), runUrl: "https://github.example/run/1", digest }) };
};

const { model, rendering } = renderOnce();
console.log(`plan: ${model.resourceChanges.length} resource changes ${JSON.stringify(model.counts)}`);
console.log(`comment: ${rendering.comment.length} characters (${rendering.omittedFromComment} items left to the summary); summary: ${rendering.summary.length} characters`);

const times: number[] = [];
for (let run = 0; run < 25; run += 1) {
  const before = performance.now();
  renderOnce();
  times.push(performance.now() - before);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
console.log(`parse + digest + render, median of ${times.length}: ${median.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[times.length - 1]!.toFixed(1)}); goal ≤ 100 ms: ${median <= 100 ? "met" : "NOT met"}`);
