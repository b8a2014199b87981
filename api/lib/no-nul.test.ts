import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hono } from 'hono';
import { ApiError } from './errors.js';
import { refuseNulCharacters } from './no-nul.js';

// A JSON body nested 30,000 deep fits the 64 KB limit; the NUL check recursed into it and overflowed
// the stack, which the app answered 500.
const app = new Hono()
  .use(refuseNulCharacters)
  .post('/x', (c) => c.json({ reached: true }))
  .onError((error, c) => (error instanceof ApiError ? c.json(error.toBody(), error.statusCode) : c.json({ error: String(error) }, 500)));

const post = (body: string) => app.request('/x', { method: 'POST', body, headers: { 'content-type': 'application/json' } });

test('deeply nested JSON passes the NUL check without overflowing the stack', async () => {
  const depth = 30_000;
  assert.equal((await post('['.repeat(depth) + ']'.repeat(depth))).status, 200);
  assert.equal((await post('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))).status, 200);
});

test('a NUL at the bottom of deep JSON, in a value or a key, is still refused', async () => {
  const depth = 30_000;
  const inValue = await post('['.repeat(depth) + '"a\\u0000"' + ']'.repeat(depth));
  assert.equal(inValue.status, 400);
  assert.equal(((await inValue.json()) as { error: string }).error, 'ValidationError');
  assert.equal((await post('{"a":'.repeat(depth) + '{"k\\u0000":1}' + '}'.repeat(depth))).status, 400);
});
