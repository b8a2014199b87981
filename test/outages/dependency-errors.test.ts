import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { dependencyOutage, isPostgresOutage, isTemporalOutage, temporalCallNeverSent } from '../../api/lib/dependency-errors.js';
import { createSql, type Sql } from '../../db/client.js';
import { freePort } from '../support/ports.js';
import { temporalClient, testConfig } from '../support/harness.js';

/** What the real clients throw, caught here and classified: outages of each dependency, and the errors that are not. */
async function thrown(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('dependency outages as postgres.js and @temporalio/client report them', () => {
  const config = testConfig();
  let sql: Sql;
  let temporal: Client;
  before(async () => {
    sql = createSql(config.DATABASE_URL, { max: 1 });
    temporal = await temporalClient(config);
  });
  after(async () => {
    await sql.end();
    await temporal.connection.close();
  });

  it('PostgreSQL: a closed port, a connection the server ends (57P01, as at a restart) and a closed pool are outages; statement errors are not', async () => {
    const closed = createSql(`postgres://postgres@127.0.0.1:${await freePort()}/none`, { max: 1 });
    const refused = await thrown(closed`select 1`);
    assert.equal((refused as { code?: string }).code, 'ECONNREFUSED');
    assert.ok(isPostgresOutage(refused));
    await closed.end();
    assert.ok(isPostgresOutage(await thrown(closed`select 1`)), 'CONNECTION_ENDED');

    // The server ends the session mid-statement (as a fast shutdown does): the statement sees the
    // connection close, the next one the server's FATAL 57P01.
    const own = createSql(config.DATABASE_URL, { max: 1 });
    const cut = await thrown(own`select pg_terminate_backend(pg_backend_pid())`);
    assert.equal((cut as { code?: string }).code, 'CONNECTION_CLOSED');
    assert.ok(isPostgresOutage(cut));
    const shutdown = await thrown(own`select 1`);
    assert.equal((shutdown as { code?: string }).code, '57P01');
    assert.ok(isPostgresOutage(shutdown));
    await own.end();

    assert.equal(isPostgresOutage(await thrown(sql`select nope from nowhere`)), false, 'undefined table');
    assert.equal(isPostgresOutage(await thrown(sql`select 1/0`)), false, 'division by zero');
    assert.equal(dependencyOutage(await thrown(sql`select 1/0`)), undefined);
  });

  it('a socket error of another client (storage, a webhook) is not PostgreSQL', async () => {
    const port = await freePort();
    const error = await new Promise<Error>((resolve) => connect({ host: '127.0.0.1', port }).on('error', resolve));
    assert.equal((error as { code?: string }).code, 'ECONNREFUSED');
    assert.equal(isPostgresOutage(error), false);
    assert.equal(dependencyOutage(error), undefined);
  });

  it('Temporal: an unreachable server is an outage and its calls were never sent, also under a deadline; a known workflow answer is not', async () => {
    // No retry interceptor: the outage shows at once.
    const dead = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 500, interceptors: [] }) });
    const start = () => dead.workflow.start('anything', { taskQueue: 'nowhere', workflowId: randomUUID() });
    for (const error of [await thrown(start()), await thrown(dead.connection.withDeadline(Date.now() + 300, start))]) {
      assert.ok(isTemporalOutage(error), String(error));
      assert.ok(temporalCallNeverSent(error), String(error));
      assert.equal(dependencyOutage(error)?.dependency, 'temporal');
    }
    assert.ok(isTemporalOutage(await thrown(dead.workflow.getHandle('x').signal('s'))));
    await dead.connection.close();

    const notFound = await thrown(temporal.workflow.getHandle(`missing-${randomUUID()}`).describe());
    assert.equal(isTemporalOutage(notFound), false);
    assert.equal(temporalCallNeverSent(notFound), false);
    assert.equal(dependencyOutage(notFound), undefined);
  });
});
