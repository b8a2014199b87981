import type { Sql } from '../../db/client.js';
import { encryptPhone, phoneIndex, type PhoneKeys } from '../../lib/phone-crypto.js';

export interface UserRecord {
  id: string;
  verified: boolean;
}

/**
 * The user behind a number, created on first sight (`created`); stored encrypted, found by its blind index.
 * The user and its verification row are written by one statement (atomic, one round trip).
 * Safe under concurrency: when another request inserts the same number first, ON CONFLICT waits
 * for it to commit, and the read that follows is a new statement (READ COMMITTED), so it sees that
 * row. A read in the insert's own statement would not: its snapshot predates the other commit.
 */
export async function findOrCreateUser(sql: Sql, keys: PhoneKeys, e164: string, attempt = 1): Promise<UserRecord & { created: boolean }> {
  const index = phoneIndex(keys, e164);
  const [created] = await sql<{ id: string }[]>`
    with created as (
      insert into users (phone_index, phone_encrypted) values (${index}, ${encryptPhone(keys, e164)})
      on conflict (phone_index) do nothing
      returning id
    ), verification as (
      insert into user_verification (user_id) select id from created
    )
    select id from created`;
  if (created) return { id: created.id, verified: false, created: true };
  const [row] = await sql<{ id: string; verified: boolean | null }[]>`
    select u.id, v.is_verified as verified from users u left join user_verification v on v.user_id = u.id
    where u.phone_index = ${index}`;
  // Removed between the two statements by the request that created it, which failed (submission.ts, forgetNewUser): create it anew.
  if (!row && attempt < 3) return findOrCreateUser(sql, keys, e164, attempt + 1);
  if (!row) throw new Error('user vanished right after it was created');
  return { id: row.id, verified: row.verified === true, created: false };
}

export async function findUser(sql: Sql, keys: PhoneKeys, e164: string): Promise<UserRecord | undefined> {
  const [row] = await sql<{ id: string; verified: boolean | null }[]>`
    select u.id, v.is_verified as verified
    from users u left join user_verification v on v.user_id = u.id
    where u.phone_index = ${phoneIndex(keys, e164)}`;
  return row ? { id: row.id, verified: row.verified === true } : undefined;
}
