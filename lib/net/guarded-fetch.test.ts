import assert from 'node:assert/strict';
import dns, { type LookupAddress } from 'node:dns';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncBuiltinESMExports } from 'node:module';
import { after, before, describe, it, mock } from 'node:test';
import { readBody, startLoopbackServer, type LoopbackServer } from '../../test/fakes/loopback.js';
import { pdfDocument, texturedJpeg } from '../../test/support/images.js';
import { ProviderError } from '../../providers/provider-error.js';
import { isProviderError } from '../../test/support/provider-errors.js';
import { fetchRemoteImage, guardedFetch } from './guarded-fetch.js';

const scratch = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'guarded-fetch-'));
const jpeg = await texturedJpeg(64, 64);
const MB = 1024 * 1024;

describe('guarded fetch against loopback servers', () => {
  let server: LoopbackServer;
  let origin: URL;
  let options: { allowHosts: string[]; timeoutMs: number; maxBytes: number };
  const hits: string[] = [];

  before(async () => {
    server = await startLoopbackServer(async (request, response) => {
      hits.push(`${request.method} ${request.url}`);
      const path = request.url ?? '/';
      if (path === '/hello') response.end('hello');
      else if (path === '/echo') response.end(JSON.stringify({ method: request.method, body: (await readBody(request)).toString(), auth: request.headers.authorization ?? null }));
      else if (path === '/jpeg-as-text') response.writeHead(200, { 'content-type': 'text/plain' }).end(jpeg);
      else if (path === '/pdf-as-jpeg') response.writeHead(200, { 'content-type': 'image/jpeg' }).end(pdfDocument());
      else if (path === '/to-hello') response.writeHead(302, { location: '/hello' }).end();
      else if (path === '/see-other') response.writeHead(303, { location: '/echo' }).end();
      else if (path === '/to-localhost') response.writeHead(302, { location: `http://localhost:${origin.port}/secret` }).end();
      else if (path === '/to-other-origin') response.writeHead(307, { location: `http://localhost:${origin.port}/echo` }).end();
      else if (path === '/to-metadata') response.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else if (path === '/loop') response.writeHead(302, { location: '/loop' }).end();
      else if (path === '/huge-declared') response.writeHead(200, { 'content-length': String(50 * MB) }).write(Buffer.alloc(1024));
      else if (path === '/endless') {
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        const write = () => (response.destroyed ? undefined : response.write(Buffer.alloc(64 * 1024), () => setImmediate(write)));
        write();
      } else if (path === '/hang') {
        // Never answers.
      } else if (path === '/slow-body') response.writeHead(200).write('partial');
      else if (path === '/busy') response.writeHead(503, { 'retry-after': '7' }).end('busy, come back later');
      else if (path === '/missing') response.writeHead(404).end('no such thing');
      else response.writeHead(500).end(`unexpected ${path}`);
    });
    origin = new URL(server.url);
    options = { allowHosts: [origin.host], timeoutMs: 2000, maxBytes: MB };
  });
  after(() => server.close());

  it('fetches from an allow-listed host:port and refuses the same server without the list', async () => {
    const response = await guardedFetch(`${server.url}/hello`, options);
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), 'hello');
    assert.equal(response.headers.get('content-length'), '5');

    hits.length = 0;
    await assert.rejects(guardedFetch(`${server.url}/hello`, { ...options, allowHosts: [] }), isProviderError('REMOTE_FETCH_BLOCKED', false));
    // The list names hosts as written: localhost is not 127.0.0.1.
    await assert.rejects(guardedFetch(`http://localhost:${origin.port}/hello`, options), isProviderError('REMOTE_FETCH_BLOCKED', false));
    await assert.rejects(guardedFetch(`http://2130706433:${origin.port}/hello`, { ...options, allowHosts: [] }), /loopback address \(127\.0\.0\.1\)/);
    assert.deepEqual(hits, [], 'no refused request reached the server');
  });

  it('refuses private, metadata and IPv6 loopback targets with the label in the reason', async () => {
    const refused = ['http://10.0.0.5/a.jpg', 'http://169.254.169.254/latest/meta-data/', 'http://metadata.google.internal/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://0x7f.1/'];
    for (const url of refused) {
      const check = (error: ProviderError) => assert.match(error.message, /^image_url\b/, url);
      await assert.rejects(guardedFetch(url, { ...options, allowHosts: [], label: 'image_url', provider: 'IMAGE' }), isProviderError('IMAGE_BLOCKED', false, check));
    }
  });

  it('connects to the address it checked, not to what DNS answers next (rebinding)', async () => {
    // The check sees a public address; any later lookup says 127.0.0.1, where the server is.
    mock.method(dns.promises, 'lookup', async (): Promise<LookupAddress[]> => [{ address: '93.184.216.34', family: 4 }]);
    mock.method(dns, 'lookup', (_host: string, _options: unknown, callback: (error: null, addresses: LookupAddress[]) => void) => callback(null, [{ address: '127.0.0.1', family: 4 }]));
    syncBuiltinESMExports();
    try {
      hits.length = 0;
      const url = `http://rebind.test:${origin.port}/hello`;
      await assert.rejects(guardedFetch(url, { ...options, allowHosts: [], timeoutMs: 500 }), ProviderError);
      assert.deepEqual(hits, [], 'the pinned connection went to the checked address');
      // Control: an allow-listed host is resolved as usual, so the second answer would have won.
      assert.equal((await guardedFetch(url, { ...options, allowHosts: [`rebind.test:${origin.port}`] })).body.toString(), 'hello');
    } finally {
      mock.restoreAll();
      syncBuiltinESMExports();
    }
  });

  it('follows redirects, re-checking each hop, and refuses one to a blocked host', async () => {
    hits.length = 0;
    const followed = await guardedFetch(`${server.url}/to-hello`, options);
    assert.equal(followed.body.toString(), 'hello');
    assert.equal(followed.url.pathname, '/hello');

    await assert.rejects(guardedFetch(`${server.url}/to-localhost`, options), isProviderError('REMOTE_FETCH_BLOCKED', false));
    await assert.rejects(guardedFetch(`${server.url}/to-metadata`, options), /link-local address \(169\.254\.169\.254\)/);
    assert.ok(!hits.includes('GET /secret'), 'the blocked hop was not requested');

    await assert.rejects(guardedFetch(`${server.url}/loop`, options), isProviderError('REMOTE_FETCH_TOO_MANY_REDIRECTS', false));
    assert.equal(hits.filter((hit) => hit === 'GET /loop').length, 4, 'the first request and three redirects');
    await assert.rejects(guardedFetch(`${server.url}/to-hello`, { ...options, maxRedirects: 0 }), isProviderError('REMOTE_FETCH_302', false));
  });

  it('turns a POST into a GET on 303 and drops credentials on a redirect to another origin', async () => {
    const response = await guardedFetch(`${server.url}/see-other`, { ...options, method: 'POST', body: '{"a":1}', headers: { Authorization: 'Bearer x' } });
    assert.deepEqual(JSON.parse(response.body.toString()), { method: 'GET', body: '', auth: 'Bearer x' });
    // 307 keeps the method and body; localhost:<port> is another origin than 127.0.0.1:<port>.
    const moved = await guardedFetch(`${server.url}/to-other-origin`, {
      ...options,
      allowHosts: [...options.allowHosts, `localhost:${origin.port}`],
      method: 'POST',
      body: '{"a":1}',
      headers: { Authorization: 'Bearer x' },
    });
    assert.deepEqual(JSON.parse(moved.body.toString()), { method: 'POST', body: '{"a":1}', auth: null });
  });

  it('refuses a body over the limit: by Content-Length before reading, and while reading a chunked one', async () => {
    const started = Date.now();
    await assert.rejects(guardedFetch(`${server.url}/huge-declared`, options), isProviderError('REMOTE_FETCH_TOO_LARGE', false));
    assert.ok(Date.now() - started < 1000, 'refused at once, not after the timeout');
    await assert.rejects(guardedFetch(`${server.url}/endless`, options), isProviderError('REMOTE_FETCH_TOO_LARGE', false));
  });

  it('times out a server that never answers, or stops sending the body', async () => {
    for (const path of ['/hang', '/slow-body']) {
      const started = Date.now();
      await assert.rejects(guardedFetch(`${server.url}${path}`, { ...options, timeoutMs: 300 }), isProviderError('REMOTE_FETCH_TIMEOUT', true));
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 280 && elapsed < 1500, `${path} took ${elapsed} ms`);
    }
  });

  it('rethrows the caller’s cancellation as is', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('job cancelled')), 100);
    await assert.rejects(guardedFetch(`${server.url}/hang`, { ...options, signal: controller.signal }), /job cancelled/);
  });

  it('classifies error answers as providers/http.ts does', async () => {
    const busy = isProviderError('REMOTE_FETCH_503', true, (error) => {
      assert.equal(error.retryAfterMs, 7000);
      assert.match(error.message, /busy, come back later/);
    });
    await assert.rejects(guardedFetch(`${server.url}/busy`, options), busy);
    await assert.rejects(guardedFetch(`${server.url}/missing`, options), isProviderError('REMOTE_FETCH_404', false));
  });

  it('downloads to a file through a temporary one, leaving nothing behind on failure', async () => {
    const folder = join(scratch, 'downloads');
    const saved = await guardedFetch(`${server.url}/hello`, { ...options, downloadTo: join(folder, 'hello.txt') });
    assert.equal(saved.size, 5);
    assert.equal(await readFile(saved.path, 'utf8'), 'hello');
    await assert.rejects(guardedFetch(`${server.url}/endless`, { ...options, downloadTo: join(folder, 'endless.bin') }), isProviderError('REMOTE_FETCH_TOO_LARGE', false));
    await assert.rejects(guardedFetch(`${server.url}/slow-body`, { ...options, timeoutMs: 300, downloadTo: join(folder, 'slow.bin') }), isProviderError('REMOTE_FETCH_TIMEOUT', true));
    assert.deepEqual(await readdir(folder), ['hello.txt']);
  });

  it('accepts a real JPEG whatever its Content-Type, and refuses a PDF that claims to be one', async () => {
    const image = await fetchRemoteImage(`${server.url}/jpeg-as-text`, options);
    assert.equal(image.contentType, 'image/jpeg');
    assert.ok(image.bytes.equals(jpeg));
    await assert.rejects(fetchRemoteImage(`${server.url}/pdf-as-jpeg`, options), isProviderError('REMOTE_FETCH_NOT_AN_IMAGE', false));

    const folder = join(scratch, 'images');
    const saved = await fetchRemoteImage(`${server.url}/jpeg-as-text`, { ...options, downloadTo: join(folder, 'source.jpg') });
    assert.deepEqual({ contentType: saved.contentType, size: saved.size }, { contentType: 'image/jpeg', size: jpeg.length });
    await assert.rejects(fetchRemoteImage(`${server.url}/pdf-as-jpeg`, { ...options, downloadTo: join(folder, 'fake.jpg') }), isProviderError('REMOTE_FETCH_NOT_AN_IMAGE', false));
    assert.deepEqual(await readdir(folder), ['source.jpg']);
  });
});
