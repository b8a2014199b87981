import { CPU_PARTS, type CpuSnapshot, type ProcessMemory } from './stack.js';
import { percentile } from './table.js';

/**
 * The submission benchmark's load generator and figures: a pool that keeps a number of timed
 * tasks in flight, CPU accounting over timed windows, and the printed tables.
 */

export interface Run {
  latencies: number[];
  wallMs: number;
  failures: number;
  firstFailure?: string;
}

export function summary(runs: Run[]) {
  const latencies = runs.flatMap((run) => run.latencies).sort((a, b) => a - b);
  const wallMs = runs.reduce((sum, run) => sum + run.wallMs, 0);
  return {
    count: latencies.length,
    perSecond: latencies.length / (wallMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
    firstFailure: runs.find((run) => run.firstFailure)?.firstFailure,
  };
}

/** Runs `task(0..count-1)` with `concurrency` in flight; each task times its own critical part. */
export async function pool(concurrency: number, count: number, task: (index: number) => Promise<number>): Promise<Run> {
  const run: Run = { latencies: [], wallMs: 0, failures: 0 };
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        try {
          run.latencies.push(await task(index));
        } catch (error) {
          run.failures += 1;
          run.firstFailure ??= (error as Error).message;
        }
      }
    }),
  );
  run.wallMs = performance.now() - started;
  return run;
}

export type Side = 'api' | 'bare';
export type CpuSpent = Record<Side, Map<string, number>>;

/** `measured(side, body)` runs body and adds the CPU every process spent meanwhile to `spent[side]`, per part. */
export function cpuAccount(cpuSnapshot: () => Promise<CpuSnapshot>) {
  const spent: CpuSpent = { api: new Map<string, number>(), bare: new Map<string, number>() };
  const measured = async <T>(side: Side, body: () => Promise<T>): Promise<T> => {
    const start = await cpuSnapshot();
    const result = await body();
    const end = await cpuSnapshot();
    for (const part of CPU_PARTS) {
      let total = 0;
      for (const [pid, ms] of end.get(part)!) total += ms - (start.get(part)!.get(pid) ?? 0);
      spent[side].set(part, (spent[side].get(part) ?? 0) + total);
    }
    return result;
  };
  return { spent, measured };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export interface Report {
  apiRuns: Run[];
  bareRuns: Run[];
  cpuSpent: CpuSpent;
  before: ProcessMemory;
  after: ProcessMemory;
  parkedBefore: number;
  parkedAdded: number;
}

export function printReport({ apiRuns, bareRuns, cpuSpent, before, after, parkedBefore, parkedAdded }: Report): void {
  const apiFigures = summary(apiRuns);
  const bareFigures = summary(bareRuns);
  const row = (name: string, figures: ReturnType<typeof summary>) =>
    `  ${name.padEnd(34)} ${String(figures.count).padStart(5)} ${figures.perSecond.toFixed(1).padStart(9)} ${figures.p50.toFixed(1).padStart(9)} ${figures.p99.toFixed(1).padStart(9)} ${String(figures.failures).padStart(6)}`;
  console.log('');
  console.log(`  ${'submissions'.padEnd(34)} ${'count'.padStart(5)} ${'per s'.padStart(9)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'failed'.padStart(6)}`);
  console.log(row('(a) POST /api/v1/video/submit', apiFigures));
  console.log(row('(b) intake + bare workflow.start', bareFigures));
  const ratio = apiFigures.perSecond / bareFigures.perSecond;
  console.log(`  API / bare rate: ${ratio.toFixed(2)}  (goal >= 0.80: ${ratio >= 0.8 ? 'met' : 'NOT met'})`);
  for (const failure of [apiFigures.firstFailure, bareFigures.firstFailure].filter(Boolean)) console.log(`  first failure: ${failure}`);

  console.log('');
  console.log(`  ${'CPU ms per submission, by process'.padEnd(34)} ${[...CPU_PARTS, 'total'].map((part) => part.padStart(9)).join('')}`);
  for (const [side, name, count] of [['api', '(a) API', apiFigures.count], ['bare', '(b) bare', bareFigures.count]] as const) {
    const perSubmission = CPU_PARTS.map((part) => (cpuSpent[side].get(part) ?? 0) / count);
    const cells = [...perSubmission, perSubmission.reduce((sum, ms) => sum + ms, 0)].map((ms) => ms.toFixed(1).padStart(9));
    console.log(`  ${name.padEnd(34)} ${cells.join('')}`);
  }
  console.log(`  (the timed windows only; worker and PostgreSQL work that a submission causes may land partly after its window)`);

  const growth = after.rss - before.rss;
  console.log('');
  console.log(`  ${'worker memory (forced GC, settled)'.padEnd(34)} ${'before'.padStart(10)} ${'after'.padStart(10)} ${'growth'.padStart(10)}`);
  console.log(`  ${'RSS'.padEnd(34)} ${mb(before.rss).padStart(10)} ${mb(after.rss).padStart(10)} ${mb(growth).padStart(10)}`);
  console.log(`  ${'heap used, main thread'.padEnd(34)} ${mb(before.heapUsed).padStart(10)} ${mb(after.heapUsed).padStart(10)} ${mb(after.heapUsed - before.heapUsed).padStart(10)}`);
  console.log(`  ${`heap used, workflow thread${after.threads === 1 ? '' : 's'} (${after.threads})`.padEnd(34)} ${mb(before.threadHeapUsed).padStart(10)} ${mb(after.threadHeapUsed).padStart(10)} ${mb(after.threadHeapUsed - before.threadHeapUsed).padStart(10)}`);
  console.log(`  ${'external + array buffers'.padEnd(34)} ${mb(before.external).padStart(10)} ${mb(after.external).padStart(10)} ${mb(after.external - before.external).padStart(10)}`);
  console.log(`  ${'peak RSS (VmHWM)'.padEnd(34)} ${mb(before.vmHwm).padStart(10)} ${mb(after.vmHwm).padStart(10)}`);
  console.log(
    `  ${parkedAdded} workflows parked on their OTP between the samples (${parkedBefore} before), ${(growth / 1024 / parkedAdded).toFixed(1)} KB RSS each; ` +
      `goal < 100 MB growth for 1000: ${growth * (1000 / parkedAdded) < 100 * 1024 * 1024 ? 'met' : 'NOT met'}${before.gcForced ? '' : ' (GC could not be forced)'}`,
  );
}
