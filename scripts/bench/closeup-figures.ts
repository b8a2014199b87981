import type { CloseupRunFigures, CloseupRunOptions } from './closeup-run.js';
import { atLeast, atMost, median, percentile, type Figure } from './table.js';

/**
 * The bench table's lines for the Close-Up runs (scripts/bench/closeup-run.ts): orchestration per
 * stage transition (goal: median <= 15 ms) and end-to-end jobs per minute with the share of time
 * per status (a figure for this machine; the issue sets no number).
 */

const ms = (value: number) => `${value.toFixed(0)} ms`;

function failuresNote(figures: CloseupRunFigures): string {
  return figures.failures ? `; ${figures.failures} failed (${figures.firstFailure})` : '';
}

const distribution = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${ms(median(sorted))}, p90 ${ms(percentile(sorted, 90))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted.at(-1) ?? NaN)}`;
};

/**
 * Goal 2: the per-transition distribution (to the next activity scheduled) and its median against
 * 15 ms, with `options.inFlight` jobs at a time; then each transition apart, how long the next
 * activity waited for a worker, and where the transitions' time went (mean per transition).
 */
export function orchestrationFigures(figures: CloseupRunFigures, options: CloseupRunOptions, command: string): Figure[] {
  const all = figures.transitions.map((transition) => transition.ms);
  const overall = median(all);
  const line = (name: string, value: string): Figure => ({ name: `  ${name}`, value, goal: '-', verdict: '-', command });
  const byName = new Map<string, number[]>();
  for (const transition of figures.transitions) byName.set(transition.name, [...(byName.get(transition.name) ?? []), transition.ms]);
  const segments = new Map<string, number>();
  for (const transition of figures.transitions) for (const [segment, spent] of transition.segments) segments.set(segment, (segments.get(segment) ?? 0) + spent);
  const pickups = figures.transitions.flatMap((transition) => (transition.pickupMs === undefined ? [] : [transition.pickupMs]));
  return [
    {
      name: `orchestration per stage, ${figures.sent}/${options.jobs} jobs, ${options.inFlight} at a time`,
      value: `${distribution(all)} (${all.length} transitions${failuresNote(figures)})`,
      goal: 'p50 <= 15 ms',
      verdict: atMost(overall, 15),
      command,
    },
    line(`why ${options.inFlight} at a time`, 'the cost of a transition, not its wait behind other jobs in the one process (API + worker) and on 2 cores; all at once: the throughput line'),
    ...[...byName].map(([name, values]) => line(name, distribution(values))),
    line('then the next activity waits for a worker', distribution(pickups)),
    ...[...segments]
      .sort((a, b) => b[1] - a[1])
      .map(([segment, spent]) => line(`spent in ${segment}`, `${ms(spent / all.length)} per transition (mean)`)),
    line('CPU of API + worker process', `${ms(figures.cpuMs / Math.max(1, figures.sent))} per job`),
  ];
}

/**
 * The same run with every job in flight at once: on this machine's 2 cores it measures the CPU
 * queue (submissions, photo checks and stitching of 200 jobs contend for the worker), so it is
 * printed as a throughput figure beside the per-transition one, not against the goal.
 */
export function orchestrationThroughputFigures(figures: CloseupRunFigures, options: CloseupRunOptions, command: string): Figure[] {
  return [
    {
      name: `orchestration, all ${options.inFlight} jobs in flight (throughput)`,
      value: `${(figures.transitions.length / (figures.wallMs / 1000)).toFixed(1)} transitions/s, ${(figures.sent / (figures.wallMs / 60_000)).toFixed(0)} jobs/min; transitions ${distribution(figures.transitions.map((transition) => transition.ms))}${failuresNote(figures)}`,
      goal: '(a figure)',
      verdict: figures.sent === options.jobs ? '-' : atLeast(figures.sent, options.jobs),
      command,
    },
  ];
}

/** Goal 4: jobs completed per minute with `inFlight` in flight, and where their time went. */
export function endToEndFigures(figures: CloseupRunFigures, options: CloseupRunOptions, command: string): Figure[] {
  const perMinute = figures.sent / (figures.wallMs / 60_000);
  const total = [...figures.timeInStatus.values()].reduce((sum, value) => sum + value, 0);
  const shares = [...figures.timeInStatus]
    .filter(([, spent]) => spent / total >= 0.005)
    .map(([status, spent]) => `${status} ${((100 * spent) / total).toFixed(0)}%`)
    .join(', ');
  const lipsync = options.render ? 'local ffmpeg lip-sync' : 'instant lip-sync';
  return [
    {
      name: `end to end: Close-Up, ${options.inFlight} in flight, ${lipsync}`,
      value: `${perMinute.toFixed(1)} jobs/min (${figures.sent}/${options.jobs} sent in ${(figures.wallMs / 1000).toFixed(0)} s${failuresNote(figures)})`,
      goal: '(a figure)',
      verdict: figures.sent === options.jobs ? '-' : atLeast(figures.sent, options.jobs),
      command,
    },
    { name: '  share of job time by status', value: shares, goal: '-', verdict: '-', command },
  ];
}
