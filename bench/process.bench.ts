/**
 * process: streaming aggregation throughput and memory.
 *
 *   npm run bench -- process
 *   (= node --expose-gc --import tsx bench/process.bench.ts)
 *
 * Generates gzip NDJSON objects of 1,000,000 and 4,000,000 trades exactly as
 * ingest writes them (tradeToNdjsonLine, 200 symbols over one hour, so both
 * have the same 12,000 bars and only the trade count differs), stream-written
 * to a temp dir. Each object is then read from a file stream (standing in for
 * the S3 GetObject body) through process's own path: gunzip → line splitter →
 * fast parser/validator → 1-minute bars. Reported per size, median of 3 runs:
 * wall time and trades/s, CPU time (process.cpuUsage: main thread plus zlib's
 * worker thread) and trades per CPU-second, CPU of gunzip alone (a separate
 * pass) and so of parsing + aggregation, and peak RSS / heap sampled during
 * the run. The database merge of the resulting bars is measured separately
 * against the throwaway PostgreSQL the tests use (skipped if none starts).
 * BENCH_TRADES=200000 shrinks the run for a quick check.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { Client } from "pg";
import { applyMigrations } from "../stacks/lambda/migrate/migrator";
import { migrations } from "../stacks/lambda/migrate/migrations";
import { BarAggregator, type BarRecord } from "../stacks/lambda/process/bar-aggregator";
import { mergeObjectBars } from "../stacks/lambda/process/bar-store";
import { TradeLineParser } from "../stacks/lambda/process/trade-line-parser";
import { aggregateGzipNdjson } from "../stacks/lambda/process/trade-stream";
import { tradeToNdjsonLine } from "../stacks/lambda/shared/trade";
import { startTestPostgres } from "../harness/postgres";

const SYMBOLS = 200;
const SPAN_MS = 60 * 60_000;
const RUNS = 3;
const baseTrades = Number(process.env.BENCH_TRADES ?? 1_000_000);
const sizes = [baseTrades, baseTrades * 4];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const rate = (count: number, ms: number) => `${((count / ms) * 1000).toLocaleString("en-US", { maximumFractionDigits: 0 })}/s`;

async function generate(path: string, trades: number): Promise<void> {
  const gzip = createGzip();
  const done = pipeline(gzip, createWriteStream(path));
  const start = Date.UTC(2026, 10, 22, 3, 0, 0);
  let batch = "";
  for (let i = 0; i < trades; i += 1) {
    const micros = Math.floor((i / trades) * SPAN_MS * 1000);
    const timestamp = `${new Date(start + Math.floor(micros / 1000)).toISOString().slice(0, 23)}${String(micros % 1000).padStart(3, "0")}Z`;
    batch += `${tradeToNdjsonLine({
      tradeId: `T${i.toString(36)}-${(i * 7919) % 100_000}`,
      symbol: `S${(i * 31) % SYMBOLS}`,
      price: Math.round((100 + ((i * 37) % 5000) / 100) * 100) / 100,
      quantity: 1 + ((i * 13) % 500),
      side: i % 2 === 0 ? "buy" : "sell",
      timestamp,
      venue: i % 3 === 0 ? "XNAS" : "XNYS",
    })}\n`;
    if (batch.length > 64 * 1024) {
      if (!gzip.write(batch)) await once(gzip, "drain");
      batch = "";
    }
  }
  gzip.end(batch);
  await done;
}

interface Sample {
  peakRss: number;
  peakHeap: number;
}

function sampleMemory(): { stop: () => Sample } {
  const sample: Sample = { peakRss: 0, peakHeap: 0 };
  const take = () => {
    const usage = process.memoryUsage();
    sample.peakRss = Math.max(sample.peakRss, usage.rss);
    sample.peakHeap = Math.max(sample.peakHeap, usage.heapUsed);
  };
  take();
  const timer = setInterval(take, 5);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return sample;
    },
  };
}

async function gunzipOnly(path: string): Promise<number> {
  const cpu = process.cpuUsage();
  await pipeline(createReadStream(path), createGunzip({ chunkSize: 256 * 1024 }), async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) void chunk;
  });
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000;
}

async function aggregate(path: string) {
  gc();
  const memory = sampleMemory();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const aggregator = new BarAggregator();
  let rejected = 0;
  const summary = await aggregateGzipNdjson(createReadStream(path), aggregator, () => {
    rejected += 1;
  });
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const { peakRss, peakHeap } = memory.stop();
  const bars = aggregator.bars();
  gc();
  // What the run still holds once garbage is collected: the bars, not the trades.
  const retainedHeap = process.memoryUsage().heapUsed;
  return { summary, rejected, bars, wallMs, cpuMs: (used.user + used.system) / 1000, peakRss, peakHeap, retainedHeap };
}

/**
 * The same lines through the slow path (JSON.parse + the shared validator,
 * what every line would cost without the fast parser), on a sample held in
 * memory: the ratio to the fast path is a machine-independent figure.
 */
function compareWithJsonParse(lines: number): { fastMs: number; slowMs: number } {
  const start = Date.UTC(2026, 10, 22, 3, 0, 0);
  const text = Array.from({ length: lines }, (_, i) =>
    tradeToNdjsonLine({
      tradeId: `T${i.toString(36)}`,
      symbol: `S${i % SYMBOLS}`,
      price: 100 + (i % 5000) / 100,
      quantity: 1 + (i % 500),
      side: i % 2 === 0 ? "buy" : "sell",
      timestamp: new Date(start + i).toISOString(),
      venue: "XNAS",
    }),
  );
  const measure = (prefix: string) => {
    const buffers = text.map((line) => Buffer.from(prefix + line));
    const runs = [];
    for (let run = 0; run < RUNS; run += 1) {
      const parser = new TradeLineParser(new BarAggregator(), () => {
        throw new Error("unexpected rejection");
      });
      const cpu = process.cpuUsage();
      buffers.forEach((buffer, index) => parser.parse(buffer, 0, buffer.length, index + 1));
      const used = process.cpuUsage(cpu);
      runs.push((used.user + used.system) / 1000);
    }
    return median(runs);
  };
  // A leading space is valid JSON but not ingest's canonical form, so it takes the slow path.
  return { fastMs: measure(""), slowMs: measure(" ") };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "process-bench-"));
  gc();
  console.log(
    `process benchmark: node ${process.version}, load average ${loadavg().map((value) => value.toFixed(2)).join(" ")}, ${RUNS} runs per size (median); RSS before any work ${mib(process.memoryUsage().rss)}`,
  );
  let lastBars: BarRecord[] = [];
  try {
    for (const trades of sizes) {
      const path = join(dir, `${trades}.ndjson.gz`);
      await generate(path, trades);
      lastBars = []; // so the previous size's bars do not count against this one
      const runs = [];
      const gunzipCpu = [];
      for (let run = 0; run < RUNS; run += 1) {
        runs.push(await aggregate(path));
        gunzipCpu.push(await gunzipOnly(path));
      }
      const last = runs.at(-1)!;
      if (last.summary.trades !== trades || last.rejected !== 0) throw new Error(`expected ${trades} trades and no rejections, got ${last.summary.trades} and ${last.rejected}`);
      const wallMs = median(runs.map((run) => run.wallMs));
      const cpuMs = median(runs.map((run) => run.cpuMs));
      const gunzipMs = median(gunzipCpu);
      lastBars = last.bars;
      console.log(
        [
          `\n${trades.toLocaleString("en-US")} trades: ${mib(statSync(path).size)} gzip, ${mib(last.summary.decompressedBytes)} NDJSON, ${lastBars.length} bars, fast path ${((last.summary.fastLines / trades) * 100).toFixed(1)}%`,
          `  wall      ${wallMs.toFixed(0)} ms  → ${rate(trades, wallMs)}`,
          `  CPU       ${cpuMs.toFixed(0)} ms  → ${rate(trades, cpuMs)} per CPU-second (gunzip alone ${gunzipMs.toFixed(0)} ms; parse + aggregate ≈ ${Math.max(0, cpuMs - gunzipMs).toFixed(0)} ms → ${rate(trades, Math.max(1, cpuMs - gunzipMs))})`,
          `  memory    peak RSS ${mib(median(runs.map((run) => run.peakRss)))}, peak heap used ${mib(median(runs.map((run) => run.peakHeap)))}, heap after GC ${mib(median(runs.map((run) => run.retainedHeap)))}`,
        ].join("\n"),
      );
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const sample = Math.min(200_000, baseTrades);
  const { fastMs, slowMs } = compareWithJsonParse(sample);
  console.log(
    `\nparse + aggregate, ${sample.toLocaleString("en-US")} lines in memory: fast path ${fastMs.toFixed(0)} ms CPU (${rate(sample, fastMs)}), JSON.parse + validator ${slowMs.toFixed(0)} ms CPU (${rate(sample, slowMs)}): ${(slowMs / fastMs).toFixed(1)}× less CPU per line`,
  );
  await benchDatabaseMerge(lastBars);
}

/** The database half, measured on its own: merging one object's bars (claim + contributions + upsert) in one transaction. */
async function benchDatabaseMerge(bars: readonly BarRecord[]): Promise<void> {
  let server;
  try {
    server = await startTestPostgres();
  } catch (error) {
    console.log(`\ndatabase merge: skipped, no test PostgreSQL could start (${(error as Error).message.split("\n")[0]})`);
    return;
  }
  const client = new Client(server.connection);
  try {
    await client.connect();
    await applyMigrations(client, migrations);
    const times = [];
    for (let run = 0; run < RUNS; run += 1) {
      const started = performance.now();
      const outcome = await mergeObjectBars(client, { bucket: "bench", key: `trades/bench-${run}.ndjson.gz`, etag: `etag-${run}` }, bars, { trades: 0, rejectedLines: 0 });
      times.push(performance.now() - started);
      if (outcome !== "merged") throw new Error(`expected a merge, got ${outcome}`);
    }
    console.log(`\ndatabase merge (${server.kind} PostgreSQL on loopback): ${bars.length} bars in ${median(times).toFixed(0)} ms per object (median of ${RUNS}; runs 2-3 merge into existing bars)`);
  } finally {
    await client.end().catch(() => undefined);
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
