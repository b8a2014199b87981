import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { createTemporalClient } from '../lib/temporal.js';
import { testConfig, testSql } from '../test/support/harness.js';
import { createApp, JSON_BODY_LIMIT, MULTIPART_BODY_LIMIT } from './app.js';
import { createAppDeps } from './lib/deps.js';

const config = testConfig();
const sql = testSql(config);
const temporal = createTemporalClient(config);
const logger = pino({ level: 'silent' });
const app = createApp(createAppDeps(config, { logger, sql, temporal }));

after(async () => {
  await sql.end();
  await temporal.connection.close();
});

const ERROR_KEYS = ['error', 'message', 'statusCode'];

describe('API skeleton', () => {
  it('answers liveness with a request id', async () => {
    const response = await app.request('/healthz');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
    assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('is ready when PostgreSQL and Temporal answer', async () => {
    const response = await app.request('/readyz');
    assert.equal(response.status, 200);
    const body = (await response.json()) as { status: string; checks: Record<string, { status: string }> };
    assert.equal(body.status, 'ready');
    assert.equal(body.checks.postgres?.status, 'up');
    assert.equal(body.checks.temporal?.status, 'up');
    // No worker polls this test run's default task queue.
    assert.equal(body.checks.worker?.status, 'down');
  });

  it('names Temporal when Temporal is down', async () => {
    const downConfig = testConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    const downTemporal = createTemporalClient(downConfig);
    const downApp = createApp(createAppDeps(downConfig, { logger, sql, temporal: downTemporal }));
    const response = await downApp.request('/readyz');
    assert.equal(response.status, 503);
    const body = (await response.json()) as { error: string; message: string; statusCode: number };
    assert.equal(body.error, 'ServiceUnavailable');
    assert.equal(body.statusCode, 503);
    assert.match(body.message, /^temporal is down/);
    assert.doesNotMatch(body.message, /postgres/);
  });

  it('names PostgreSQL when PostgreSQL is down', async () => {
    const downSql = testSql(testConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }));
    const downApp = createApp(createAppDeps(config, { logger, sql: downSql, temporal }));
    const response = await downApp.request('/readyz');
    assert.equal(response.status, 503);
    const body = (await response.json()) as { message: string };
    assert.match(body.message, /^postgres is down/);
    await downSql.end();
  });

  it('answers unknown routes 404 in the error shape', async () => {
    const response = await app.request('/api/v1/nothing-here', { method: 'POST' });
    assert.equal(response.status, 404);
    const body = (await response.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), [...ERROR_KEYS].sort());
    assert.equal(body.error, 'NotFound');
    assert.equal(body.statusCode, 404);
  });

  it('limits JSON bodies, also when sent chunked without Content-Length', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(JSON_BODY_LIMIT) });
    const sized = await app.request('/healthz', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
    assert.equal(sized.status, 413);
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(8192)));
        controller.close();
      },
    });
    const chunked = await app.request('/healthz', {
      method: 'POST',
      body: chunks,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    const body = (await chunked.json()) as { error: string; statusCode: number };
    assert.equal(body.error, 'PayloadTooLarge');
    assert.equal(body.statusCode, 413);
    assert.ok(MULTIPART_BODY_LIMIT > 10 * 1024 * 1024);
  });

  it('serves an OpenAPI document built from the route schemas, and a docs page', async () => {
    const spec = (await (await app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(spec.openapi, '3.1.0');
    assert.ok(spec.paths['/healthz']);
    assert.ok(spec.paths['/readyz']);
    const docs = await app.request('/docs');
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /openapi\.json/);
  });
});
