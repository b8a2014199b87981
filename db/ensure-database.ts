import postgres from 'postgres';
import { describeServer } from './client.js';

export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/** Creates the database named in the URL when it is missing; says in one line when no server answers. */
export async function ensureDatabase(databaseUrl: string): Promise<'created' | 'exists'> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new DatabaseUnavailableError('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const admin = postgres(url.toString(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${name}`;
    if (rows.length > 0) return 'exists';
    await admin.unsafe(`create database "${name.replaceAll('"', '""')}"`);
    return 'created';
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42P04') return 'exists'; // created concurrently by another process
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'CONNECT_TIMEOUT' || code === 'EHOSTUNREACH') {
      throw new DatabaseUnavailableError(`PostgreSQL is not answering at ${describeServer(databaseUrl)} (${code})`);
    }
    throw error;
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/** Drops a database (test runs use a throwaway one). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name.replaceAll('"', '""')}" with (force)`);
  } finally {
    await admin.end({ timeout: 1 });
  }
}
