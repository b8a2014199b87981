import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createSql } from '../../db/client.js';
import { PIPELINES } from '../../pipelines/index.js';
import { texturedJpeg } from '../../test/support/images.js';
import { makeClip } from '../../test/support/media.js';
import { checkRun } from './checks.js';
import { runFaults } from './faults.js';
import { createHttp } from './http.js';
import { DRIVERS, type LoadContext } from './load.js';
import { printReport } from './report.js';
import { startChaosWorld } from './world.js';

/**
 * `npm run chaos`: jobs of every pipeline in pipelines/index.ts (at least 100 Close-Up ones) through
 * the public API while the worker is SIGKILLed every few seconds and Temporal and PostgreSQL are
 * each restarted once, on servers of the run's own; then checks that every job ended as expected
 * with an ordered timeline, nothing was sent or paid twice and the DUST balances. Prints a table;
 * exits 1 on any failure. Bounded by --minutes.
 *
 *   npm run chaos -- [--closeup 100] [--others 8] [--load-seconds 300] [--kill-every 6]
 *                    [--down-seconds 6] [--minutes 15] [--keep-scratch]
 */

const { values: flags } = parseArgs({
  options: {
    closeup: { type: 'string', default: '100' },
    others: { type: 'string', default: '8' },
    'load-seconds': { type: 'string', default: '300' },
    'kill-every': { type: 'string', default: '6' },
    'down-seconds': { type: 'string', default: '6' },
    minutes: { type: 'string', default: '15' },
    'keep-scratch': { type: 'boolean', default: false },
  },
});
const number = (name: keyof typeof flags) => {
  const value = Number(flags[name]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
  return value;
};
const command = `npm run chaos -- ${process.argv.slice(2).join(' ')}`.trim();
const say = (line: string) => process.stdout.write(`chaos: ${line}\n`);
const started = Date.now();
const budgetMs = number('minutes') * 60_000;
const loadSeconds = number('load-seconds');

const missing = PIPELINES.map((pipeline) => pipeline.name).filter((name) => !DRIVERS[name]);
if (missing.length) throw new Error(`no chaos driver for pipeline ${missing.join(', ')} (scripts/chaos/load.ts)`);

// The jobs to submit, spread over the load window: Close-Up's share, then each other pipeline's (generation twice: a quarter is cancelled).
const plan = PIPELINES.flatMap((pipeline) => {
  const n = pipeline.name === 'closeup' ? number('closeup') : number('others') * (pipeline.name === 'generation' ? 2 : 1);
  return Array.from({ length: n }, (_, i) => ({ pipeline: pipeline.name, n: i }));
}).sort(() => Math.random() - 0.5);

const world = await startChaosWorld({ keepScratch: flags['keep-scratch'], say });
let exitCode = 1;
try {
  const media = await mkdtemp(join(tmpdir(), 'reelflow-chaos-media-'));
  await makeClip(join(media, 'upload.mp4'), { width: 480, height: 854, fps: 25, seconds: 2 });
  const http = createHttp(world.api.url);
  const context: LoadContext = {
    http,
    config: world.config,
    providers: world.providers,
    photo: await texturedJpeg(900, 1200),
    clip: await readFile(join(media, 'upload.mp4')),
    cancelRequested: new Set(),
    problems: [],
    resends: 0,
  };
  await rm(media, { recursive: true, force: true });

  say(`${plan.length} jobs over ${loadSeconds} s (${PIPELINES.map((p) => `${p.name} ${plan.filter((job) => job.pipeline === p.name).length}`).join(', ')})`);
  const stopFaults = new AbortController();
  const faults = runFaults(
    world,
    { killEverySeconds: number('kill-every'), temporalRestartAt: loadSeconds * 0.3, postgresRestartAt: loadSeconds * 0.65, downSeconds: number('down-seconds') },
    stopFaults.signal,
    say,
  );
  const drivers = plan.map(async (job, index) => {
    await sleep((loadSeconds * 1000 * index) / plan.length);
    const driver = DRIVERS[job.pipeline]!;
    await driver(context, job.n).catch((error: Error) => void context.problems.push(`${job.pipeline} #${job.n}: ${error.message}`));
  });
  await Promise.all(drivers);
  say(`all ${plan.length} submissions done at ${((Date.now() - started) / 1000).toFixed(0)} s; stopping the faults and draining`);
  stopFaults.abort();
  const faultTally = await faults;

  // Drain: every job ends, and so does every workflow (deliveries, children), within the budget.
  const sql = createSql(world.config.DATABASE_URL, { max: 2 });
  const connection = await Connection.connect({ address: world.temporal.address });
  const temporal = new Client({ connection, namespace: 'default' });
  const ended = [...new Set(PIPELINES.flatMap((pipeline) => [...pipeline.terminalStatuses, 'failed']))];
  let openWorkflows = -1;
  for (;;) {
    const [open] = await sql<{ n: number }[]>`select count(*)::int as n from jobs where status <> all(${ended})`;
    openWorkflows = (await temporal.workflow.count('ExecutionStatus="Running"')).count;
    if ((open?.n ?? 0) === 0 && openWorkflows === 0) break;
    if (Date.now() - started > budgetMs) {
      context.problems.push(`time budget spent with ${open?.n} jobs unfinished and ${openWorkflows} workflows open`);
      break;
    }
    await sleep(2000);
  }
  await world.providers.whatsapp.settled();

  const checks = await checkRun(sql, world.providers, context.cancelRequested);
  await sql.end();
  await connection.close();
  const failures = [...context.problems.slice(0, 20), ...checks.failures];
  if (http.tally.serverErrors.length) failures.push(`${http.tally.serverErrors.length} × 500`);
  if (http.tally.unavailableWithoutRetryAfter) failures.push(`${http.tally.unavailableWithoutRetryAfter} × 503 without Retry-After`);
  if (openWorkflows > 0) failures.push(`${openWorkflows} workflows still open`);
  if (world.workers.crashes().length) failures.push(`${world.workers.crashes().length} workers died on their own`);
  printReport({
    command,
    durationSeconds: (Date.now() - started) / 1000,
    faults: { ...faultTally, workerKills: world.workers.kills() },
    http: http.tally,
    checks,
    openWorkflows,
    otpResends: context.resends,
    workerCrashes: world.workers.crashes().length,
    failures,
  });
  for (const crash of world.workers.crashes().slice(0, 3)) process.stdout.write(`--- a worker that died on its own ---\n${crash}\n`);
  exitCode = failures.length ? 1 : 0;
} finally {
  await world.teardown();
}
process.exit(exitCode);
