import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSql, type Sql } from './client.js';
import { dropDatabase, ensureDatabase } from './ensure-database.js';
import { migrate, MigrationError } from './migrations.js';
import { testConfig } from '../test/support/harness.js';

describe('migrations', () => {
  const url = new URL(testConfig().DATABASE_URL);
  url.pathname = `${url.pathname}_migrations`;
  const databaseUrl = url.toString();
  let sql: Sql;
  let dir: string;

  before(async () => {
    assert.equal(await ensureDatabase(databaseUrl), 'created');
    assert.equal(await ensureDatabase(databaseUrl), 'exists');
    sql = createSql(databaseUrl, { max: 4 });
    dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  });
  after(async () => {
    await sql.end();
    await dropDatabase(databaseUrl);
  });

  it('applies files in name order, records them, and skips them next time', async () => {
    await writeFile(join(dir, '0002_second.sql'), 'insert into things values (2);');
    await writeFile(join(dir, '0001_first.sql'), 'create table things (n int);');
    await writeFile(join(dir, 'notes.txt'), 'not a migration');
    assert.deepEqual(await migrate(sql, dir), ['0001_first.sql', '0002_second.sql']);
    assert.deepEqual(await migrate(sql, dir), []);
    const rows = await sql`select name from schema_migrations order by name`;
    assert.deepEqual(rows.map((row) => row.name), ['0001_first.sql', '0002_second.sql']);
  });

  it('rolls a failing file back whole and applies nothing after it', async () => {
    await writeFile(join(dir, '0003_broken.sql'), 'insert into things values (3); select * from no_such_table;');
    await writeFile(join(dir, '0004_later.sql'), 'insert into things values (4);');
    await assert.rejects(migrate(sql, dir), /no_such_table/);
    const things = await sql`select n from things order by n`;
    assert.deepEqual(things.map((row) => row.n), [2]);
    const [recorded] = await sql`select count(*)::int as n from schema_migrations where name in ('0003_broken.sql', '0004_later.sql')`;
    assert.equal(recorded?.n, 0);
  });

  it('refuses a file that changed after it was applied', async () => {
    await writeFile(join(dir, '0003_broken.sql'), 'select 1;');
    await writeFile(join(dir, '0001_first.sql'), 'create table things (n bigint);');
    await assert.rejects(migrate(sql, dir), MigrationError);
  });

  it('lets concurrent runs apply each file once', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'migrations-'));
    await writeFile(join(fresh, '0001_counter.sql'), 'create table counter (n int); insert into counter values (1);');
    await sql`drop table if exists schema_migrations`;
    const runs = await Promise.all([migrate(sql, fresh), migrate(sql, fresh), migrate(sql, fresh)]);
    assert.equal(runs.flat().length, 1);
    const [row] = await sql`select count(*)::int as n from counter`;
    assert.equal(row?.n, 1);
  });

  it('says in one line when no server answers', async () => {
    await assert.rejects(ensureDatabase('postgres://postgres@127.0.0.1:1/nothing'), /PostgreSQL is not answering at 127.0.0.1:1 \(ECONNREFUSED\)/);
  });
});
