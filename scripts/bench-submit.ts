/**
 * Submission benchmark alone (scripts/bench/submit.ts): POST /api/v1/video/submit against the
 * submission's unavoidable work done bare (intake normalisation of the same photo, then
 * client.workflow.start), in ABBA rounds on one stack of its own, and the worker's memory with
 * `--parked` workflows waiting for their OTP.
 *
 *   npx tsx scripts/bench-submit.ts [--n 300] [--concurrency 16] [--parked 1000] [--photo-side 480] [--cpu-prof DIR]
 *
 *   --n            submissions per side (API and bare), default 300
 *   --concurrency  requests / starts in flight, default 16
 *   --parked       workflows added between the two memory samples, default 1000 (the timed
 *                  submissions count towards it; the rest are submitted through the API)
 *   --photo-side   short side of the selfie JPEG (4:3 portrait), default 480
 *   --cpu-prof DIR write a V8 CPU profile of the API process to DIR (open it in Chrome DevTools)
 * Needs PostgreSQL at DATABASE_URL (its server; the database name is replaced) and the Temporal CLI
 * at TEMPORAL_CLI or .tools/bin/temporal (scripts/ensure-tools.sh builds it).
 */
import { parseArgs } from 'node:util';
import { printReport } from './bench/figures.js';
import { measureSubmit, submitFigures } from './bench/submit.js';
import { printTable } from './bench/table.js';

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '16' },
    parked: { type: 'string', default: '1000' },
    'photo-side': { type: 'string', default: '480' },
    'cpu-prof': { type: 'string' },
  },
});
const options = {
  n: Number(flags.n),
  concurrency: Number(flags.concurrency),
  parked: Number(flags.parked),
  photoSide: Number(flags['photo-side']),
  ...(flags['cpu-prof'] ? { cpuProfileDir: flags['cpu-prof'] } : {}),
};
for (const [name, value] of Object.entries({ n: options.n, concurrency: options.concurrency, parked: options.parked, 'photo-side': options.photoSide })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
}

const report = await measureSubmit(options);
printReport(report);
printTable(submitFigures(report, options));
