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
  printRows(
    ['figure', 'value', 'goal', 'ratio / pass', 'reproduce with'],
    figures.map((figure) => [figure.name, figure.value, figure.goal, figure.verdict, figure.command]),
  );
}

/** A plain-text table: each column padded to its widest cell, the last (a command) left as it is. */
export function printRows(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.slice(0, -1).map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => `  ${[...widths.map((width, column) => (cells[column] ?? '').padEnd(width)), cells[widths.length] ?? ''].join('  ')}`;
  console.log('');
  console.log(line(headers));
  console.log(line([...widths.map((width) => '-'.repeat(width)), '-'.repeat(14)]));
  for (const row of rows) console.log(line(row));
}
