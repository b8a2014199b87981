import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createRoute, z } from '@hono/zod-openapi';
import { pino } from 'pino';
import { requestSigning } from '../../api/feed/request-signing.js';
import { createAppDeps } from '../../api/lib/deps.js';
import { ApiError } from '../../api/lib/errors.js';
import { createRouter } from '../../api/lib/router.js';
import type { AppDeps } from '../../api/lib/types.js';
import { PURGE_MARGIN_SECONDS } from '../../db/request-signatures.js';
import { signRequest } from '../../lib/auth/request-signature.js';
import { startGenerationStack, type GenerationClient, type GenerationStack } from '../support/generation-stack.js';
import { serveWithSockets } from '../support/job-streams.js';

const SECRET = `test-signing-secret-${randomBytes(16).toString('hex')}`;
const TTL = 120;
const nowSeconds = () => Math.floor(Date.now() / 1000);

interface Signing {
  /** Unix seconds; now by default. */
  timestamp?: number;
  /** Signed instead of what is sent (to tamper). */
  signedPath?: string;
  signedBody?: string;
  secret?: string;
}

type SignatureHeaders = { 'x-instaveo-timestamp': string; 'x-instaveo-signature': string };

/** The headers a server-side caller sends: the canonical string over path with query as `new URL` serialises it. */
function signatureHeaders(base: string, method: string, path: string, body: string, signing: Signing = {}): SignatureHeaders {
  const url = new URL(signing.signedPath ?? path, base);
  const timestamp = signing.timestamp ?? nowSeconds();
  const signature = signRequest(signing.secret ?? SECRET, { timestamp, method, pathWithQuery: url.pathname + url.search, body: signing.signedBody ?? body });
  return { 'x-instaveo-timestamp': String(timestamp), 'x-instaveo-signature': signature };
}

interface Answer {
  status: number;
  body: { error?: string; statusCode?: number; message?: string; details?: { problem?: string } } & Record<string, unknown>;
}

async function send(base: string, method: string, path: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(new URL(path, base), { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === '' ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Answer['body']) : {} };
}

const refusedAs = (answer: Answer, problem: string) => {
  assert.equal(answer.status, 401, JSON.stringify(answer.body));
  assert.equal(answer.body.error, 'Unauthorized');
  assert.equal(answer.body.statusCode, 401);
  assert.equal(answer.body.details?.problem, problem, JSON.stringify(answer.body));
};
const passed = (answer: Answer) => assert.notEqual(answer.status, 401, `refused: ${JSON.stringify(answer.body)}`);

let signed: GenerationStack;
let unsigned: GenerationStack;
before(async () => {
  [signed, unsigned] = await Promise.all([
    startGenerationStack({ worker: false, env: { REQUEST_SIGNATURE_SECRET: SECRET, REQUEST_SIGNATURE_TTL_SECONDS: String(TTL) } }),
    startGenerationStack({ worker: false }),
  ]);
});
after(async () => {
  await Promise.all([signed?.stop(), unsigned?.stop()]);
});

describe('request signing on the feed (REQUEST_SIGNATURE_SECRET set)', () => {
  let user: GenerationClient;
  let path: string;
  // A mutating feed route of the user's own (PATCH /users/:id); the signing runs before any route.
  const call = (body: string, signing: Signing = {}, target = path, method = 'PATCH') =>
    send(signed.url, method, target, body, { authorization: `Bearer ${user.token}`, ...signatureHeaders(signed.url, method, target, body, signing) });
  const profileBody = () => JSON.stringify({ username: `signed_${randomBytes(4).toString('hex')}` });

  before(async () => {
    user = await signed.as();
    path = `/feed/users/${user.userId}`;
  });

  it('passes a signed request through to the route, within the window either way', async () => {
    passed(await call(profileBody()));
    passed(await call(profileBody(), { timestamp: nowSeconds() - TTL + 10 }));
    passed(await call(profileBody(), { timestamp: nowSeconds() + TTL - 10 }));
    // DELETE without a body signs the empty body's digest.
    passed(await call('', {}, `/feed/videos/${crypto.randomUUID()}`, 'DELETE'));
  });

  it('refuses a timestamp older than the TTL as expired and newer as future', async () => {
    refusedAs(await call(profileBody(), { timestamp: nowSeconds() - TTL - 5 }), 'expired');
    refusedAs(await call(profileBody(), { timestamp: nowSeconds() + TTL + 5 }), 'future');
  });

  it('refuses a tampered body, path, query or method, or another secret, as bad_signature', async () => {
    const body = profileBody();
    refusedAs(await call(body, { signedBody: JSON.stringify({ username: 'someone_else' }) }), 'bad_signature');
    refusedAs(await call(body, { signedPath: `/feed/users/${crypto.randomUUID()}` }), 'bad_signature');
    refusedAs(await call(body, { signedPath: `${path}?as=admin` }), 'bad_signature');
    refusedAs(await call(body, { signedPath: path.replace(/^\/feed/, '') }), 'bad_signature');
    refusedAs(await call(body, { secret: 'another-secret-of-at-least-32-characters' }), 'bad_signature');
    const headers = signatureHeaders(signed.url, 'POST', path, body);
    refusedAs(await send(signed.url, 'PATCH', path, body, { authorization: `Bearer ${user.token}`, ...headers }), 'bad_signature');
  });

  it('refuses a replayed signature, also when the replays arrive at once', async () => {
    const body = profileBody();
    const headers = { authorization: `Bearer ${user.token}`, ...signatureHeaders(signed.url, 'PATCH', path, body) };
    passed(await send(signed.url, 'PATCH', path, body, headers));
    refusedAs(await send(signed.url, 'PATCH', path, body, headers), 'replayed');
    const upper = { ...headers, 'x-instaveo-signature': headers['x-instaveo-signature'].toUpperCase() };
    refusedAs(await send(signed.url, 'PATCH', path, body, upper), 'replayed');

    const again = profileBody();
    const together = { authorization: `Bearer ${user.token}`, ...signatureHeaders(signed.url, 'PATCH', path, again) };
    const answers = await Promise.all(Array.from({ length: 12 }, () => send(signed.url, 'PATCH', path, again, together)));
    assert.equal(answers.filter((answer) => answer.status !== 401).length, 1, JSON.stringify(answers.map((answer) => answer.status)));
    for (const answer of answers.filter((one) => one.status === 401)) refusedAs(answer, 'replayed');
  });

  it('refuses missing and malformed headers', async () => {
    const body = profileBody();
    const auth = { authorization: `Bearer ${user.token}` };
    const good = signatureHeaders(signed.url, 'PATCH', path, body);
    refusedAs(await send(signed.url, 'PATCH', path, body, auth), 'missing');
    refusedAs(await send(signed.url, 'PATCH', path, body, { ...auth, 'x-instaveo-signature': good['x-instaveo-signature'] }), 'missing');
    refusedAs(await send(signed.url, 'PATCH', path, body, { ...auth, 'x-instaveo-timestamp': good['x-instaveo-timestamp'] }), 'missing');
    refusedAs(await send(signed.url, 'PATCH', path, body, { ...auth, ...good, 'x-instaveo-timestamp': new Date().toISOString() }), 'malformed');
    refusedAs(await send(signed.url, 'PATCH', path, body, { ...auth, ...good, 'x-instaveo-signature': Buffer.from(good['x-instaveo-signature'], 'hex').toString('base64') }), 'malformed');
    // Anonymous mutating requests are signed too (feedSession lets them through to the signing).
    refusedAs(await send(signed.url, 'POST', `/feed/videos/${crypto.randomUUID()}/view`, '{}', {}), 'missing');
  });

  it('never asks GETs for a signature', async () => {
    // Signed in, so any 401 would be the signing's.
    for (const target of ['/feed/videos/feed', `/feed/users/${user.userId}`, `/feed/videos/${crypto.randomUUID()}`, '/feed/users/top']) {
      passed(await send(signed.url, 'GET', target, '', { authorization: `Bearer ${user.token}` }));
    }
    passed(await send(signed.url, 'GET', '/feed/videos/feed', '', {}));
  });

  it('records verified signatures only, until timestamp + TTL, and purges expired rows as it inserts', async () => {
    const stale = randomBytes(32).toString('hex');
    await signed.sql`insert into request_signatures (signature, expires_at) values (${stale}, now() - make_interval(secs => ${PURGE_MARGIN_SECONDS + 60}))`;
    const junk = '0'.repeat(64);
    refusedAs(await send(signed.url, 'PATCH', path, '{}', { 'x-instaveo-timestamp': String(nowSeconds()), 'x-instaveo-signature': junk }), 'bad_signature');

    const timestamp = nowSeconds();
    const body = profileBody();
    const headers = signatureHeaders(signed.url, 'PATCH', path, body, { timestamp });
    passed(await send(signed.url, 'PATCH', path, body, { authorization: `Bearer ${user.token}`, ...headers }));
    const rows = await signed.sql<{ signature: string; expiresAt: Date }[]>`
      select signature, expires_at as "expiresAt" from request_signatures where signature in (${stale}, ${junk}, ${headers['x-instaveo-signature']})`;
    assert.deepEqual([...rows], [{ signature: headers['x-instaveo-signature'], expiresAt: new Date((timestamp + TTL) * 1000) }]);
  });
});

describe('request signing off (no REQUEST_SIGNATURE_SECRET)', () => {
  it('lets unsigned mutating requests through', async () => {
    const user = await unsigned.as();
    const body = JSON.stringify({ username: `plain_${randomBytes(4).toString('hex')}` });
    passed(await send(unsigned.url, 'PATCH', `/feed/users/${user.userId}`, body, { authorization: `Bearer ${user.token}` }));
    passed(await send(unsigned.url, 'POST', `/feed/videos/${crypto.randomUUID()}/view`, '{}', {}));
  });
});

describe('request signing in front of a route that parses its body', () => {
  // A tiny feed mounted the way the app mounts the real one: the route's validator must read the
  // very bytes the signing read, and a path signed as `new URL` serialises it must verify.
  let served: Awaited<ReturnType<typeof serveWithSockets>>;
  let deps: AppDeps;
  before(async () => {
    deps = createAppDeps(signed.config, { logger: pino({ level: 'silent' }), sql: signed.sql, temporal: signed.temporal });
    const feed = createRouter();
    feed.use('*', requestSigning);
    const echo = createRoute({
      method: 'post',
      path: '/echo',
      request: { body: { content: { 'application/json': { schema: z.object({ prompt: z.string() }) } }, required: true } },
      responses: { 200: { description: 'The parsed body and query', content: { 'application/json': { schema: z.object({ prompt: z.string(), query: z.record(z.string(), z.string()) }) } } } },
    });
    feed.openapi(echo, (c) => c.json({ ...c.req.valid('json'), query: c.req.query() }, 200));
    const app = createRouter();
    app.use((c, next) => {
      c.set('deps', deps);
      c.set('logger', deps.logger);
      return next();
    });
    app.route(signed.config.FEED_BASE_PATH, feed);
    app.onError((error, c) => (error instanceof ApiError ? c.json(error.toBody(), error.statusCode) : c.json({ message: String(error) }, 500)));
    served = await serveWithSockets(app);
  });
  after(async () => {
    await served?.close();
    await deps?.hub.close();
  });

  it('hands the route the body it verified, with query strings and escapes signed as sent', async () => {
    const body = JSON.stringify({ prompt: 'A cat playing piano — in a jazz club ♪' });
    for (const target of ['/feed/echo', '/feed/echo?mode=draft&tag=a b', '/feed/echo?q=%C3%A9t%C3%A9&empty=']) {
      const answer = await send(served.url, 'POST', target, body, signatureHeaders(served.url, 'POST', target, body));
      assert.equal(answer.status, 200, `${target}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.prompt, 'A cat playing piano — in a jazz club ♪');
      assert.deepEqual(answer.body.query, Object.fromEntries(new URL(target, served.url).searchParams));
    }
    refusedAs(await send(served.url, 'POST', '/feed/echo', body, signatureHeaders(served.url, 'POST', '/feed/echo', `${body} `)), 'bad_signature');
  });
});
