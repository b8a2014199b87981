import type { Sql } from '../../db/client.js';
import { encryptPhone, phoneIndex, type PhoneKeys } from '../../lib/phone-crypto.js';

export interface UserRecord {
  id: string;
  verified: boolean;
}

/** The user behind a number, created on first sight (one round trip); stored encrypted, found by its blind index. */
export async function findOrCreateUser(sql: Sql, keys: PhoneKeys, e164: string): Promise<UserRecord> {
  const index = phoneIndex(keys, e164);
  // The outer select sees the table as it was before this statement: an existing user comes from
  // it, a new one from `created`.
  const [row] = await sql<{ id: string; verified: boolean | null }[]>`
    with created as (
      insert into users (phone_index, phone_encrypted) values (${index}, ${encryptPhone(keys, e164)})
      on conflict (phone_index) do nothing
      returning id
    ), verification as (
      insert into user_verification (user_id) select id from created
    )
    select u.id, v.is_verified as verified from users u left join user_verification v on v.user_id = u.id where u.phone_index = ${index}
    union all
    select id, false from created`;
  if (!row) throw new Error('user vanished right after it was created');
  return { id: row.id, verified: row.verified === true };
}

export async function findUser(sql: Sql, keys: PhoneKeys, e164: string): Promise<UserRecord | undefined> {
  const [row] = await sql<{ id: string; verified: boolean | null }[]>`
    select u.id, v.is_verified as verified
    from users u left join user_verification v on v.user_id = u.id
    where u.phone_index = ${phoneIndex(keys, e164)}`;
  return row ? { id: row.id, verified: row.verified === true } : undefined;
}
