import type { Queryable } from './client.js';

/**
 * Rows are kept this long past their expiry before the purge removes them: the window is checked
 * on each API host's clock and the purge runs on the database's, which may disagree by seconds.
 */
export const PURGE_MARGIN_SECONDS = 300;
/** At most this many expired rows go per insert: bounded work on the request path, still faster than rows arrive. */
export const PURGE_BATCH = 100;

/**
 * Records a verified request signature (64 lower-case hex digits) until `expiresAt`; true when it
 * was new, false when it was recorded before (a replay). Atomic across API processes: of
 * concurrent first uses exactly one gets true. In the same statement deletes up to PURGE_BATCH
 * rows expired more than PURGE_MARGIN_SECONDS ago, skipping rows another purge holds.
 */
export async function recordFirstUse(sql: Queryable, signature: string, expiresAt: Date): Promise<boolean> {
  const inserted = await sql`
    with purged as (
      delete from request_signatures
      where signature in (
        select signature from request_signatures
        where expires_at < now() - make_interval(secs => ${PURGE_MARGIN_SECONDS})
        order by expires_at
        limit ${PURGE_BATCH}
        for update skip locked
      )
    )
    insert into request_signatures (signature, expires_at)
    values (${signature}, ${expiresAt})
    on conflict (signature) do nothing
    returning 1`;
  return inserted.length === 1;
}
