import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { phoneIndex } from '../../lib/phone-crypto.js';
import { startCloseupStack } from './closeup-stack.js';
import { texturedJpeg } from './images.js';

/**
 * What the bad-input tests share: a Close-Up stack without a worker behind a real HTTP server
 * (@hono/node-server on loopback, so Content-Length and chunked uploads are what a client sends),
 * hand-built multipart bodies, the one error shape a refusal must have, and the check that a
 * refusal left no user, no job and no workflow behind.
 */

export const SUBMIT = '/api/v1/video/submit';
const ERROR_FIELDS = new Set(['error', 'message', 'statusCode', 'details']);

export interface ErrorBody {
  error: string;
  message: string;
  statusCode: number;
  details?: { code?: string } & Record<string, unknown>;
}

export type Photo = { bytes: Buffer; name?: string; type?: string };
export type Fields = Record<string, string | undefined>;

export const validFields = (mobile: string): Fields => ({
  mobile_number: mobile,
  gender: 'female',
  attribute_love: 'Smile',
  relationship_status: 'Dating',
  vibe: 'Romance',
});

/** A multipart body built by hand, so the test decides how it travels (sized or chunked). */
export function multipart(fields: Fields, photo?: Photo): { body: Buffer; contentType: string } {
  const boundary = `----reelflow${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (photo) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="${photo.name ?? 'selfie.jpg'}"\r\nContent-Type: ${photo.type ?? 'image/jpeg'}\r\n\r\n`),
      photo.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The same bytes as a stream of 64 KB chunks: fetch sends it with Transfer-Encoding: chunked and no Content-Length. */
function chunked(bytes: Buffer): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + 64 * 1024)));
      offset += 64 * 1024;
    },
  });
}

/** Starts the stack (no worker: nothing refused may get as far as needing one) and the loopback server. */
export async function startBadInputKit() {
  const [stack, selfie] = await Promise.all([startCloseupStack({ worker: false }), texturedJpeg(600, 800)]);
  const server = await new Promise<ServerType>((resolve) => {
    const started: ServerType = serve({ fetch: stack.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const request = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, init);
  const postJson = (path: string, text: string) => request(path, { method: 'POST', body: text, headers: { 'content-type': 'application/json' } });
  const submitForm = (fields: Fields, photo?: Photo, transport: 'sized' | 'chunked' = 'sized') => {
    const { body, contentType } = multipart(fields, photo);
    const init = { method: 'POST', headers: { 'content-type': contentType }, body: transport === 'sized' ? body : chunked(body), duplex: 'half' };
    return request(SUBMIT, init as RequestInit);
  };
  const admin = (path: string, init: RequestInit = {}) =>
    request(path, { ...init, headers: { authorization: `Bearer ${stack.config.ADMIN_TOKEN}`, ...init.headers } });

  /** A 4xx in the documented shape, statusCode equal to the HTTP status, and a message that names the problem. */
  async function refused(response: Response, status: number, names: RegExp): Promise<ErrorBody> {
    const text = await response.text();
    assert.equal(response.status, status, text);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body = JSON.parse(text) as ErrorBody;
    for (const key of Object.keys(body)) assert.ok(ERROR_FIELDS.has(key), `unexpected field ${key} in ${text}`);
    assert.equal(typeof body.error, 'string');
    assert.ok(body.error.length > 0);
    assert.equal(body.statusCode, status);
    assert.match(body.message, names);
    assert.doesNotMatch(body.message, /\n\s+at /, 'no stack trace');
    return body;
  }

  async function usersWithNumber(e164: string): Promise<number> {
    const keys = { encryptionKey: stack.config.PHONE_ENCRYPTION_KEY, indexKey: stack.config.PHONE_HASH_KEY };
    const [row] = await stack.sql<{ n: number }[]>`select count(*)::int as n from users where phone_index = ${phoneIndex(keys, e164)}`;
    return row?.n ?? 0;
  }

  async function workflowsOnTaskQueue(): Promise<number> {
    let count = 0;
    for await (const _ of stack.temporal.workflow.list({ query: `TaskQueue = '${stack.config.TEMPORAL_TASK_QUEUE}'` })) count += 1;
    return count;
  }

  /** No user row for the number (so no job row either: jobs belong to users) and no workflow started by this stack's API. */
  async function nothingCreated(...e164s: string[]) {
    for (const e164 of e164s) assert.equal(await usersWithNumber(e164), 0, `a user row for ${e164}`);
    assert.equal(await workflowsOnTaskQueue(), 0, 'a workflow was started');
  }

  async function stop() {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await stack.stop();
  }

  return { stack, selfie, request, postJson, submitForm, admin, refused, usersWithNumber, nothingCreated, stop };
}

export type BadInputKit = Awaited<ReturnType<typeof startBadInputKit>>;
