import { KINDS } from './requests.js';
import type { FuzzFigures } from './run.js';

/** The run's figures as the table `npm run fuzz` prints last. */
export function formatReport(figures: FuzzFigures, command: string): string {
  const rows: [string, string][] = [
    ['requests', `${figures.requests} over ${figures.operations} operations of /openapi.json${figures.shrinkRequests ? ` (+${figures.shrinkRequests} while shrinking)` : ''}`],
    ...KINDS.map((kind): [string, string] => [`  ${kind}`, String(figures.byKind[kind])]),
    ['statuses', [...figures.statuses].sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => `${status}×${n}`).join(' ')],
    ['5xx', String(figures.fiveXx)],
    ['refusals outside the error shape', String(figures.shapeFailures)],
    ['leaks (rows, objects, workflows)', String(figures.leaks)],
    ['findings', String(figures.findings.length)],
    ['time', `${(figures.durationMs / 1000).toFixed(1)} s`],
    ['seed', String(figures.seed)],
    ['replay', command],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n');
}
