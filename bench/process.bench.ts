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
 * fast parser/validator → 1-minute bars and the TradeLog of every trade (what
 * the trade-identity check sends). Reported per size, median of 3 runs:
 * wall time and trades/s, CPU time (process.cpuUsage: main thread plus zlib's
 * worker thread) and trades per CPU-second, CPU of gunzip alone (a separate
 * pass) and so of parsing + aggregation, and peak RSS / heap sampled during
 * the run.
 *
 * The database side is measured separately against the throwaway PostgreSQL
 * the tests use (skipped if none starts), with the 1M-trade object: the merge
 * of its bars alone (what processing cost before trade identities), the whole
 * merge when all its trades are new and when all are duplicates (another
 * object carrying the same trades), a phase breakdown (staging with `unnest`
 * vs COPY, the identity claim, classification), pruning 1M expired identities
 * and the table's size per identity. BENCH_TRADES=200000 shrinks the run.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { Client, type ClientBase } from "pg";
import { applyMigrations } from "../stacks/lambda/migrate/migrator";
import { migrations } from "../stacks/lambda/migrate/migrations";
import { BarAggregator, type BarRecord } from "../stacks/lambda/process/bar-aggregator";
import { mergeObjectTrades } from "../stacks/lambda/process/bar-store";
import { claimIdentities, classifyDuplicates, pruneExpiredIdentities, STAGE_TABLE_SQL, stageTrades } from "../stacks/lambda/process/trade-identities";
import { TradeLineParser } from "../stacks/lambda/process/trade-line-parser";
import { TradeLog } from "../stacks/lambda/process/trade-log";
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
  const log = new TradeLog();
  let rejected = 0;
  const summary = await aggregateGzipNdjson(
    createReadStream(path),
    aggregator,
    () => {
      rejected += 1;
    },
    log,
  );
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const { peakRss, peakHeap } = memory.stop();
  const bars = aggregator.bars();
  gc();
  // What the run still holds once garbage is collected: the bars and the trade log (typed arrays, off the JS heap).
  const retainedHeap = process.memoryUsage().heapUsed;
  return { summary, rejected, aggregator, log, bars, wallMs, cpuMs: (used.user + used.system) / 1000, peakRss, peakHeap, retainedHeap };
}

/**
 * The same lines through the slow path (JSON.parse + the shared validator,
 * what every line would cost without the fast parser), on a sample held in
 * memory: the ratio to the fast path is a machine-independent figure.
 */
function compareWithJsonParse(lines: number): { fastMs: number; fastWithoutLogMs: number; slowMs: number } {
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
  const once = (buffers: readonly Buffer[], withLog: boolean) => {
    const parser = new TradeLineParser(
      new BarAggregator(),
      () => {
        throw new Error("unexpected rejection");
      },
      withLog ? new TradeLog() : undefined,
    );
    const cpu = process.cpuUsage();
    buffers.forEach((buffer, index) => parser.parse(buffer, 0, buffer.length, index + 1));
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / 1000;
  };
  const fast = text.map((line) => Buffer.from(line));
  // A leading space is valid JSON but not ingest's canonical form, so it takes the slow path.
  const slow = text.map((line) => Buffer.from(` ${line}`));
  // With and without the trade log alternate, after one warm-up each, so neither pays for the JIT alone.
  once(fast, true);
  once(fast, false);
  const withLog = [];
  const withoutLog = [];
  for (let run = 0; run < RUNS + 2; run += 1) {
    withLog.push(once(fast, true));
    withoutLog.push(once(fast, false));
  }
  const slowRuns = [];
  for (let run = 0; run < RUNS; run += 1) slowRuns.push(once(slow, true));
  return { fastMs: median(withLog), fastWithoutLogMs: median(withoutLog), slowMs: median(slowRuns) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "process-bench-"));
  gc();
  console.log(
    `process benchmark: node ${process.version}, load average ${loadavg().map((value) => value.toFixed(2)).join(" ")}, ${RUNS} runs per size (median); RSS before any work ${mib(process.memoryUsage().rss)}`,
  );
  try {
    for (const trades of sizes) {
      const path = join(dir, `${trades}.ndjson.gz`);
      await generate(path, trades);
      const runs = [];
      const gunzipCpu = [];
      let last: Awaited<ReturnType<typeof aggregate>> | undefined;
      for (let run = 0; run < RUNS; run += 1) {
        last = undefined; // the previous run's trade log must not count against this one
        last = await aggregate(path);
        const { wallMs, cpuMs, peakRss, peakHeap, retainedHeap } = last;
        runs.push({ wallMs, cpuMs, peakRss, peakHeap, retainedHeap });
        gunzipCpu.push(await gunzipOnly(path));
      }
      if (!last) throw new Error("no runs");
      if (last.summary.trades !== trades || last.rejected !== 0) throw new Error(`expected ${trades} trades and no rejections, got ${last.summary.trades} and ${last.rejected}`);
      const wallMs = median(runs.map((run) => run.wallMs));
      const cpuMs = median(runs.map((run) => run.cpuMs));
      const gunzipMs = median(gunzipCpu);
      console.log(
        [
          `\n${trades.toLocaleString("en-US")} trades: ${mib(statSync(path).size)} gzip, ${mib(last.summary.decompressedBytes)} NDJSON, ${last.bars.length} bars, fast path ${((last.summary.fastLines / trades) * 100).toFixed(1)}%`,
          `  wall      ${wallMs.toFixed(0)} ms  → ${rate(trades, wallMs)}`,
          `  CPU       ${cpuMs.toFixed(0)} ms  → ${rate(trades, cpuMs)} per CPU-second (gunzip alone ${gunzipMs.toFixed(0)} ms; parse + aggregate ≈ ${Math.max(0, cpuMs - gunzipMs).toFixed(0)} ms → ${rate(trades, Math.max(1, cpuMs - gunzipMs))})`,
          `  memory    peak RSS ${mib(median(runs.map((run) => run.peakRss)))}, peak heap used ${mib(median(runs.map((run) => run.peakHeap)))}, heap after GC ${mib(median(runs.map((run) => run.retainedHeap)))}`,
        ].join("\n"),
      );
      rmSync(path, { force: true });
      // The database side with this object, before the larger one is generated.
      if (trades === baseTrades) await benchDatabase(last.aggregator, last.log, last.bars);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const sample = Math.min(200_000, baseTrades);
  const { fastMs, fastWithoutLogMs, slowMs } = compareWithJsonParse(sample);
  console.log(
    `\nparse + aggregate, ${sample.toLocaleString("en-US")} lines in memory: fast path ${fastMs.toFixed(0)} ms CPU (${rate(sample, fastMs)}; without the trade log ${fastWithoutLogMs.toFixed(0)} ms, ${rate(sample, fastWithoutLogMs)}), JSON.parse + validator ${slowMs.toFixed(0)} ms CPU (${rate(sample, slowMs)}): ${(slowMs / fastMs).toFixed(1)}× less CPU per line`,
  );
}

/**
 * COPY FROM STDIN through pg's client without a dependency: the Submittable
 * pg calls back on CopyInResponse (what pg-copy-streams does). Bench only:
 * PGlite's wire server, which the tests fall back to, does not speak COPY.
 */
class CopyFromBuffers {
  readonly done: Promise<void>;
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  constructor(
    readonly text: string,
    private readonly chunks: readonly Buffer[],
  ) {
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }
  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }
  handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }): void {
    for (const chunk of this.chunks) connection.sendCopyFromChunk(chunk);
    connection.endCopyFrom();
  }
  handleReadyForQuery(): void {
    this.settle.resolve();
  }
  handleError(error: Error): void {
    this.settle.reject(error);
  }
  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}
  handlePortalSuspended(): void {}
}

/** The log as COPY text rows (built from its unnest chunks, so the same values go in). */
function copyRows(log: TradeLog, symbols: readonly string[]): Buffer[] {
  const buffers: Buffer[] = [];
  const items = (literal: string) => literal.slice(1, -1).split(",").map((item) => item.replace(/^"|"$/g, ""));
  for (let start = 0; start < log.count; start += 10_000) {
    const chunk = log.chunk(start, Math.min(log.count, start + 10_000));
    const columns = [chunk.lines, chunk.venues, chunk.tradeIds, chunk.symbolIndexes, chunk.micros, chunk.prices, chunk.quantities, chunk.buys].map(items);
    let text = "";
    for (let row = 0; row < chunk.rows; row += 1) {
      text += `${columns[0][row]}\t${columns[1][row]}\t${columns[2][row]}\t${symbols[Number(columns[3][row])]}\t${columns[4][row]}\t${columns[5][row]}\t${columns[6][row]}\t${columns[7][row]}\n`;
    }
    buffers.push(Buffer.from(text));
  }
  return buffers;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** The database half: what merging one object costs, with and without the trade-identity check. */
async function benchDatabase(aggregator: BarAggregator, log: TradeLog, bars: readonly BarRecord[]): Promise<void> {
  let server;
  try {
    server = await startTestPostgres();
  } catch (error) {
    console.log(`\ndatabase: skipped, no test PostgreSQL could start (${(error as Error).message.split("\n")[0]})`);
    return;
  }
  const client = new Client(server.connection);
  const trades = log.count;
  const counts = { trades, rejectedLines: 0 };
  const source = (name: string) => ({ bucket: "bench", key: `trades/${name}.ndjson.gz`, etag: name });
  const report = (label: string, times: number[]) =>
    console.log(`  ${label.padEnd(60)} ${median(times).toFixed(0).padStart(6)} ms  (runs: ${times.map((ms) => ms.toFixed(0)).join(", ")})`);
  try {
    await client.connect();
    await applyMigrations(client, migrations);
    console.log(`\ndatabase (${server.kind} PostgreSQL on loopback), one ${trades.toLocaleString("en-US")}-trade object of ${bars.length} bars, median of ${RUNS}:`);

    // Before trade identities: claim the object and merge its bars (an empty log skips the identity check).
    const barsOnly = [];
    for (let run = 0; run < RUNS; run += 1) {
      const { ms, value } = await timed(() => mergeObjectTrades(client, source(`bars-only-${run}`), { clientId: "bench", aggregator, log: new TradeLog(), counts }));
      if (value.outcome !== "merged") throw new Error(`expected a merge, got ${value.outcome}`);
      barsOnly.push(ms);
    }
    report("bars merge only (processing before trade identities)", barsOnly);

    // Every trade new (a client of its own per run), then the same trades again in another object: every one a duplicate.
    const allNew = [];
    const allDuplicates = [];
    for (let run = 0; run < RUNS; run += 1) {
      const fresh = await timed(() => mergeObjectTrades(client, source(`new-${run}`), { clientId: `client-${run}`, aggregator, log, counts }));
      if (fresh.value.newIdentities !== trades || fresh.value.duplicates.duplicates !== 0) throw new Error("expected every trade to be new");
      allNew.push(fresh.ms);
      const again = await timed(() => mergeObjectTrades(client, source(`again-${run}`), { clientId: `client-${run}`, aggregator, log, counts }));
      if (again.value.duplicates.duplicates !== trades || again.value.bars.length !== 0) throw new Error("expected every trade to be a duplicate");
      allDuplicates.push(again.ms);
    }
    report("whole merge, all trades new", allNew);
    report("whole merge, all trades duplicates", allDuplicates);

    // Measured before the phases below, whose rolled-back inserts leave dead rows.
    const size = await client.query("SELECT pg_total_relation_size('trade_identities') AS bytes, (SELECT count(*) FROM trade_identities) AS rows");
    const perRow = Number(size.rows[0].bytes) / Number(size.rows[0].rows);
    console.log(`  trade_identities: ${Number(size.rows[0].rows).toLocaleString("en-US")} rows, ${mib(Number(size.rows[0].bytes))} with indexes → ${perRow.toFixed(0)} bytes per identity`);


    // Where the time goes, phase by phase, in transactions that are rolled back.
    const phases: Record<string, number[]> = {
      "stage (unnest, 10,000 rows per statement)": [],
      "stage (COPY FROM STDIN)": [],
      "claim identities, all new": [],
      "claim identities, all duplicates": [],
      "classify duplicates (all)": [],
    };
    const symbols = aggregator.symbolNames();
    const copyText = copyRows(log, symbols);
    const inTransaction = async (work: (c: ClientBase) => Promise<void>) => {
      await client.query("BEGIN");
      try {
        await work(client);
      } finally {
        await client.query("ROLLBACK");
      }
    };
    for (let run = 0; run < RUNS; run += 1) {
      await inTransaction(async (c) => {
        phases["stage (unnest, 10,000 rows per statement)"].push((await timed(() => stageTrades(c, log, symbols))).ms);
        phases["claim identities, all new"].push((await timed(() => claimIdentities(c, "phase-client", "1"))).ms);
      });
      if (server.kind === "native") {
        await inTransaction(async (c) => {
          await c.query(STAGE_TABLE_SQL);
          const copy = new CopyFromBuffers("COPY staged_trades (line, venue, trade_id, symbol, micros, price, quantity, buy) FROM STDIN", copyText);
          const { ms } = await timed(async () => {
            void c.query(copy as never);
            await copy.done;
          });
          phases["stage (COPY FROM STDIN)"].push(ms);
          const { rows } = await c.query("SELECT count(*)::int AS n FROM staged_trades");
          if (rows[0].n !== trades) throw new Error(`COPY staged ${rows[0].n} rows, expected ${trades}`);
        });
      }
      await inTransaction(async (c) => {
        await stageTrades(c, log, symbols);
        phases["claim identities, all duplicates"].push((await timed(() => claimIdentities(c, "client-0", "1"))).ms);
        phases["classify duplicates (all)"].push((await timed(() => classifyDuplicates(c, "client-0", "1"))).ms);
      });
    }
    console.log("  phases:");
    for (const [label, times] of Object.entries(phases)) if (times.length > 0) report(`  ${label}`, times);

    // Pruning: one object's identities expire; process deletes them in 10,000-row statements.
    await client.query("UPDATE trade_identities SET first_seen_at = now() - interval '30 days' WHERE client_id = 'client-0'");
    await client.query("VACUUM ANALYZE trade_identities");
    const pruned = await timed(() => pruneExpiredIdentities(client, 7, trades + 10_000));
    if (pruned.value !== trades) throw new Error(`pruned ${pruned.value}, expected ${trades}`);
    console.log(`  prune ${trades.toLocaleString("en-US")} expired identities (10,000 per statement): ${pruned.ms.toFixed(0)} ms → ${rate(trades, pruned.ms)}`);
  } finally {
    await client.end().catch(() => undefined);
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
