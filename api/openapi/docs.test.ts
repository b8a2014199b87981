import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { createTemporalClient } from '../../lib/temporal.js';
import { launchBrowser, openOriginPage, withScreenshotOnFailure } from '../../test/support/browser.js';
import { testConfig, testSql } from '../../test/support/harness.js';
import { createApp } from '../app.js';
import { createAppDeps } from '../lib/deps.js';
import type { OpenApiDocument } from './document.js';
import { DOCS_VIEWER_PATH } from './viewer.js';

/**
 * /docs renders in Chromium with the network cut: the page may reach the API's own origin only,
 * and every operation of /openapi.json must show up on it.
 */

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

describe('/docs with no network but the API', () => {
  const config = testConfig();
  const sql = testSql(config);
  const temporal = createTemporalClient(config);
  const deps = createAppDeps(config, { logger: pino({ level: 'silent' }), sql, temporal });
  let server: ServerType;
  let origin: string;
  let browser: Browser;

  before(async () => {
    server = await new Promise<ServerType>((resolve) => {
      const started: ServerType = serve({ fetch: createApp(deps).fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await deps.hub.close();
    await sql.end();
    await temporal.connection.close();
  });

  it('renders every operation’s summary, with the viewer from this server and nothing asked of other origins', async () => {
    const document = (await (await fetch(`${origin}/openapi.json`)).json()) as OpenApiDocument;
    const summaries = Object.values(document.paths).flatMap((item) =>
      Object.entries(item).flatMap(([method, operation]) => (METHODS.has(method) ? [(operation as { summary: string }).summary] : [])),
    );
    assert.ok(summaries.length > 50, `only ${summaries.length} operations documented`);

    const { page, blocked } = await openOriginPage(browser, origin);
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(request.url());
    });
    await withScreenshotOnFailure(page, 'docs', async () => {
      await page.goto(`${origin}/docs`);
      // The last operation of the document: the whole list has been drawn.
      await page.getByText(summaries.at(-1) ?? '', { exact: true }).first().waitFor({ timeout: 60_000 });
      const text = await page.locator('body').innerText();
      const missing = summaries.filter((summary) => !text.includes(summary));
      assert.deepEqual(missing, [], 'operations not on the page');
      assert.deepEqual(blocked, [], 'requests to other origins (aborted here, failing offline)');
      assert.deepEqual(scripts, [`${origin}${DOCS_VIEWER_PATH}`]);
    });
  });

  it('serves the viewer under its package version, cacheable for a year, gzipped when asked', async () => {
    assert.match(DOCS_VIEWER_PATH, /^\/docs\/assets\/scalar-api-reference@\d+\.\d+\.\d+\/standalone\.js$/);
    const response = await fetch(`${origin}${DOCS_VIEWER_PATH}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(response.headers.get('content-encoding'), 'gzip');
    assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
    const script = await response.text();
    assert.ok(script.includes('createApiReference'), 'the standalone viewer (Scalar.createApiReference)');
    const otherVersion = await fetch(`${origin}${DOCS_VIEWER_PATH.replace(/@[^/]+/, '@0.0.1')}`);
    assert.equal(otherVersion.status, 404);
  });
});
