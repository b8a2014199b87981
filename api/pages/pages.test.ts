import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { createTemporalClient } from '../../lib/temporal.js';
import { testConfig, testSql } from '../../test/support/harness.js';
import { createApp } from '../app.js';
import { createAppDeps } from '../lib/deps.js';
import { PAGE_ASSETS_PATH } from './pages.index.js';

/** How the pages are served (their behaviour in a browser: closeup-page.test.ts, studio-page.test.ts). */

const root = resolve(import.meta.dirname, '..', '..');

describe('the pages', () => {
  const config = testConfig({ OTP_RESEND_COOLDOWN_SECONDS: '45' });
  const sql = testSql(config);
  const temporal = createTemporalClient(config);
  const deps = createAppDeps(config, { logger: pino({ level: 'silent' }), sql, temporal });
  const app = createApp(deps);
  after(async () => {
    await deps.hub.close();
    await sql.end();
    await temporal.connection.close();
  });

  /** The page's HTML and the asset URLs it names. */
  async function page(path: string) {
    const response = await app.request(path);
    const html = await response.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/pages\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    return { response, html, assets };
  }

  for (const name of ['closeup', 'studio']) {
    it(`/${name}/ answers its HTML, with and without the slash, naming its script and stylesheet by content hash`, async () => {
      const { response, html, assets } = await page(`/${name}/`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(response.headers.get('cache-control'), 'no-cache');
      const policy = response.headers.get('content-security-policy') ?? '';
      assert.match(policy, /default-src 'self'.*connect-src 'self'/);
      // Videos play from where signed media links point: PUBLIC_BASE_URL for the local folder.
      assert.ok(policy.includes(`media-src 'self' blob: ${new URL(config.PUBLIC_BASE_URL).origin};`), policy);
      assert.doesNotMatch(html, /\{\{\w+\}\}/, 'every placeholder filled');
      assert.deepEqual(
        assets.map((asset) => asset.replace(/-[A-Z0-9]{8}\./, '-HASH.')),
        [`${PAGE_ASSETS_PATH}/pages-HASH.css`, `${PAGE_ASSETS_PATH}/${name}-HASH.js`],
      );
      assert.equal((await page(`/${name}`)).html, html);
    });

    it(`/${name}/ labels every field it asks for`, async () => {
      const { html } = await page(`/${name}/`);
      // Inputs inside a <label> are labelled by it; the others need a <label for=…>.
      const outside = html.replace(/<label>[\s\S]*?<\/label>/g, '');
      const fields = [...outside.matchAll(/<(?:input|select)\b[^>]*\bid="([^"]+)"/g)].map((match) => match[1]!);
      assert.ok(fields.length >= 4, `fields found: ${fields}`);
      const unlabelled = fields.filter((id) => !html.includes(`<label for="${id}"`));
      assert.deepEqual(unlabelled, []);
    });
  }

  it('passes the Close-Up page the server’s OTP resend cooldown', async () => {
    assert.match((await page('/closeup/')).html, /data-otp-resend-cooldown-seconds="45"/);
  });

  it('serves the built assets for a year, gzipped when asked; an unknown one is a 404 in the error shape', async () => {
    const { assets } = await page('/closeup/');
    const script = await app.request(assets[1]!, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(script.headers.get('content-encoding'), 'gzip');
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    const style = await app.request(assets[0]!);
    assert.match(style.headers.get('content-type') ?? '', /^text\/css/);
    assert.match(await style.text(), /\.toast--warning/);
    const missing = await app.request(`${PAGE_ASSETS_PATH}/closeup-00000000.js`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: string }).error, 'NotFound');
  });

  it('type-checks the pages against the generated client (web/tsconfig.json): a route change that breaks a page fails here', async () => {
    const tsc = resolve(root, 'node_modules', '.bin', 'tsc');
    const outcome = await promisify(execFile)(tsc, ['-p', resolve(root, 'web', 'tsconfig.json')], { cwd: root }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    assert.equal(outcome, '');
  });
});
