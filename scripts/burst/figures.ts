import type { ProviderRates } from '../chaos/providers.js';
import { percentile, printRows } from '../bench/table.js';
import { STACK_NAMES, type StackName } from './stacks.js';
import type { JobOutcomes } from './follow.js';
import type { BurstLoad } from './load.js';

/**
 * The burst's figures for one stack, and the one table that puts the stacks side by side: each
 * figure a row, each stack a column, with the goal and the command that reproduces the row.
 */

export type Provider = keyof ProviderRates;
export const PROVIDERS: readonly Provider[] = ['groq', 'sms', 'whatsapp', 'predictions'];

export interface StackFigures {
  submissions: number;
  accepted: number;
  acceptedPerSecond: number;
  submitP50Ms: number;
  submitP99Ms: number;
  verified: number;
  /** First submit sent to the last job's `sent`, s. */
  completionSeconds: number;
  /** Per job, its submit to its `sent`, s. */
  jobP50Seconds: number;
  jobP99Seconds: number;
  tooManyRequests: Record<Provider, number>;
  /** Accepted but never sent. */
  notSent: number;
  duplicateSends: number;
}

/** A stack's column: its figures, or why there are none. */
export type Column = { figures: StackFigures } | { failed: string };

export function stackFigures(submissions: number, load: BurstLoad, outcomes: JobOutcomes, tooManyRequests: Record<Provider, number>): StackFigures {
  const latencies = load.accepted.map((job) => job.latencyMs).sort((a, b) => a - b);
  const perJob = load.accepted
    .filter((job) => outcomes.sentAt.has(job.jobId))
    .map((job) => (outcomes.sentAt.get(job.jobId)! - job.submittedAt) / 1000)
    .sort((a, b) => a - b);
  const firstSubmit = Math.min(...load.accepted.map((job) => job.submittedAt));
  const lastSent = Math.max(...outcomes.sentAt.values());
  return {
    submissions,
    accepted: load.accepted.length,
    acceptedPerSecond: load.accepted.length / (load.submitWindowMs / 1000),
    submitP50Ms: percentile(latencies, 50),
    submitP99Ms: percentile(latencies, 99),
    verified: load.verified,
    completionSeconds: outcomes.sentAt.size ? (lastSent - firstSubmit) / 1000 : NaN,
    jobP50Seconds: percentile(perJob, 50),
    jobP99Seconds: percentile(perJob, 99),
    tooManyRequests,
    notSent: outcomes.notSent.length,
    duplicateSends: outcomes.duplicateSends,
  };
}

interface Row {
  name: string;
  cell: (figures: StackFigures) => string;
  goal: string;
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

const ROWS: readonly Row[] = [
  { name: 'submissions accepted (otp_sent)', cell: (f) => `${f.accepted} / ${f.submissions}`, goal: 'all' },
  { name: 'accepted submissions/s', cell: (f) => fixed(f.acceptedPerSecond, 1), goal: '-' },
  { name: 'submit latency p50 / p99 (ms)', cell: (f) => `${fixed(f.submitP50Ms, 0)} / ${fixed(f.submitP99Ms, 0)}`, goal: '-' },
  { name: 'verified with the texted code', cell: (f) => `${f.verified} / ${f.accepted}`, goal: 'all' },
  { name: 'first submit to last sent (s)', cell: (f) => fixed(f.completionSeconds, 1), goal: '-' },
  { name: 'per job, submit to sent p50 / p99 (s)', cell: (f) => `${fixed(f.jobP50Seconds, 1)} / ${fixed(f.jobP99Seconds, 1)}`, goal: '-' },
  ...PROVIDERS.map((provider) => ({ name: `429s at the ${provider} fake`, cell: (f: StackFigures) => String(f.tooManyRequests[provider]), goal: '0' })),
  { name: 'jobs lost (never sent + sent twice)', cell: (f) => `${f.notSent + f.duplicateSends} (${f.notSent} + ${f.duplicateSends})`, goal: '0' },
];

/** Whether a stack's figures meet every goal. */
export function passes(figures: StackFigures): boolean {
  return (
    figures.accepted === figures.submissions &&
    figures.verified === figures.accepted &&
    PROVIDERS.every((provider) => figures.tooManyRequests[provider] === 0) &&
    figures.notSent + figures.duplicateSends === 0
  );
}

/** `command(stack)`: the command that reproduces that stack's column (`undefined`: the stack was not run). */
export function printBurstTable(columns: Partial<Record<StackName, Column>>, command: (stacks: readonly StackName[]) => string): void {
  const stacks = STACK_NAMES.filter((name) => columns[name]);
  const cell = (column: Column, row: Row) => ('figures' in column ? row.cell(column.figures) : 'failed');
  const measured = stacks.filter((name) => columns[name] && 'figures' in columns[name]);
  printRows(
    ['figure', ...stacks, 'goal', 'reproduce with'],
    ROWS.map((row) => [row.name, ...stacks.map((name) => cell(columns[name]!, row)), row.goal, command(measured.length ? measured : stacks)]),
  );
  for (const name of stacks) {
    const column = columns[name]!;
    if ('failed' in column) console.log(`  ${name}: FAILED: ${column.failed}`);
    else console.log(`  ${name}: ${passes(column.figures) ? 'PASS (every goal met)' : 'FAIL (a goal not met)'}`);
  }
}
