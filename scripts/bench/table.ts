/**
 * The one table `npm run bench` prints: each figure with its value, the goal, the ratio to
 * that goal (or met / NOT met) and the command that reproduces it alone.
 */

export interface Figure {
  /** What was measured, e.g. "stitch copy / bare concat". */
  name: string;
  /** The measured value with its unit, as printed. */
  value: string;
  /** The goal as printed ("<= 1.50"); "-" when the figure is informational. */
  goal: string;
  /** "met" / "NOT met" with the margin, or "-" when there is no goal. */
  verdict: string;
  /** The command that measures this figure alone. */
  command: string;
}

/** Median of a non-empty list; NaN for an empty one. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The p-th percentile (nearest rank) of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** "met (0.62 of the limit)" or "NOT met (1.34 of the limit)" for a value that must stay at or under `limit`. */
export function atMost(value: number, limit: number): string {
  return `${value <= limit ? 'met' : 'NOT met'} (${(value / limit).toFixed(2)}x limit)`;
}

/** The same for a value that must reach at least `floor`. */
export function atLeast(value: number, floor: number): string {
  return `${value >= floor ? 'met' : 'NOT met'} (${(value / floor).toFixed(2)}x goal)`;
}

export function printTable(figures: readonly Figure[]): void {
  const headers: Figure = { name: 'figure', value: 'value', goal: 'goal', verdict: 'ratio / pass', command: 'reproduce with' };
  const columns = ['name', 'value', 'goal', 'verdict'] as const;
  const widths = Object.fromEntries(columns.map((column) => [column, Math.max(...[headers, ...figures].map((figure) => figure[column].length))])) as Record<
    (typeof columns)[number],
    number
  >;
  const line = (figure: Figure) => `  ${columns.map((column) => figure[column].padEnd(widths[column])).join('  ')}  ${figure.command}`;
  console.log('');
  console.log(line(headers));
  console.log(`  ${columns.map((column) => '-'.repeat(widths[column])).join('  ')}  ${'-'.repeat(14)}`);
  for (const figure of figures) console.log(line(figure));
}
