import type { Sql } from '../../db/client.js';
import { PIPELINES } from '../../pipelines/index.js';
import type { ChaosProviders } from './providers.js';

/**
 * What must hold once the load has drained, read from the run's database and counted at the
 * provider fakes. Each failed check is a line in `failures`; the figures feed the report.
 */

export interface CheckResult {
  /** pipeline → outcome (the job's final status) → jobs. */
  outcomes: Map<string, Map<string, number>>;
  unexpectedEnds: string[];
  brokenTimelines: string[];
  whatsappSends: number;
  duplicateWhatsappSends: number;
  predictions: number;
  duplicatePredictions: string[];
  otpTexts: number;
  duplicateOtpTexts: number;
  credit: { accounts: number; unbalanced: string[]; debits: number; refunds: number; wrongRefunds: string[] };
  failures: string[];
}

/** A pipeline's success: the first of its terminal statuses (closeup `sent`, the others `completed`). */
function success(pipeline: string): string {
  const definition = PIPELINES.find((candidate) => candidate.name === pipeline);
  return definition?.terminalStatuses[0] ?? 'completed';
}

/** The input with its URLs' query strings (signatures, expiry) dropped: the same request again looks the same. */
function predictionKey(version: string, input: Record<string, unknown>): string {
  return `${version} ${JSON.stringify(input, (_key, value: unknown) => (typeof value === 'string' && /^https?:\/\//.test(value) ? value.split('?')[0] : value))}`;
}

export async function checkRun(sql: Sql, providers: ChaosProviders, cancelRequested: ReadonlySet<string>): Promise<CheckResult> {
  const failures: string[] = [];
  const jobs = await sql<{ id: string; key: string; pipeline: string; status: string; stage: string | null; error: string | null; event_seq: number }[]>`
    select id::text, key::text, pipeline, status, stage, concat_ws(' ', failed_stage, error_code, error_message) as error, event_seq from jobs order by id`;
  const outcomes = new Map<string, Map<string, number>>();
  const unexpectedEnds: string[] = [];
  for (const job of jobs) {
    const byStatus = outcomes.get(job.pipeline) ?? new Map<string, number>();
    byStatus.set(job.status, (byStatus.get(job.status) ?? 0) + 1);
    outcomes.set(job.pipeline, byStatus);
    const expected = cancelRequested.has(job.key) ? [success(job.pipeline), 'cancelled'] : [success(job.pipeline)];
    if (!expected.includes(job.status)) unexpectedEnds.push(`${job.pipeline} job ${job.id} is ${job.status} (stage ${job.stage}${job.error ? `; ${job.error.slice(0, 300)}` : ''}), expected ${expected.join(' or ')}`);
  }

  // A complete, ordered timeline: seq 1..event_seq with no gap, the last status event is the job's
  // status, and no stage comes back after another one began.
  const events = await sql<{ job_id: string; seq: number; kind: string; status: string; stage: string | null }[]>`
    select job_id::text, seq, kind, status, stage from job_events order by job_id, seq`;
  const byJob = new Map<string, (typeof events)[number][]>();
  for (const event of events) {
    const log = byJob.get(event.job_id) ?? [];
    log.push(event);
    byJob.set(event.job_id, log);
  }
  const brokenTimelines: string[] = [];
  for (const job of jobs) {
    const log = byJob.get(job.id) ?? [];
    const gap = log.findIndex((event, index) => event.seq !== index + 1);
    if (log.length !== job.event_seq || gap >= 0) brokenTimelines.push(`${job.pipeline} job ${job.id}: ${log.length} events, event_seq ${job.event_seq}${gap >= 0 ? `, seq ${log[gap]?.seq} at position ${gap + 1}` : ''}`);
    const statuses = log.filter((event) => event.kind === 'status');
    if (statuses.at(-1)?.status !== job.status) brokenTimelines.push(`${job.pipeline} job ${job.id}: last status event ${statuses.at(-1)?.status}, job ${job.status}`);
    const seen: string[] = [];
    for (const event of statuses) {
      if (!event.stage || event.stage === seen.at(-1)) continue;
      if (seen.includes(event.stage)) brokenTimelines.push(`${job.pipeline} job ${job.id}: stage ${event.stage} again after ${seen.at(-1)}`);
      seen.push(event.stage);
    }
  }

  // One WhatsApp message per job: every Close-Up job has a number of its own.
  const perRecipient = new Map<string, number>();
  for (const message of providers.whatsapp.messages) perRecipient.set(message.to, (perRecipient.get(message.to) ?? 0) + 1);
  const duplicateWhatsappSends = [...perRecipient.values()].reduce((sum, n) => sum + n - 1, 0);

  const perInput = new Map<string, number>();
  for (const create of providers.predictions.creates) {
    const key = predictionKey(create.version, create.input);
    perInput.set(key, (perInput.get(key) ?? 0) + 1);
  }
  const duplicatePredictions = [...perInput].filter(([, n]) => n > 1).map(([key, n]) => `${n}× ${key.slice(0, 200)}`);

  // One text per OTP reservation: a reservation's code is sent once, so the same text twice is a duplicate.
  const perText = new Map<string, number>();
  for (const receipt of providers.sms.received) perText.set(`${receipt.to} ${receipt.text}`, (perText.get(`${receipt.to} ${receipt.text}`) ?? 0) + 1);
  const duplicateOtpTexts = [...perText.values()].reduce((sum, n) => sum + n - 1, 0);
  const [reservations] = await sql<{ sent: number }[]>`select count(*)::int as sent from user_otp where sent_at is not null`;
  if (providers.sms.received.length > (reservations?.sent ?? 0)) failures.push(`${providers.sms.received.length} OTP texts for ${reservations?.sent} sent reservations`);

  // DUST: each balance is its ledger's sum; a job debited once, refunded once exactly when it failed or was cancelled.
  const unbalanced = (
    await sql<{ id: string; balance: number; ledger: number }[]>`
      select a.id, a.dust_balance as balance, coalesce(sum(l.amount), 0)::int as ledger
      from accounts a left join credit_ledger l on l.account_id = a.id group by a.id having a.dust_balance <> coalesce(sum(l.amount), 0)`
  ).map((row) => `account ${row.id}: balance ${row.balance}, ledger ${row.ledger}`);
  const [accounts] = await sql<{ n: number }[]>`select count(*)::int as n from accounts`;
  const charged = await sql<{ id: string; pipeline: string; status: string; debits: number; refunds: number }[]>`
    select j.id::text, j.pipeline, j.status,
           count(*) filter (where l.kind = 'debit')::int as debits, count(*) filter (where l.kind = 'refund')::int as refunds
    from jobs j left join credit_ledger l on l.job_id = j.id
    where j.pipeline in (select distinct jj.pipeline from credit_ledger ll join jobs jj on jj.id = ll.job_id)
    group by j.id, j.pipeline, j.status`;
  const wrongRefunds = charged
    .filter((job) => job.debits !== 1 || job.refunds !== (['failed', 'cancelled'].includes(job.status) ? 1 : 0))
    .map((job) => `${job.pipeline} job ${job.id} (${job.status}): ${job.debits} debits, ${job.refunds} refunds`);

  const sent = outcomes.get('closeup')?.get('sent') ?? 0;
  if (providers.whatsapp.messages.length - duplicateWhatsappSends !== sent) failures.push(`${providers.whatsapp.messages.length} WhatsApp messages for ${sent} sent jobs`);
  if (unexpectedEnds.length) failures.push(`${unexpectedEnds.length} jobs not in their expected end state`);
  if (brokenTimelines.length) failures.push(`${brokenTimelines.length} broken timelines`);
  if (duplicateWhatsappSends) failures.push(`${duplicateWhatsappSends} duplicate WhatsApp sends`);
  if (duplicatePredictions.length) failures.push(`${duplicatePredictions.length} duplicate predictions`);
  if (duplicateOtpTexts) failures.push(`${duplicateOtpTexts} duplicate OTP texts`);
  if (unbalanced.length || wrongRefunds.length) failures.push(`credits: ${unbalanced.length} unbalanced accounts, ${wrongRefunds.length} jobs debited/refunded wrongly`);
  return {
    outcomes,
    unexpectedEnds,
    brokenTimelines,
    whatsappSends: providers.whatsapp.messages.length,
    duplicateWhatsappSends,
    predictions: providers.predictions.creates.length,
    duplicatePredictions,
    otpTexts: providers.sms.received.length,
    duplicateOtpTexts,
    credit: { accounts: accounts?.n ?? 0, unbalanced, debits: charged.reduce((s, j) => s + j.debits, 0), refunds: charged.reduce((s, j) => s + j.refunds, 0), wrongRefunds },
    failures,
  };
}
