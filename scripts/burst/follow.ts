import { setTimeout as sleep } from 'node:timers/promises';
import { createSql } from '../../db/client.js';
import type { WhatsAppCloudFake } from '../../test/fakes/whatsapp-cloud.js';
import type { Accepted } from './load.js';

/**
 * Follows every accepted job to `sent` (the WhatsApp message accepted by the Cloud API fake and
 * the job's status written), reading the run's database: waits while jobs keep moving, gives up
 * after `stallMs` without one more job ending. Then reads when each job was sent, from its
 * timeline, and counts the messages the fake received per number (a second one is a duplicate).
 */

export interface JobOutcomes {
  /** Job id → epoch ms of its `sent` status event. */
  sentAt: Map<number, number>;
  /** Accepted jobs that did not reach `sent`: id, status and error. */
  notSent: string[];
  /** WhatsApp messages beyond the first to a number. */
  duplicateSends: number;
}

export async function followJobs(options: {
  databaseUrl: string;
  accepted: readonly Accepted[];
  whatsapp: WhatsAppCloudFake;
  stallMs: number;
  /** Called every `reportEveryMs` with the counts so far. */
  progress: (line: string) => void;
  reportEveryMs?: number;
}): Promise<JobOutcomes> {
  const sql = createSql(options.databaseUrl, { max: 2 });
  const ids = options.accepted.map((job) => String(job.jobId));
  try {
    let ended = -1;
    let lastChange = Date.now();
    let lastReport = Date.now();
    for (;;) {
      const [counts] = await sql<{ sent: number; failed: number }[]>`
        select count(*) filter (where status = 'sent')::int as sent, count(*) filter (where status = 'failed')::int as failed
        from jobs where id = any(${ids}::bigint[])`;
      const sent = counts?.sent ?? 0;
      const failed = counts?.failed ?? 0;
      if (sent + failed !== ended) [ended, lastChange] = [sent + failed, Date.now()];
      if (Date.now() - lastReport >= (options.reportEveryMs ?? 15_000)) {
        options.progress(`${sent}/${ids.length} sent, ${failed} failed`);
        lastReport = Date.now();
      }
      if (ended === ids.length) break;
      if (Date.now() - lastChange > options.stallMs) {
        options.progress(`no job ended for ${Math.round(options.stallMs / 1000)} s: ${ids.length - ended} left unfinished`);
        break;
      }
      await sleep(1000);
    }
    await options.whatsapp.settled();

    const sentRows = await sql<{ job_id: string; at: Date }[]>`
      select job_id::text, min(created_at) as at from job_events
      where job_id = any(${ids}::bigint[]) and kind = 'status' and status = 'sent' group by job_id`;
    const sentAt = new Map(sentRows.map((row) => [Number(row.job_id), row.at.getTime()]));
    const others = await sql<{ id: string; status: string; stage: string | null; error: string | null }[]>`
      select id::text, status, stage, concat_ws(' ', failed_stage, error_code, error_message) as error
      from jobs where id = any(${ids}::bigint[]) and status <> 'sent' order by id`;
    const notSent = others.map((job) => `job ${job.id} ${job.status} (stage ${job.stage ?? '-'}${job.error ? `; ${job.error.slice(0, 200)}` : ''})`);
    // Accepted jobs without a row at all are lost too.
    const known = new Set([...sentRows.map((row) => row.job_id), ...others.map((job) => job.id)]);
    for (const id of ids) if (!known.has(id)) notSent.push(`job ${id}: no row`);

    const perNumber = new Map<string, number>();
    for (const message of options.whatsapp.messages) perNumber.set(message.to, (perNumber.get(message.to) ?? 0) + 1);
    const duplicateSends = [...perNumber.values()].reduce((sum, n) => sum + n - 1, 0);
    return { sentAt, notSent, duplicateSends };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
