import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { PHOTO_MAX_BYTES } from '../../lib/media/image-intake.js';
import { ApiError } from './errors.js';
import { FORM_LIMITS, readMultipartForm } from './multipart-form.js';

const BOUNDARY = 'b0undary';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const LIMIT = PHOTO_MAX_BYTES + 64 * 1024;

/** A body of parts, each its header lines and its content. */
function form(...parts: { headers: string; content: string | Buffer }[]): Buffer {
  return Buffer.concat([
    ...parts.flatMap(({ headers, content }) => [Buffer.from(`--${BOUNDARY}\r\n${headers}\r\n\r\n`), Buffer.from(content), Buffer.from('\r\n')]),
    Buffer.from(`--${BOUNDARY}--\r\n`),
  ]);
}
const field = (name: string, value: string) => ({ headers: `Content-Disposition: form-data; name="${name}"`, content: value });
const read = (body: Buffer, contentType = CONTENT_TYPE) => readMultipartForm(Readable.from([body]), contentType, LIMIT);

/** `total` bytes handed out in 64 KB chunks as they are asked for; `pulled` says how far the reader got. */
function lazyBody(head: Buffer, total: number) {
  const state = { pulled: 0 };
  const body = new Readable({
    read() {
      if (state.pulled >= total) return void this.push(null);
      const chunk = state.pulled < head.length ? head.subarray(state.pulled, state.pulled + 65536) : Buffer.alloc(Math.min(65536, total - state.pulled));
      state.pulled += chunk.length;
      this.push(chunk);
    },
  });
  return { body, state };
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof ApiError, `expected a refusal, got ${String(error)}`);
  return error;
}

describe('readMultipartForm', () => {
  it('gives file names as the client meant them: filename* over filename, raw UTF-8, escaped quotes', async () => {
    const parsed = await read(
      form(
        { headers: "Content-Type: image/jpeg\r\nContent-Disposition: form-data; name=photo; filename=selfie.jpg; filename*=utf-8''s%C3%A9lfie.jpg", content: 'JPEG' },
        { headers: 'Content-Disposition: form-data; name="scan"; filename="फोटो.png"\r\nContent-Type: image/png', content: 'PNG' },
        { headers: 'Content-Disposition: form-data; name="note"; filename="my \\"best\\" one.txt"', content: 'text' },
        field('mobile_number', '9876543210'),
      ),
    );
    const photo = parsed.get('photo') as File;
    assert.ok(photo instanceof File);
    assert.equal(photo.name, 'sélfie.jpg');
    assert.equal(photo.type, 'image/jpeg');
    assert.equal(await photo.text(), 'JPEG');
    assert.equal((parsed.get('scan') as File).name, 'फोटो.png');
    assert.equal((parsed.get('note') as File).name, 'my "best" one.txt');
    assert.equal(parsed.get('mobile_number'), '9876543210');
  });

  it('lets list fields (name[]) repeat, and names any other field sent twice', async () => {
    const parsed = await read(form(field('tags[]', 'a'), field('tags[]', 'b')));
    assert.deepEqual(parsed.getAll('tags[]'), ['a', 'b']);
    const twice = await refusal(read(form(field('vibe', 'Romance'), field('vibe', 'Romance'))));
    assert.equal(twice.statusCode, 400);
    assert.match(twice.message, /^vibe was sent twice/);
    assert.deepEqual(twice.details, [{ field: 'vibe', message: 'was sent twice' }]);
  });

  /** A form whose photo part goes on with zeros as long as the body lasts. */
  const endlessPhoto = () => form({ headers: 'Content-Disposition: form-data; name="photo"; filename="big.jpg"', content: '' }).subarray(0, -`\r\n--${BOUNDARY}--\r\n`.length);

  it('refuses a photo past 10 MB as it streams, reading no further', async () => {
    const { body, state } = lazyBody(endlessPhoto(), 64 * 1024 * 1024);
    const tooLarge = await refusal(readMultipartForm(body, CONTENT_TYPE, 100 * 1024 * 1024));
    assert.equal(tooLarge.statusCode, 413);
    assert.deepEqual(tooLarge.details, { code: 'PHOTO_TOO_LARGE' });
    assert.ok(state.pulled < PHOTO_MAX_BYTES + 1024 * 1024, `read ${state.pulled} bytes of 64 MB`);
    assert.ok(!body.readableEnded, 'the rest is left for the caller to drain');
  });

  it('names another file part past 10 MB as itself, not as a photo', async () => {
    const transcript = form({ headers: 'Content-Disposition: form-data; name="file"; filename="script.txt"', content: Buffer.alloc(PHOTO_MAX_BYTES + 1, 0x61) });
    const tooLarge = await refusal(read(transcript));
    assert.equal(tooLarge.statusCode, 413);
    assert.deepEqual(tooLarge.details, { code: 'FILE_TOO_LARGE' });
    assert.match(tooLarge.message, /^file is larger than 10 MB$/);
  });

  it('refuses a body past its limit, a field past 64 KB and too many parts with 413', async () => {
    const { body } = lazyBody(endlessPhoto(), 64 * 1024 * 1024);
    assert.match((await refusal(readMultipartForm(body, CONTENT_TYPE, 1024 * 1024))).message, /^Request body exceeds 1024 KB$/);
    const long = await refusal(read(form(field('attribute_love', 'x'.repeat(FORM_LIMITS.fieldBytes + 1)))));
    assert.equal(long.statusCode, 413);
    assert.match(long.message, /^attribute_love is longer than 64 KB$/);
    const many = Array.from({ length: FORM_LIMITS.parts + 1 }, (_, index) => field(`f${index}`, 'x'));
    assert.equal((await refusal(read(form(...many)))).statusCode, 413);
  });

  it('answers 400 MALFORMED_MULTIPART for no boundary, an early end and LF line breaks', async () => {
    const whole = form(field('gender', 'female'));
    for (const [contentType, body] of [
      ['multipart/form-data', whole],
      [CONTENT_TYPE, whole.subarray(0, whole.length - 10)],
      [CONTENT_TYPE, Buffer.from(whole.toString().replace(/\r\n/g, '\n'))],
    ] as const) {
      const malformed = await refusal(read(body, contentType));
      assert.equal(malformed.statusCode, 400);
      assert.deepEqual(malformed.details, { code: 'MALFORMED_MULTIPART' });
      assert.match(malformed.message, /^Malformed FormData: /);
    }
  });
});
