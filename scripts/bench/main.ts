/**
 * `npm run bench`: the six measurements of issue 15 in one run, then one table of figures, goals,
 * ratios and the command that reproduces each.
 *
 *   npm run bench [-- --only store,stitching,orchestration,e2e,submit] [-- --quick]
 *
 *   --only   a comma-separated subset: store (dev server WAL vs default journal), stitching,
 *            orchestration (per stage, instant providers), e2e (Close-Up jobs/min, local
 *            providers), submit (API vs its unavoidable work, and the worker's memory with parked
 *            workflows; `memory` is the same run)
 *   --quick  smaller sizes for a quick look (figures are noisier)
 * Needs what `npm test` needs (PostgreSQL at DATABASE_URL, the Temporal CLI, ffmpeg); each
 * measurement brings up its own servers and database and removes them. Benchmarks are not timed
 * tests: on a shared machine read the ratios, which are measured side by side in one run.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../../lib/config.js';
import { installQuietRuntime } from '../../test/support/harness.js';
import { measureCloseupRun } from './closeup-run.js';
import { endToEndFigures, orchestrationFigures, orchestrationThroughputFigures } from './closeup-figures.js';
import { devStoreFigures, measureDevStore } from './dev-store.js';
import { measureStitching, stitchingFigures } from './stitching.js';
import { measureSubmit, submitFigures } from './submit.js';
import { printTable, type Figure } from './table.js';

const MEASUREMENTS = ['store', 'stitching', 'orchestration', 'e2e', 'submit'] as const;
type Measurement = (typeof MEASUREMENTS)[number];

const { values: flags } = parseArgs({ options: { only: { type: 'string' }, quick: { type: 'boolean', default: false } } });
const wanted = (flags.only ?? MEASUREMENTS.join(',')).split(',').map((name) => (name.trim() === 'memory' ? 'submit' : name.trim()));
const unknown = wanted.filter((name) => !(MEASUREMENTS as readonly string[]).includes(name));
if (unknown.length) throw new Error(`--only: unknown ${unknown.join(', ')}; choose from ${MEASUREMENTS.join(', ')} (or memory)`);
const quick = flags.quick;
const reproduce = (name: Measurement) => `npm run bench -- --only ${name}${quick ? ' --quick' : ''}`;

const sizes = {
  store: { n: quick ? 100 : 400, concurrency: 16 },
  stitching: { repetitions: quick ? 3 : 7, clipSeconds: 10 },
  // Per-transition cost with one job at a time: what a transition costs, not how long it queues
  // behind other jobs' submissions, photo checks and stitching. The bench's API, worker and client
  // share one process and event loop on this 2-core machine, so even a second job in flight put
  // its work in front of the first one's workflow tasks (waiting for a worker: ~60 ms per
  // transition at 2 in flight against ~10 ms at 1). All jobs at once is the throughput figure beside it.
  orchestration: { jobs: quick ? 30 : 200, inFlight: 1, render: false },
  orchestrationThroughput: { jobs: quick ? 30 : 200, inFlight: quick ? 30 : 200, render: false },
  e2e: { jobs: quick ? 20 : 60, inFlight: 20, render: true },
  submit: { n: quick ? 60 : 300, concurrency: 16, parked: quick ? 200 : 1000, photoSide: 480 },
};

const config = loadConfigOrExit();
// Before any Temporal connection in this process: the SDK's own logs at WARN.
installQuietRuntime();
const load = () => loadavg().map((value) => value.toFixed(2)).join(', ');
console.log(`bench: ${wanted.join(', ')}${quick ? ' (quick sizes)' : ''}; load average ${load()} on this machine`);

const runs: Record<Measurement, () => Promise<Figure[]>> = {
  store: async () => devStoreFigures(await measureDevStore(sizes.store), reproduce('store')),
  stitching: async () => stitchingFigures(await measureStitching(config, sizes.stitching), sizes.stitching),
  orchestration: async () => [
    ...orchestrationFigures(await measureCloseupRun(sizes.orchestration), sizes.orchestration, reproduce('orchestration')),
    ...orchestrationThroughputFigures(await measureCloseupRun(sizes.orchestrationThroughput), sizes.orchestrationThroughput, reproduce('orchestration')),
  ],
  e2e: async () => endToEndFigures(await measureCloseupRun(sizes.e2e), sizes.e2e, reproduce('e2e')),
  submit: async () => submitFigures(await measureSubmit(sizes.submit), sizes.submit),
};

const figures: Figure[] = [];
for (const name of MEASUREMENTS) {
  if (!wanted.includes(name)) continue;
  const started = performance.now();
  console.log(`${name}: running (load average ${load()})`);
  try {
    figures.push(...(await runs[name]()));
  } catch (error) {
    figures.push({ name: `${name}: did not finish`, value: (error as Error).message.split('\n')[0]!, goal: '-', verdict: 'failed', command: reproduce(name) });
  }
  console.log(`${name}: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
printTable(figures);
console.log(`\nload average at the end ${load()} (1, 5, 15 min; this machine has 2 cores shared with other work)`);
process.exitCode = figures.some((figure) => figure.verdict === 'failed') ? 1 : 0;
