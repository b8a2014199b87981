import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { createTemporalClient } from '../../lib/temporal.js';
import { testConfig, testSql } from '../../test/support/harness.js';
import { s3TestEnv } from '../../test/support/s3.js';
import { createStorage } from '../../providers/storage/create-storage.js';
import { storageKey } from '../../providers/storage/keys.js';
import { mediaSignature } from '../../providers/storage/media-signature.js';
import { createApp } from '../app.js';
import { createAppDeps } from '../lib/deps.js';

const scratch = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'media-route-'));
const config = testConfig({ MEDIA_ROOT: scratch, PUBLIC_BASE_URL: 'http://reelflow.test' });
const sql = testSql(config);
const temporal = createTemporalClient(config);
const logger = pino({ level: 'silent' });
const storage = createStorage(config);
const app = createApp(createAppDeps(config, { logger, sql, temporal }));

after(async () => {
  await sql.end();
  await temporal.connection.close();
});

const video = randomBytes(100_000);
const key = storageKey({ job: 42 }, 'final', 'mp4');
await storage.putBuffer(key, video, 'video/mp4');

/** The path and query of a signed URL, as app.request wants it. */
async function signed(forKey: string, ttlSeconds = 600): Promise<string> {
  const url = new URL(await storage.signedUrl(forKey, ttlSeconds));
  return `${url.pathname}${url.search}`;
}

async function assertError(response: Response, status: number, error: string, message?: RegExp) {
  assert.equal(response.status, status);
  const body = (await response.json()) as { error: string; message: string; statusCode: number };
  assert.equal(body.error, error);
  assert.equal(body.statusCode, status);
  if (message) assert.match(body.message, message);
}

describe('GET /media/{key}', () => {
  it('serves the whole file through a signed link', async () => {
    const response = await app.request(await signed(key));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'video/mp4');
    assert.equal(response.headers.get('content-length'), String(video.length));
    assert.equal(response.headers.get('accept-ranges'), 'bytes');
    assert.match(response.headers.get('cache-control') ?? '', /^private, max-age=(600|599)$/);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(video));
  });

  it('answers a byte range with 206 and exactly those bytes', async () => {
    const path = await signed(key);
    const middle = await app.request(path, { headers: { range: 'bytes=1000-1999' } });
    assert.equal(middle.status, 206);
    assert.equal(middle.headers.get('content-range'), `bytes 1000-1999/${video.length}`);
    assert.equal(middle.headers.get('content-length'), '1000');
    assert.ok(Buffer.from(await middle.arrayBuffer()).equals(video.subarray(1000, 2000)));

    // What Safari and WhatsApp send first: the opening bytes, then the rest.
    const opening = await app.request(path, { headers: { range: 'bytes=0-1' } });
    assert.deepEqual([...new Uint8Array(await opening.arrayBuffer())], [video[0], video[1]]);
    const rest = await app.request(path, { headers: { range: 'bytes=99000-' } });
    assert.equal(rest.headers.get('content-range'), `bytes 99000-99999/${video.length}`);
    assert.ok(Buffer.from(await rest.arrayBuffer()).equals(video.subarray(99000)));
    const tail = await app.request(path, { headers: { range: 'bytes=-500' } });
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(video.subarray(-500)));
    const beyond = await app.request(path, { headers: { range: 'bytes=99990-200000' } });
    assert.equal(beyond.headers.get('content-range'), `bytes 99990-99999/${video.length}`);
  });

  it('answers 416 for a range past the end, and the whole file for ranges it does not honour', async () => {
    const path = await signed(key);
    const past = await app.request(path, { headers: { range: `bytes=${video.length}-` } });
    assert.equal(past.headers.get('content-range'), `bytes */${video.length}`);
    await assertError(past, 416, 'RangeNotSatisfiable');
    const several = await app.request(path, { headers: { range: 'bytes=0-1,5-6' } });
    assert.equal(several.status, 200);
    assert.equal(several.headers.get('content-length'), String(video.length));
  });

  it('answers HEAD with the headers only', async () => {
    const response = await app.request(await signed(key), { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-length'), String(video.length));
    assert.equal((await response.arrayBuffer()).byteLength, 0);
  });

  it('refuses an expired link', async () => {
    const expires = Math.floor(Date.now() / 1000) - 1;
    const response = await app.request(`/media/${key}?expires=${expires}&signature=${mediaSignature(key, expires, config.MEDIA_SIGNING_KEY)}`);
    await assertError(response, 403, 'Forbidden', /expired/);
  });

  it('refuses tampered links', async () => {
    const url = new URL(await signed(key), 'http://reelflow.test');
    const expires = Number(url.searchParams.get('expires'));
    const signature = url.searchParams.get('signature') ?? '';
    const otherKey = storageKey({ job: 43 }, 'final', 'mp4');
    await storage.putBuffer(otherKey, Buffer.from('someone else'), 'video/mp4');
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    for (const path of [
      `/media/${otherKey}?expires=${expires}&signature=${signature}`, // another job's file
      `/media/${key}?expires=${expires + 3600}&signature=${signature}`, // a longer life
      `/media/${key}?expires=${expires}&signature=${flipped}`,
      `/media/${key}?expires=${expires}`,
      `/media/${key}`,
    ]) {
      await assertError(await app.request(path), 403, 'Forbidden', /not valid/);
    }
  });

  it('answers 404 for a signed key with no file, and never leaves MEDIA_ROOT', async () => {
    await assertError(await app.request(await signed(storageKey({ job: 42 }, 'final', 'mp4'))), 404, 'NotFound');
    const escape = '../../etc/passwd';
    const expires = Math.floor(Date.now() / 1000) + 600;
    const response = await app.request(`/media/${encodeURIComponent(escape)}?expires=${expires}&signature=${mediaSignature(escape, expires, config.MEDIA_SIGNING_KEY)}`);
    await assertError(response, 404, 'NotFound');
  });

  it('is not served when media lives in S3', async () => {
    const s3Config = testConfig(s3TestEnv({ MEDIA_ROOT: scratch }));
    const s3App = createApp(createAppDeps(s3Config, { logger, sql, temporal }));
    await assertError(await s3App.request(await signed(key)), 404, 'NotFound');
  });

  it('is documented in the OpenAPI document', async () => {
    const document = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    assert.ok(document.paths['/media/{key}']);
  });
});
