import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { it } from 'node:test';
import { testConfig } from '../test/support/harness.js';

/**
 * postgres.js 3.4.9 defers small writes with setImmediate; when the server ends a connection
 * (a restart, a terminated backend) the deferred write ran on a dropped socket and threw out of
 * the immediate, killing the process (porsager/postgres#1154, #1208; the chaos run lost a worker
 * so while PostgreSQL restarted). patches/postgres+3.4.9.patch, applied by the bootstrap, makes it
 * reject the query with CONNECTION_CLOSED instead. Run in a child process: unpatched, it dies.
 */
const SCENARIO = `
import postgres from 'postgres';
const url = process.env.DATABASE_URL;
const sql = postgres(url, { max: 1 });
const admin = postgres(url, { max: 1 });
const reserved = await sql.reserve();
const [{ pid }] = await reserved\`select pg_backend_pid() as pid\`;
await admin\`select pg_terminate_backend(\${pid})\`;
await new Promise((resolve) => setTimeout(resolve, 300));
try { await reserved\`select 1\`; console.log('answered'); } catch (error) { console.log('rejected', error.code); }
reserved.release();
await Promise.all([sql.end({ timeout: 1 }), admin.end({ timeout: 1 })]);
`;

it('a query on a connection whose backend was terminated is rejected with CONNECTION_CLOSED, and the process lives', async () => {
  const { DATABASE_URL } = testConfig();
  const run = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', SCENARIO], { cwd: import.meta.dirname, env: { ...process.env, DATABASE_URL }, timeout: 30_000 }).catch(
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: `exit ${error.code}: ${error.stderr ?? ''}` }),
  );
  assert.equal(run.stdout.trim(), 'rejected CONNECTION_CLOSED', run.stderr);
});
