import type { CheckResult } from './checks.js';
import type { FaultTally } from './faults.js';
import type { HttpTally } from './http.js';

/** The run's figures as plain-text tables (what docs/reliability.md quotes), and its verdict. */
export function printReport(figures: {
  command: string;
  durationSeconds: number;
  faults: FaultTally;
  http: HttpTally;
  checks: CheckResult;
  openWorkflows: number;
  otpResends: number;
  workerCrashes: number;
  failures: string[];
}): void {
  const { checks, http, faults } = figures;
  const lines: string[] = [];
  const row = (cells: (string | number)[], widths: number[]) => lines.push(cells.map((cell, i) => String(cell).padEnd(widths[i] ?? 10)).join('  ').trimEnd());

  lines.push('', `chaos run: ${figures.command}`, '', 'jobs per pipeline and outcome');
  const outcomes = [...new Set([...checks.outcomes.values()].flatMap((byStatus) => [...byStatus.keys()]))].sort();
  const widths = [12, ...outcomes.map((outcome) => Math.max(outcome.length, 5)), 5];
  row(['pipeline', ...outcomes, 'total'], widths);
  for (const [pipeline, byStatus] of [...checks.outcomes].sort()) {
    row([pipeline, ...outcomes.map((outcome) => byStatus.get(outcome) ?? 0), [...byStatus.values()].reduce((a, b) => a + b, 0)], widths);
  }

  lines.push('', 'faults');
  row(['worker SIGKILLs', faults.workerKills], [28, 8]);
  row(['worker starts', faults.workerStarts], [28, 8]);
  row(['Temporal restarts', faults.temporalRestarts], [28, 8]);
  row(['PostgreSQL restarts', faults.postgresRestarts], [28, 8]);
  row(['outages', faults.outages.join(', ')], [28, 8]);

  lines.push('', 'requests by status');
  const statuses = [...http.byStatus].sort(([a], [b]) => a.localeCompare(b));
  for (const [status, n] of statuses) row([status, n], [28, 8]);
  row(['503 without Retry-After', http.unavailableWithoutRetryAfter], [28, 8]);

  lines.push('', 'duplicates and balances');
  row(['WhatsApp sends (duplicates)', `${checks.whatsappSends} (${checks.duplicateWhatsappSends})`], [28, 8]);
  row(['predictions (duplicates)', `${checks.predictions} (${checks.duplicatePredictions.length})`], [28, 8]);
  row(['OTP texts (duplicates)', `${checks.otpTexts} (${checks.duplicateOtpTexts})`], [28, 8]);
  row(['OTP resends (none arrived)', figures.otpResends], [28, 8]);
  row(['DUST accounts (unbalanced)', `${checks.credit.accounts} (${checks.credit.unbalanced.length})`], [28, 8]);
  row(['debits / refunds (wrong)', `${checks.credit.debits} / ${checks.credit.refunds} (${checks.credit.wrongRefunds.length})`], [28, 8]);
  row(['broken timelines', checks.brokenTimelines.length], [28, 8]);
  row(['workflows still open', figures.openWorkflows], [28, 8]);
  row(['workers that died on their own', figures.workerCrashes], [28, 8]);
  row(['duration', `${figures.durationSeconds.toFixed(0)} s`], [28, 8]);

  const details = [...checks.unexpectedEnds, ...checks.brokenTimelines, ...checks.duplicatePredictions, ...checks.credit.unbalanced, ...checks.credit.wrongRefunds, ...http.serverErrors];
  if (details.length) lines.push('', 'details (first 40)', ...details.slice(0, 40).map((line) => `  ${line}`));
  lines.push('', figures.failures.length ? `FAIL: ${figures.failures.join('; ')}` : 'PASS', '');
  process.stdout.write(lines.join('\n'));
}
