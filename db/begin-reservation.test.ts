import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, it } from 'node:test';
import postgres from 'postgres';
import { testConfig } from '../test/support/harness.js';

/**
 * postgres.js 3.4.9 reserves a transaction's connection only when its BEGIN leaves room in that
 * connection's pipeline; a BEGIN sent to a busy connection at the limit (or into a full socket)
 * was not reserved: sql.begin failed with UNSAFE_TRANSACTION and its connection went back to the
 * pool idle in transaction, so unrelated queries ran inside it (porsager/postgres#1189, #823; the
 * end-to-end benchmark met it twice in recordStages). patches/postgres+3.4.9.patch reserves the
 * connection whenever BEGIN was written. The default pipeline (100) reaches the limit only under
 * load; a pipeline of 1 reaches it with one query ahead, every time.
 */
const { DATABASE_URL } = testConfig();
const application = `begin-reservation-${randomUUID().slice(0, 8)}`;
// max_pipeline is an option 3.4.9's types leave out.
const pipelineOfOne = { max: 2, max_pipeline: 1, onnotice: () => {}, connection: { application_name: application } };
const sql = postgres(DATABASE_URL, pipelineOfOne);
const observer = postgres(DATABASE_URL, { max: 1 });
after(() => Promise.all([sql.end({ timeout: 1 }), observer.end({ timeout: 1 })]));

it('a transaction begun behind a busy connection commits, and no connection is left idle in a transaction', async () => {
  await Promise.all([sql`select 1`, sql`select 2`]);
  const busy = [sql`select pg_sleep(0.3)`.execute(), sql`select pg_sleep(0.3)`.execute()];
  const table = `begin_reservation_${randomUUID().replaceAll('-', '')}`;
  await observer`create table ${observer(table)} (id int)`;
  try {
    await sql.begin((tx) => tx`insert into ${tx(table)} values (1)`);
    await Promise.all(busy);
    const [seen] = await observer<{ n: number }[]>`select count(*)::int as n from ${observer(table)}`;
    assert.equal(seen?.n, 1, 'the transaction committed');
    const [left] = await observer<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where application_name = ${application} and state like 'idle in transaction%'`;
    assert.equal(left?.n, 0);
  } finally {
    await observer`drop table ${observer(table)}`;
  }
});
