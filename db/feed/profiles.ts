import { randomBytes } from 'node:crypto';
import type { Sql } from '../client.js';
import { ensureAccount } from '../credits/ledger.js';

/** The feed's profiles (`profiles`): one per signed-in account, made on its first authenticated request. */

export interface Profile {
  id: string;
  username: string;
  email: string | null;
  avatarUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
  lastActiveAt: Date;
}

export const PROFILE_COLUMNS = `id, username, email, avatar_url as "avatarUrl", created_at as "createdAt", updated_at as "updatedAt", last_active_at as "lastActiveAt"`;

/** A username from an email's local part ("Jane.Doe+x@…" → "jane_doe_x"), 3–24 of [a-z0-9_]; "user" when nothing fits. */
export function usernameBase(email: string | null): string {
  const local = (email ?? '').split('@')[0] ?? '';
  const base = local.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 24);
  return base.length >= 3 ? base : 'user';
}

/**
 * The account's profile, made on first sight (with its account and starting DUST): the username
 * from the token's email, with a random suffix while it is taken. Safe under concurrent first
 * requests of one user (the first insert wins, the others read it).
 */
export async function ensureProfile(sql: Sql, user: { id: string; email: string | null }, startingBalance: number): Promise<Profile> {
  const [existing] = await sql<Profile[]>`select ${sql.unsafe(PROFILE_COLUMNS)} from profiles where id = ${user.id}`;
  if (existing) return existing;
  await sql.begin((tx) => ensureAccount(tx, user, startingBalance));
  const base = usernameBase(user.email);
  for (let attempt = 0; ; attempt++) {
    const username = attempt === 0 ? base : `${base.slice(0, 24)}_${randomBytes(3).toString('hex')}`;
    const [made] = await sql<Profile[]>`
      insert into profiles (id, username, email) values (${user.id}, ${username}, ${user.email})
      on conflict do nothing
      returning ${sql.unsafe(PROFILE_COLUMNS)}`;
    if (made) return made;
    const [raced] = await sql<Profile[]>`select ${sql.unsafe(PROFILE_COLUMNS)} from profiles where id = ${user.id}`;
    if (raced) return raced;
    if (attempt >= 8) throw new Error(`no free username for ${user.id} after ${attempt + 1} tries`);
  }
}

/** Moves the profile's last_active_at to now: every write of the user's calls it, in its own statement. */
export async function touchProfile(sql: Sql, userId: string): Promise<void> {
  await sql`update profiles set last_active_at = now() where id = ${userId}`;
}
