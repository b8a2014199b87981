import type { Sql } from './client.js';

/**
 * The deliveries read model: one row per job (0003_deliveries.sql), written by the delivery
 * activity and by the WhatsApp status webhook.
 */

export const DELIVERY_STATUSES = ['pending', 'sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export type WhatsAppStatus = Exclude<DeliveryStatus, 'pending'>;

/**
 * Status only moves forward: read > delivered > failed > sent > pending. A late `sent` never
 * hides `read`; `failed` after `delivered` is ignored, `delivered` after `failed` wins (the
 * message did arrive).
 */
export interface DeliveryRow {
  job_id: number;
  provider: 'outbox' | 'cloud';
  status: DeliveryStatus;
  media_id: string | null;
  media_uploaded_at: Date | null;
  send_started_at: Date | null;
  send_attempts: number;
  message_id: string | null;
  error_code: string | null;
}

/** The job's delivery row, created pending on the first attempt. */
export async function ensureDelivery(sql: Sql, jobId: number, provider: DeliveryRow['provider']): Promise<DeliveryRow> {
  await sql`insert into deliveries (job_id, provider) values (${jobId}, ${provider}) on conflict (job_id) do nothing`;
  const [row] = await sql<DeliveryRow[]>`
    select job_id, provider, status, media_id, media_uploaded_at, send_started_at, send_attempts, message_id, error_code
    from deliveries where job_id = ${jobId}`;
  if (!row) throw new Error(`delivery row of job ${jobId} vanished`);
  return row;
}

export async function saveMediaId(sql: Sql, jobId: number, mediaId: string): Promise<void> {
  await sql`update deliveries set media_id = ${mediaId}, media_uploaded_at = now(), updated_at = now() where job_id = ${jobId}`;
}

/**
 * Claims the send for this attempt: succeeds only if no other attempt claimed one since `seenAttempts`
 * was read. Returns the attempt number, or undefined when another attempt got there first.
 */
export async function claimSend(sql: Sql, jobId: number, provider: DeliveryRow['provider'], seenAttempts: number): Promise<number | undefined> {
  const [row] = await sql<{ send_attempts: number }[]>`
    update deliveries
    set send_started_at = now(), send_attempts = send_attempts + 1, provider = ${provider}, updated_at = now()
    where job_id = ${jobId} and message_id is null and send_attempts = ${seenAttempts}
    returning send_attempts`;
  return row?.send_attempts;
}

/** Stores the provider's message id; false when another attempt already stored one. */
export async function saveMessageId(sql: Sql, jobId: number, messageId: string): Promise<boolean> {
  const rows = await sql`
    update deliveries
    set message_id = ${messageId}, status = 'sent', sent_at = now(), status_at = now(),
        error_code = null, error_message = null, updated_at = now()
    where job_id = ${jobId} and message_id is null
    returning job_id`;
  if (rows.length > 0) await applyStatusEvents(sql, messageId);
  return rows.length > 0;
}

/**
 * Records a failed upload or send. `outcomeKnown`: the provider answered with an error, so
 * nothing was sent and the next attempt need not wait for a status webhook.
 */
export async function recordDeliveryError(
  sql: Sql,
  jobId: number,
  error: { code: string; message: string; final: boolean; outcomeKnown: boolean; attempt?: number },
): Promise<void> {
  await sql`
    update deliveries
    set error_code = ${error.code}, error_message = ${error.message.slice(0, 500)},
        status = case when ${error.final} then 'failed' else status end,
        send_started_at = case when ${error.outcomeKnown} and send_attempts = ${error.attempt ?? -1} then null else send_started_at end,
        updated_at = now()
    where job_id = ${jobId} and message_id is null`;
}

/**
 * What an earlier, unconfirmed send left behind: the message id a status webhook reported for
 * this job, if any, and how long (by the database clock) the grace period still runs.
 */
export async function findUnconfirmedSend(sql: Sql, jobId: number, graceMs: number): Promise<{ messageId: string | undefined; remainingMs: number }> {
  const [row] = await sql<{ message_id: string | null; remaining_ms: number }[]>`
    select
      (select message_id from whatsapp_status_events where job_id = ${jobId} order by occurred_at, received_at limit 1) as message_id,
      greatest(0, extract(epoch from (send_started_at + make_interval(secs => ${graceMs / 1000}) - now())) * 1000)::float8 as remaining_ms
    from deliveries where job_id = ${jobId}`;
  return { messageId: row?.message_id ?? undefined, remainingMs: row?.remaining_ms ?? 0 };
}

export interface StatusEvent {
  messageId: string;
  status: WhatsAppStatus;
  /** From biz_opaque_callback_data; when absent, taken from the delivery that holds the message id. */
  jobId: number | undefined;
  occurredAt: Date;
  errorCode: string | undefined;
  /** The event as received, with the recipient's number masked. */
  payload: Record<string, unknown>;
}

/** Stores a status event once (Meta redelivers webhooks) and moves the delivery forward; false for a duplicate. */
export async function recordStatusEvent(sql: Sql, event: StatusEvent): Promise<boolean> {
  const inserted = await sql`
    insert into whatsapp_status_events (message_id, status, job_id, occurred_at, error_code, payload)
    values (
      ${event.messageId}, ${event.status},
      coalesce(${event.jobId ?? null}::bigint, (select job_id from deliveries where message_id = ${event.messageId})),
      ${event.occurredAt}, ${event.errorCode ?? null}, ${sql.json(event.payload as Parameters<Sql['json']>[0])}
    )
    on conflict (message_id, status) do nothing
    returning message_id`;
  if (inserted.length === 0) return false;
  await applyStatusEvents(sql, event.messageId);
  return true;
}

/** Brings the delivery holding `messageId` to the furthest status its events report. */
async function applyStatusEvents(sql: Sql, messageId: string): Promise<void> {
  await sql`
    update deliveries d
    set status = e.status, status_at = e.occurred_at,
        error_code = case when e.status = 'failed' then e.error_code end,
        error_message = case when e.status = 'failed' then coalesce(e.payload #>> '{errors,0,message}', e.payload #>> '{errors,0,title}') end,
        updated_at = now()
    from (
      select status, occurred_at, error_code, payload from whatsapp_status_events
      where message_id = ${messageId}
      order by array_position(array['pending','sent','failed','delivered','read'], status) desc limit 1
    ) e
    where d.message_id = ${messageId}
      and array_position(array['pending','sent','failed','delivered','read'], e.status)
        > array_position(array['pending','sent','failed','delivered','read'], d.status)`;
}

/** Adopts the message an earlier attempt sent (known from its status webhook) as the job's message. */
export async function adoptMessageId(sql: Sql, jobId: number, messageId: string): Promise<void> {
  await sql`
    update deliveries
    set message_id = ${messageId}, status = 'sent', sent_at = coalesce(sent_at, now()), status_at = now(),
        error_code = null, error_message = null, updated_at = now()
    where job_id = ${jobId} and message_id is null`;
  await applyStatusEvents(sql, messageId);
}
