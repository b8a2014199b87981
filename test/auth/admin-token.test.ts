import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startGenerationStack, type GenerationStack, type Reply } from '../support/generation-stack.js';
import { assertRefused } from './kit.js';

const ADMIN_TOKEN = 'an-admin-token-of-forty-characters-00042';

let stack: GenerationStack;
let jobKey: string;
before(async () => {
  stack = await startGenerationStack({ worker: false, env: { ADMIN_TOKEN } });
  const user = await stack.as();
  jobKey = String((await user.generate()).body.job_id);
});
after(() => stack?.stop());

async function call(method: string, path: string, authorization: string | undefined): Promise<Reply> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
    ...(method === 'POST' ? { body: JSON.stringify({ user_id: randomUUID(), amount: 1_000, reason: 'attack' }) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

/** Every admin route: Close-Up's admin, the engine's generic admin, credit grants. */
const routes = (): [string, string][] => [
  ['GET', '/api/v1/video-jobs/list?limit=1'],
  ['PATCH', '/api/v1/video-jobs/update-job?job_id=1&status=queued'],
  ['GET', '/api/v1/admin/jobs?limit=1'],
  ['GET', `/api/v1/admin/jobs/${jobKey}`],
  ['POST', `/api/v1/admin/jobs/${jobKey}/retry`],
  ['POST', `/api/v1/admin/jobs/${jobKey}/cancel`],
  ['POST', '/api/v1/admin/credits/grant'],
];

const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'x' ? 'y' : 'x') + text.slice(at + 1);

describe('the admin routes', () => {
  it('refuse 401 in the error shape without the admin token, with a wrong one, or one differing in a single character', async () => {
    const attempts: [string, string | undefined][] = [
      ['no header', undefined],
      ['an empty bearer', 'Bearer '],
      ['the token without the scheme', ADMIN_TOKEN],
      ['Basic with the token', `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`],
      ['a wrong token', 'Bearer not-the-admin-token-at-all-but-as-long-00'],
      ['the development token', 'Bearer dev-admin-token'],
      ['a user’s access token', `Bearer ${(await stack.as()).token}`],
      ['the first character changed', `Bearer ${flip(ADMIN_TOKEN, 0)}`],
      ['the last character changed', `Bearer ${flip(ADMIN_TOKEN, ADMIN_TOKEN.length - 1)}`],
      ['one character short', `Bearer ${ADMIN_TOKEN.slice(0, -1)}`],
      ['one character more', `Bearer ${ADMIN_TOKEN}0`],
      ['in upper case', `Bearer ${ADMIN_TOKEN.toUpperCase()}`],
      ['the token twice', `Bearer ${ADMIN_TOKEN}${ADMIN_TOKEN}`],
    ];
    for (const [method, path] of routes()) {
      for (const [label, authorization] of attempts) {
        const reply = await call(method, path, authorization);
        assertRefused(reply, 401, undefined, `${method} ${path}: ${label}`);
        assert.equal(reply.body.error, 'Unauthorized');
        assert.equal(reply.body.message, 'An admin bearer token is required.');
      }
    }
    const [grants] = await stack.sql<{ count: number }[]>`select count(*)::int as count from credit_ledger where reason = 'attack'`;
    assert.equal(grants?.count, 0, 'no refused grant was applied');
  });

  it('let the admin token through on every one of them', async () => {
    for (const [method, path] of routes()) {
      const reply = await call(method, path, `Bearer ${ADMIN_TOKEN}`);
      assert.notEqual(reply.status, 401, `${method} ${path} ${JSON.stringify(reply.body)}`);
    }
  });
});
