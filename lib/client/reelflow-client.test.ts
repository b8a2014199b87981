import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { createApp } from '../../api/app.js';
import { createAppDeps } from '../../api/lib/deps.js';
import { testConfig, testSql } from '../../test/support/harness.js';
import { createTemporalClient } from '../temporal.js';
import { createReelflowClient } from './reelflow-client.js';

/** The typed client speaks to the app as it is: typed answers on success, the error shape otherwise. */
describe('createReelflowClient', () => {
  const config = testConfig();
  const sql = testSql(config);
  const temporal = createTemporalClient(config);
  const deps = createAppDeps(config, { logger: pino({ level: 'silent' }), sql, temporal });
  const app = createApp(deps);
  // The app in this process: requests go to app.fetch, not over a socket.
  const client = createReelflowClient('http://reelflow.test', { fetch: async (request) => app.fetch(request) });
  after(async () => {
    await deps.hub.close();
    await sql.end();
    await temporal.connection.close();
  });

  it('reads a typed answer', async () => {
    const { data, error, response } = await client.GET('/healthz');
    assert.equal(response.status, 200);
    assert.equal(error, undefined);
    assert.deepEqual(data, { status: 'ok' });
  });

  it('sends typed path, query and body, and reads the API’s error shape', async () => {
    const unknown = await client.GET('/api/v1/video/jobs/{job_id}', { params: { path: { job_id: 2_000_000_000 }, query: { tracking_token: 'no-such-token' } } });
    assert.equal(unknown.response.status, 404);
    assert.equal(unknown.error?.statusCode, 404);

    const refused = await client.POST('/api/v1/auth/resend-otp', { body: { mobile_number: '12345' } });
    assert.equal(refused.response.status, 400);
    assert.equal(refused.error?.error, 'ValidationError');
    assert.match(refused.error?.message ?? '', /mobile_number/);
  });
});
