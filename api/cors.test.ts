import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig, type Config } from '../lib/config.js';
import { createTemporalClient } from '../lib/temporal.js';
import { testConfig, testSql } from '../test/support/harness.js';
import { PRODUCTION_ENV } from '../test/support/production-env.js';
import { createApp, JSON_BODY_LIMIT } from './app.js';
import { createAppDeps } from './lib/deps.js';

const config = testConfig();
const sql = testSql(config);
const temporal = createTemporalClient(config);
const appWith = (origins: Config['CORS_ALLOWED_ORIGINS']) =>
  createApp(createAppDeps({ ...config, CORS_ALLOWED_ORIGINS: origins }, { logger: pino({ level: 'silent' }), sql, temporal }));

after(async () => {
  await sql.end();
  await temporal.connection.close();
});

const FRONTEND = 'https://app.example.com';

/** What a browser sends before a cross-origin POST with a token and an Idempotency-Key. */
const preflight = (app: ReturnType<typeof appWith>, origin: string) =>
  app.request('/videos/generate', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
  });

const listed = (header: string | null) => (header ?? '').split(',').map((name) => name.trim().toLowerCase());

describe('CORS', () => {
  it('answers a preflight 204 before any auth, allowing the headers the generation API takes', async () => {
    const response = await preflight(appWith(['*']), FRONTEND);
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const methods = listed(response.headers.get('access-control-allow-methods'));
    for (const method of ['post', 'patch', 'delete']) assert.ok(methods.includes(method), method);
    const allowed = listed(response.headers.get('access-control-allow-headers'));
    // The feed's anonymous viewers' session too.
    for (const name of ['authorization', 'content-type', 'idempotency-key', 'prefer', 'last-event-id', 'x-tracking-token', 'x-session-id']) assert.ok(allowed.includes(name), name);
    // Signing is for server-side callers: a page is not invited to hold the secret.
    assert.ok(!allowed.includes('x-instaveo-signature'));
  });

  it('lets the page read refusals and the headers it needs from an actual request', async () => {
    const response = await appWith(['*']).request('/videos/jobs/active', { headers: { origin: FRONTEND } });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const exposed = listed(response.headers.get('access-control-expose-headers'));
    for (const name of ['preference-applied', 'www-authenticate', 'retry-after', 'x-request-id']) assert.ok(exposed.includes(name), name);
    const tooLarge = await appWith(['*']).request('/videos/generate', {
      method: 'POST',
      headers: { origin: FRONTEND, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x'.repeat(JSON_BODY_LIMIT) }),
    });
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.headers.get('access-control-allow-origin'), '*');
  });

  it('answers only the listed origins when a list is configured', async () => {
    const app = appWith([FRONTEND]);
    const allowed = await preflight(app, FRONTEND);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), FRONTEND);
    assert.match(allowed.headers.get('vary') ?? '', /origin/i);
    const other = await preflight(app, 'https://evil.example.net');
    assert.equal(other.headers.get('access-control-allow-origin'), null);

    const get = await app.request('/healthz', { headers: { origin: FRONTEND } });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('access-control-allow-origin'), FRONTEND);
    assert.equal((await app.request('/healthz', { headers: { origin: 'https://evil.example.net' } })).headers.get('access-control-allow-origin'), null);
  });

  it('adds nothing when no origin is configured (production’s default)', async () => {
    const response = await preflight(appWith([]), FRONTEND);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    assert.equal(response.headers.get('access-control-allow-headers'), null);
  });
});

describe('CORS_ALLOWED_ORIGINS', () => {
  const production = PRODUCTION_ENV;

  it('is any origin outside production and none in production unless set', () => {
    assert.deepEqual(loadConfig({}).CORS_ALLOWED_ORIGINS, ['*']);
    assert.deepEqual(loadConfig(production).CORS_ALLOWED_ORIGINS, []);
    assert.deepEqual(loadConfig({ ...production, CORS_ALLOWED_ORIGINS: '*' }).CORS_ALLOWED_ORIGINS, ['*']);
  });

  it('takes origins as browsers send them, and names the variable for anything else', () => {
    assert.deepEqual(loadConfig({ CORS_ALLOWED_ORIGINS: 'https://App.Example.com, http://localhost:5173/' }).CORS_ALLOWED_ORIGINS, ['https://app.example.com', 'http://localhost:5173']);
    for (const value of ['https://app.example.com/login', 'app.example.com', 'ftp://files.example.com']) {
      assert.throws(() => loadConfig({ CORS_ALLOWED_ORIGINS: value }), /CORS_ALLOWED_ORIGINS must be \* or comma-separated origins/, value);
    }
  });
});
