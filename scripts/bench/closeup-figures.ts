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

/** Goal 2: per-transition distribution and its median against 15 ms. */
export function orchestrationFigures(figures: CloseupRunFigures, options: CloseupRunOptions, command: string): Figure[] {
  const all = figures.transitions.map((transition) => transition.ms).sort((a, b) => a - b);
  const overall = median(all);
  const byName = new Map<string, number[]>();
  for (const transition of figures.transitions) byName.set(transition.name, [...(byName.get(transition.name) ?? []), transition.ms]);
  return [
    {
      name: `orchestration per stage, ${figures.sent}/${options.jobs} jobs`,
      value: `p50 ${ms(overall)}, p90 ${ms(percentile(all, 90))}, p99 ${ms(percentile(all, 99))}, max ${ms(all.at(-1) ?? NaN)} (${all.length} transitions${failuresNote(figures)})`,
      goal: 'p50 <= 15 ms',
      verdict: atMost(overall, 15),
      command,
    },
    ...[...byName].map(([name, values]) => ({
      name: `  ${name}`,
      value: `p50 ${ms(median(values))}, p90 ${ms(percentile([...values].sort((a, b) => a - b), 90))}`,
      goal: '-',
      verdict: '-',
      command,
    })),
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
