import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { S3Storage } from '../../providers/storage/s3.js';
import { startGenerationStack, type GenerationClient, type GenerationStack } from '../support/generation-stack.js';
import { makePhoneMp4 } from '../support/library-fixtures.js';
import { multipartStream, postVideo, storedUnder, UPLOAD_PATH, uploadScratchLeft, userPrefix } from '../support/library-uploads.js';
import { waitUntil } from '../support/job-streams.js';
import { s3TestEnv } from '../support/s3.js';

const MB = 1000 * 1000;
const MiB = 1024 * 1024;

let dir: string;
/** A real video's first bytes: the upload is taken as an MP4 and streams on until the limit. */
let head: Buffer;

before(async () => {
  dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'upload-limit-'));
  process.env.TMPDIR = await mkdtemp(join(dir, 'tmp-'));
  await makePhoneMp4(join(dir, 'phone.mp4'));
  head = await readFile(join(dir, 'phone.mp4'));
});
after(() => rm(dir, { recursive: true, force: true }));

interface Refusal {
  status: number;
  connection: string | null;
  body: { error: string; statusCode: number; message: string; details: { code: string } };
}

/**
 * Sends a `fileBytes` upload chunked through fetch, sampling this process's RSS meanwhile (the API
 * runs in it too): the peak growth, and the growth once the first 100 MB had gone out.
 */
async function chunkedUpload(stack: GenerationStack, client: GenerationClient, fileBytes: number) {
  const { contentType, body: stream } = multipartStream(head, fileBytes);
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  let sent = 0;
  let at100MB: number | undefined;
  const body = stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        sent += chunk.byteLength;
        if (at100MB === undefined && sent >= 100 * MB) at100MB = process.memoryUsage.rss() - baseline;
        controller.enqueue(chunk);
      },
    }),
  );
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const started = performance.now();
  try {
    const response = await fetch(`${stack.url}${UPLOAD_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': contentType },
      body,
      duplex: 'half',
    } as RequestInit);
    const answer: Refusal = { status: response.status, connection: response.headers.get('connection'), body: (await response.json()) as Refusal['body'] };
    return { answer, rssGrowth: peak - baseline, rssGrowthAt100MB: at100MB, ms: performance.now() - started };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Sends a sized (Content-Length) body with node's http client, reading the answer as it comes;
 * `sent` is what it had written when the connection closed.
 */
function sizedUploadByNodeHttp(stack: GenerationStack, client: GenerationClient, bytes: number) {
  return new Promise<{ status: number; body: string; sendError: string | undefined; sent: number }>((resolve, reject) => {
    const { contentType } = multipartStream(head, 0);
    const req = httpRequest(`${stack.url}${UPLOAD_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': contentType, 'content-length': String(bytes) },
    });
    let sendError: string | undefined;
    let answer: { status: number; body: string } | undefined;
    req.on('error', (error: NodeJS.ErrnoException) => (sendError = error.code ?? error.message));
    req.on('response', (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => (answer = { status: response.statusCode ?? 0, body: text }));
    });
    let sent = 0;
    req.on('close', () => (answer ? resolve({ ...answer, sendError, sent: Math.min(sent, bytes) }) : reject(new Error(`no answer; the send failed with ${sendError}`))));
    const chunk = Buffer.alloc(256 * 1024);
    const send = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(sent > bytes ? chunk.subarray(0, chunk.length - (sent - bytes)) : chunk)) return void req.once('drain', send);
      }
      req.end();
    };
    send();
  });
}

function assertTooLarge(refusal: Refusal): void {
  assert.equal(refusal.status, 413, JSON.stringify(refusal.body));
  assert.equal(refusal.body.error, 'PayloadTooLarge');
  assert.equal(refusal.body.details.code, 'VIDEO_TOO_LARGE');
  assert.equal(refusal.connection, 'close');
}

describe('the upload limit on S3 (MinIO), default VIDEO_UPLOAD_MAX_BYTES (500 MiB)', () => {
  let stack: GenerationStack;
  before(async () => {
    stack = await startGenerationStack({ worker: false, env: s3TestEnv() });
    await (stack.providers.storage as S3Storage).ensureBucket();
  });
  after(() => stack?.stop());

  it('refuses a 600 MB chunked upload while it streams, memory flat, leaving no object and no multipart upload', async (t: TestContext) => {
    assert.equal(stack.config.VIDEO_UPLOAD_MAX_BYTES, 500 * MiB);
    const user = await stack.as();
    // Warm up first (the S3 client, the multipart parser, ffmpeg's wrappers load on first use), so the growth measured is the upload's.
    assert.equal((await postVideo(stack, await stack.as(), new Blob([head]), 'warm-up.mp4')).status, 201);
    const { answer: refusal, rssGrowth, rssGrowthAt100MB = NaN, ms } = await chunkedUpload(stack, user, 600 * MB);
    assertTooLarge(refusal);
    assert.match(refusal.body.message, /500 MiB/);
    const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
    const report = `600 MB chunked upload refused at 500 MiB in ${Math.round(ms)} ms; RSS growth ${mib(rssGrowthAt100MB)} after 100 MB, at most ${mib(rssGrowth)} in all`;
    t.diagnostic(report);
    console.log(report);
    assert.ok(rssGrowth < 150 * MiB, report);

    assert.deepEqual(await storedUnder(stack, userPrefix(user.userId)), { objects: [], multipartUploads: [] }, 'nothing of it in the bucket, not even parts');
    assert.deepEqual((await storedUnder(stack, '')).multipartUploads, [], 'no multipart upload left in the bucket at all');
    assert.deepEqual(await uploadScratchLeft(), []);
    const [{ n } = { n: -1 }] = await stack.sql<{ n: number }[]>`select count(*)::int as n from videos where user_id = ${user.userId}`;
    assert.equal(n, 0);
  });

  it('refuses at once a body whose Content-Length cannot fit; clients read the 413 without a reset', async (t: TestContext) => {
    const user = await stack.as();
    const started = performance.now();
    const answer = await sizedUploadByNodeHttp(stack, user, 600 * MB);
    assert.equal(answer.status, 413, answer.body);
    assert.equal((JSON.parse(answer.body) as Refusal['body']).details.code, 'VIDEO_TOO_LARGE');
    assert.equal(answer.sendError, undefined, 'the server kept reading until the client stopped: no EPIPE or ECONNRESET');
    t.diagnostic(`node http client: the 413 read after ${Math.round(performance.now() - started)} ms; it stopped sending at ${(answer.sent / MB).toFixed(1)} of 600 MB`);

    // undici too stops sending once the answer is complete. A sparse file: 600 MB that take no memory.
    const sparse = join(dir, 'sparse.bin');
    await writeFile(sparse, '');
    await truncate(sparse, 600 * MB);
    const response = await fetch(`${stack.url}${UPLOAD_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': multipartStream(head, 0).contentType },
      body: await openAsBlob(sparse),
    });
    assertTooLarge({ status: response.status, connection: response.headers.get('connection'), body: (await response.json()) as Refusal['body'] });
    assert.deepEqual(await storedUnder(stack, userPrefix(user.userId)), { objects: [], multipartUploads: [] });
  });

  it('leaves nothing when the client gives up mid-upload: the multipart upload is aborted', async () => {
    const user = await stack.as();
    const { contentType, body } = multipartStream(head, 300 * MB);
    const giveUp = new AbortController();
    let sent = 0;
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        async transform(chunk, controller) {
          sent += chunk.byteLength;
          // A few 8 MB parts in, once the bucket shows the multipart upload under way.
          if (sent > 40 * MB && !giveUp.signal.aborted) {
            await waitUntil(async () => (await storedUnder(stack, userPrefix(user.userId))).multipartUploads.length === 1, 'the multipart upload to start');
            giveUp.abort();
          }
          controller.enqueue(chunk);
        },
      }),
    );
    const upload = fetch(`${stack.url}${UPLOAD_PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': contentType },
      body: counted,
      duplex: 'half',
      signal: giveUp.signal,
    } as RequestInit);
    await assert.rejects(upload, { name: 'AbortError' });
    await waitUntil(async () => {
      const left = await storedUnder(stack, userPrefix(user.userId));
      return left.objects.length === 0 && left.multipartUploads.length === 0;
    }, 'the interrupted upload to be cleaned up');
    await waitUntil(async () => (await uploadScratchLeft()).length === 0, 'the scratch copy to be removed');
  });
});

describe('the upload limit on local storage (VIDEO_UPLOAD_MAX_BYTES 8 MiB)', () => {
  let stack: GenerationStack;
  before(async () => {
    stack = await startGenerationStack({ worker: false, env: { VIDEO_UPLOAD_MAX_BYTES: String(8 * MiB) } });
  });
  after(() => stack?.stop());

  it('refuses a chunked upload one byte over, keeping no file, while one at the limit streams in whole', async () => {
    const user = await stack.as();
    const { answer: refusal } = await chunkedUpload(stack, user, 8 * MiB + 1);
    assertTooLarge(refusal);
    assert.match(refusal.body.message, /8 MiB/);
    assert.deepEqual(await storedUnder(stack, userPrefix(user.userId)), { objects: [], multipartUploads: [] });

    // Exactly at the limit the bytes are taken (a playable video followed by zeros).
    const atLimit = await chunkedUpload(stack, user, 8 * MiB);
    const video = atLimit.answer.body as unknown as { file_size: number; s3_key: string };
    assert.equal(atLimit.answer.status, 201, JSON.stringify(video));
    assert.equal(video.file_size, 8 * MiB);
    assert.ok((await storedUnder(stack, userPrefix(user.userId))).objects.includes(video.s3_key));
    assert.deepEqual(await uploadScratchLeft(), []);
  });

  it('node’s http client, sending when refused mid-stream, gets the 413 without a reset', async () => {
    const user = await stack.as();
    const answer = await sendWithNodeHttp(UPLOAD_PATH, { authorization: `Bearer ${user.token}` }, 64 * MiB);
    assert.equal(answer.status, 413);
    assert.equal(answer.sendError, undefined);
    assert.deepEqual(await storedUnder(stack, userPrefix(user.userId)), { objects: [], multipartUploads: [] });
  });

  it('a client reads a refusal made before the upload is read (no token, a NUL in the query) without a reset, also on a connection it asked to close', async () => {
    const user = await stack.as();
    for (const [path, headers, status] of [
      [UPLOAD_PATH, {}, 401],
      [UPLOAD_PATH, { connection: 'close' }, 401],
      [`${UPLOAD_PATH}?q=%00`, { authorization: `Bearer ${user.token}`, connection: 'close' }, 400],
    ] as const) {
      const answer = await sendWithNodeHttp(path, headers, 64 * MiB);
      assert.deepEqual(answer, { status, sendError: undefined }, path);
    }
    assert.deepEqual(await storedUnder(stack, userPrefix(user.userId)), { objects: [], multipartUploads: [] });
  });

  /** Streams a `bytes` upload with node's http client, which sends on after an answer arrives; its status and any send error. */
  function sendWithNodeHttp(path: string, headers: Record<string, string>, bytes: number): Promise<{ status: number; sendError: string | undefined }> {
    return new Promise((resolve, reject) => {
      const { contentType, body } = multipartStream(head, bytes);
      const req = httpRequest(`${stack.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': contentType } });
      let sendError: string | undefined;
      let status: number | undefined;
      req.on('error', (error: NodeJS.ErrnoException) => (sendError = error.code ?? error.message));
      req.on('response', (response) => {
        status = response.statusCode;
        response.resume();
      });
      req.on('close', () => (status ? resolve({ status, sendError }) : reject(new Error(`no answer; the send failed with ${sendError}`))));
      void (async () => {
        for await (const chunk of body) if (!req.write(chunk)) await new Promise((drained) => req.once('drain', drained));
        req.end();
      })().catch((error: unknown) => req.destroy(error as Error));
    });
  }
});
