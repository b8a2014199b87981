import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { PHOTO_MAX_BYTES } from '../../lib/media/image-intake.js';
import { phoneIndex } from '../../lib/phone-crypto.js';
import { closeupWorkflowId } from '../../workflows/closeup/contract.js';
import { freshMobile, startCloseupStack, type CloseupStack } from '../support/closeup-stack.js';
import { pdfDocument, texturedJpeg } from '../support/images.js';

/**
 * Bad input never gets past the door: every refusal is a 4xx in the one error shape, names what
 * was wrong, and leaves no user, no job and no workflow behind. Requests go over real HTTP
 * (@hono/node-server on loopback) so Content-Length and chunked uploads are what a client sends.
 */

const SUBMIT = '/api/v1/video/submit';
const ERROR_FIELDS = new Set(['error', 'message', 'statusCode', 'details']);

interface ErrorBody {
  error: string;
  message: string;
  statusCode: number;
  details?: { code?: string } & Record<string, unknown>;
}

type Photo = { bytes: Buffer; name?: string; type?: string };
type Fields = Record<string, string | undefined>;

const validFields = (mobile: string): Fields => ({
  mobile_number: mobile,
  gender: 'female',
  attribute_love: 'Smile',
  relationship_status: 'Dating',
  vibe: 'Romance',
});

/** A multipart body built by hand, so the test decides how it travels (sized or chunked). */
function multipart(fields: Fields, photo?: Photo): { body: Buffer; contentType: string } {
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

describe('Close-Up bad input', { timeout: 300_000 }, () => {
  let stack: CloseupStack;
  let server: ServerType;
  let base: string;
  let selfie: Buffer;

  before(async () => {
    // No worker: nothing here may get as far as needing one.
    [stack, selfie] = await Promise.all([startCloseupStack({ worker: false }), texturedJpeg(600, 800)]);
    server = await new Promise<ServerType>((resolve) => {
      const started: ServerType = serve({ fetch: stack.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await stack.stop();
  });

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

  describe('POST /api/v1/video/submit', () => {
    for (const field of ['mobile_number', 'gender', 'attribute_love', 'relationship_status', 'vibe'] as const) {
      it(`refuses a form without ${field}`, async () => {
        const mobile = freshMobile();
        const body = await refused(await submitForm({ ...validFields(mobile), [field]: undefined }, { bytes: selfie }), 400, new RegExp(`^${field}: ${field} is required$`));
        assert.equal(body.error, 'ValidationError');
        await nothingCreated(`+91${mobile}`);
      });
    }

    it('refuses a form without a photo, and a photo sent as text', async () => {
      const mobile = freshMobile();
      await refused(await submitForm(validFields(mobile)), 400, /^photo: a photo file is required$/);
      await refused(await submitForm({ ...validFields(mobile), photo: 'data:image/jpeg;base64,/9j/4AAQ' }), 400, /^photo: a photo file is required$/);
      await nothingCreated(`+91${mobile}`);
    });

    it('refuses an unknown gender, naming the allowed ones', async () => {
      const mobile = freshMobile();
      await refused(await submitForm({ ...validFields(mobile), gender: 'robot' }, { bytes: selfie }), 400, /^gender: must be one of male, female, other$/);
      await nothingCreated(`+91${mobile}`);
    });

    for (const [label, number] of [
      ['an 11-digit number', '98765432101'],
      ['a non-Indian number', '+12025550123'],
      ['letters in the number', '98765abcde'],
      ['a 10-digit number not starting 6-9', '5876543210'],
    ] as const) {
      it(`refuses ${label}`, async () => {
        await refused(await submitForm({ ...validFields(number) }, { bytes: selfie }), 400, /^mobile_number: must be an Indian mobile number/);
        // The Indian numbers a lenient parser might have made of it.
        const digits = number.replace(/\D/g, '');
        await nothingCreated(`+91${digits.slice(0, 10)}`, `+91${digits.slice(-10)}`);
      });
    }

    for (const transport of ['sized', 'chunked'] as const) {
      it(`refuses a photo over 10 MB sent ${transport === 'sized' ? 'with Content-Length' : 'chunked without Content-Length'}`, async () => {
        const mobile = freshMobile();
        // One byte over the photo limit: the multipart body fits the body limit, the photo intake refuses it.
        const justOver = Buffer.concat([selfie, Buffer.alloc(PHOTO_MAX_BYTES + 1 - selfie.length)]);
        const photo = await refused(await submitForm(validFields(mobile), { bytes: justOver }, transport), 413, /larger than 10 MB/);
        assert.equal(photo.details?.code, 'PHOTO_TOO_LARGE');
        // Well over: the body limit refuses it before any parsing.
        const wellOver = Buffer.concat([selfie, Buffer.alloc(12 * 1024 * 1024 - selfie.length)]);
        const response = await submitForm(validFields(mobile), { bytes: wellOver }, transport);
        assert.equal(response.headers.get('connection'), 'close', 'the unread rest of the body ends the connection');
        const body = await refused(response, 413, /^Request body exceeds \d+ KB$/);
        assert.equal(body.error, 'PayloadTooLarge');
        // The unread rest of that body must not break the client's next request on a kept-alive connection.
        assert.equal((await request('/healthz')).status, 200);
        await nothingCreated(`+91${mobile}`);
      });
    }

    it('refuses what is not a photo, whatever its name says, and a damaged or empty photo', async () => {
      const mobile = freshMobile();
      const cases = [
        { photo: { bytes: Buffer.from('hello, this is not a selfie\n'.repeat(100)), name: 'selfie.jpg' }, status: 415, code: 'PHOTO_UNSUPPORTED_TYPE', names: /not a JPEG, PNG or WebP/ },
        { photo: { bytes: pdfDocument(), name: 'selfie.jpg' }, status: 415, code: 'PHOTO_UNSUPPORTED_TYPE', names: /not a JPEG, PNG or WebP/ },
        { photo: { bytes: selfie.subarray(0, Math.floor(selfie.length / 2)) }, status: 422, code: 'PHOTO_CORRUPT', names: /could not be read; it may be damaged or incomplete/ },
        { photo: { bytes: Buffer.alloc(0) }, status: 422, code: 'PHOTO_EMPTY', names: /photo is empty/ },
      ];
      for (const { photo, status, code, names } of cases) {
        const body = await refused(await submitForm(validFields(mobile), photo), status, names);
        assert.equal(body.details?.code, code);
      }
      await nothingCreated(`+91${mobile}`);
    });

    it('refuses an empty body, naming every missing field', async () => {
      const bare = await refused(await request(SUBMIT, { method: 'POST' }), 400, /^mobile_number: .*gender: .*attribute_love: .*relationship_status: .*vibe: .*photo: /);
      assert.deepEqual(
        (bare.details as unknown as { field: string }[]).map((issue) => issue.field),
        ['mobile_number', 'gender', 'attribute_love', 'relationship_status', 'vibe', 'photo'],
      );
      const { contentType } = multipart({});
      await refused(await request(SUBMIT, { method: 'POST', headers: { 'content-type': contentType }, body: '' }), 400, /Malformed FormData/);
      await nothingCreated();
    });

    it('refuses a JSON body with 415, and malformed multipart with 400', async () => {
      const mobile = freshMobile();
      await refused(await postJson(SUBMIT, JSON.stringify(validFields(mobile))), 415, /Unsupported Media Type/);
      const { body, contentType } = multipart(validFields(mobile), { bytes: selfie });
      // Cut before the closing boundary; then a boundary the body never uses.
      await refused(await request(SUBMIT, { method: 'POST', headers: { 'content-type': contentType }, body: body.subarray(0, body.length - 200) }), 400, /Malformed FormData/);
      await refused(await request(SUBMIT, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=elsewhere' }, body }), 400, /Malformed FormData/);
      await nothingCreated(`+91${mobile}`);
    });
  });

  describe('POST /api/v1/auth/verify-otp and resend-otp', () => {
    it('refuses malformed JSON, a missing or 5-digit otp and a bad number', async () => {
      const mobile = freshMobile();
      const verify = '/api/v1/auth/verify-otp';
      await refused(await postJson(verify, `{"mobile_number": "${mobile}", "otp": `), 400, /^Malformed JSON in request body$/);
      await refused(await postJson(verify, JSON.stringify({ mobile_number: mobile })), 400, /^otp: otp is required$/);
      await refused(await postJson(verify, JSON.stringify({ mobile_number: mobile, otp: '12345' })), 400, /^otp: must be the 6-digit code$/);
      await refused(await postJson(verify, JSON.stringify({ mobile_number: '12345', otp: '123456' })), 400, /^mobile_number: must be an Indian mobile number/);
      await refused(await postJson(verify, JSON.stringify([mobile, '123456'])), 400, /^json: Invalid input: expected object, received array$/);
      // Well-formed but nothing pending: a plain 404 that does not create the user it looked for.
      await refused(await postJson(verify, JSON.stringify({ mobile_number: mobile, otp: '123456' })), 404, /No OTP is pending/);
      await nothingCreated(`+91${mobile}`);
    });

    it('refuses resend-otp for a bad number', async () => {
      const mobile = freshMobile();
      const resend = '/api/v1/auth/resend-otp';
      await refused(await postJson(resend, JSON.stringify({ mobile_number: '+447911123456' })), 400, /^mobile_number: must be an Indian mobile number/);
      await refused(await postJson(resend, JSON.stringify({})), 400, /^mobile_number: mobile_number is required$/);
      await refused(await postJson(resend, JSON.stringify({ mobile_number: mobile })), 404, /No OTP is pending/);
      await nothingCreated(`+91${mobile}`);
    });
  });

  describe('admin endpoints', () => {
    const LIST = '/api/v1/video-jobs/list';
    const UPDATE = '/api/v1/video-jobs/update-job';

    it('answer 401 without a bearer token or with a wrong one', async () => {
      for (const path of [LIST, `${UPDATE}?job_id=1&status=queued`]) {
        const method = path === LIST ? 'GET' : 'PATCH';
        const none = await request(path, { method });
        assert.equal(none.headers.get('www-authenticate'), 'Bearer');
        await refused(none, 401, /admin bearer token is required/);
        await refused(await request(path, { method, headers: { authorization: 'Bearer not-the-admin-token' } }), 401, /admin bearer token is required/);
        await refused(await request(path, { method, headers: { authorization: stack.config.ADMIN_TOKEN } }), 401, /admin bearer token is required/);
      }
    });

    it('refuse a bad list query with 400', async () => {
      await refused(await admin(`${LIST}?status=bogus`), 400, /^status: must be one of awaiting_otp, queued/);
      await refused(await admin(`${LIST}?from_date=08-01-2026`), 400, /^from_date: from_date must be a date, YYYY-MM-DD/);
      await refused(await admin(`${LIST}?to_date=2026-13-01`), 400, /^to_date: to_date must be a real date$/);
      await refused(await admin(`${LIST}?from_date=2026-02-30`), 400, /^from_date: from_date must be a real date$/);
      await refused(await admin(`${LIST}?from_date=0000-01-01`), 400, /^from_date: from_date must be a real date$/);
      // The calendar's edges are real days: an answer, not a database error.
      for (const query of ['from_date=0001-01-01', 'to_date=9999-12-31']) {
        const edge = await admin(`${LIST}?${query}`);
        assert.equal(edge.status, 200, await edge.clone().text());
        // Other test files write jobs to the same database: the total is theirs to decide.
        assert.equal(typeof ((await edge.json()) as { total: number }).total, 'number');
      }
      await refused(await admin(`${LIST}?limit=0`), 400, /^limit: /);
      await refused(await admin(`${LIST}?limit=5000`), 400, /^limit: /);
      await refused(await admin(`${LIST}?limit=ten`), 400, /^limit: limit must be a number$/);
    });

    it('refuse a bad update-job with 400, an unknown job with 404', async () => {
      const patch = (query: string) => admin(`${UPDATE}${query}`, { method: 'PATCH' });
      await refused(await patch('?status=queued'), 400, /^job_id: job_id must be a number$/);
      await refused(await patch('?job_id=abc&status=queued'), 400, /^job_id: job_id must be a number$/);
      await refused(await patch('?job_id=1'), 400, /^status: status is required$/);
      await refused(await patch('?job_id=1&status=teleported'), 400, /^status must be one of awaiting_otp, queued/);
      await refused(await patch('?job_id=9007199254740991&status=queued'), 404, /^No job 9007199254740991\.$/);
    });
  });

  describe('GET /api/v1/video/jobs/{job_id}', () => {
    it('refuses a non-numeric id (400), a missing token (401) and a wrong one (404)', async () => {
      await refused(await request('/api/v1/video/jobs/abc?tracking_token=x'), 400, /^job_id: job_id must be a number$/);
      await refused(await request('/api/v1/video/jobs/1'), 401, /tracking_token/);
      await refused(await request('/api/v1/video/jobs/1/events'), 401, /tracking_token/);
      await refused(await request(`/api/v1/video/jobs/1?tracking_token=${'0'.repeat(43)}`), 404, /^No job 1 for this tracking token\.$/);
    });
  });

  it('answers an unknown route 404 in the error shape', async () => {
    await refused(await request('/api/v1/video/nothing-here'), 404, /^No route for GET \/api\/v1\/video\/nothing-here$/);
    await refused(await request(SUBMIT), 404, /^No route for GET \/api\/v1\/video\/submit$/);
  });

  it('left no workflow behind on this task queue', async () => {
    await nothingCreated();
  });

  describe('valid numbers', () => {
    it('maps 09876543210, +919876543210, 919876543210 and 98765 43210 spellings to one user and one job', async () => {
      const mobile = freshMobile();
      const spellings = [`0${mobile}`, `+91${mobile}`, `91${mobile}`, `${mobile.slice(0, 5)} ${mobile.slice(5)}`];
      const answers: { status: string; job_id: number; mobile_number: string; tracking_token: string }[] = [];
      for (const spelling of spellings) {
        const response = await submitForm(validFields(spelling), { bytes: selfie });
        const text = await response.text();
        assert.equal(response.status, 200, text);
        answers.push(JSON.parse(text) as (typeof answers)[number]);
      }
      assert.deepEqual(answers.map((answer) => [answer.status, answer.mobile_number, answer.job_id]), spellings.map(() => ['otp_sent', mobile, answers[0]!.job_id]));
      assert.equal(await usersWithNumber(`+91${mobile}`), 1);
      assert.equal(await stack.jobsOfMobile(mobile), 1);
      const [user] = await stack.sql<{ id: string }[]>`select user_id as id from video_jobs where id = ${answers[0]!.job_id}`;
      const description = await stack.temporal.workflow.getHandle(closeupWorkflowId(user!.id)).describe();
      assert.equal(description.status.name, 'RUNNING');

      // A real job read with a replaced or foreign token is a 404, like a job that does not exist.
      const jobId = answers[0]!.job_id;
      await refused(await request(`/api/v1/video/jobs/${jobId}?tracking_token=${answers[0]!.tracking_token}`), 404, /for this tracking token/);
      await refused(await request(`/api/v1/video/jobs/${jobId}/events`, { headers: { 'x-tracking-token': 'someone-elses' } }), 404, /for this tracking token/);
      const own = await request(`/api/v1/video/jobs/${jobId}`, { headers: { 'x-tracking-token': answers.at(-1)!.tracking_token } });
      assert.equal(own.status, 200);

      // The admin list's day filter counts in IST: the job is in today's list, not in yesterday's.
      const day = (offsetDays: number) => new Date(Date.now() + (5.5 * 60 + offsetDays * 24 * 60) * 60_000).toISOString().slice(0, 10);
      const listed = async (query: string) => {
        const response = await admin(`/api/v1/video-jobs/list?limit=1000&${query}`);
        assert.equal(response.status, 200);
        return ((await response.json()) as { jobs: { id: number }[] }).jobs.map((job) => job.id);
      };
      assert.ok((await listed(`from_date=${day(0)}&to_date=${day(0)}`)).includes(jobId));
      assert.ok(!(await listed(`to_date=${day(-1)}`)).includes(jobId));
      assert.ok(!(await listed(`from_date=${day(1)}`)).includes(jobId));
    });
  });
});
