import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it, mock } from 'node:test';
import { Hono } from 'hono';
import { ApiError } from '../../api/lib/errors.js';
import { requireUser, userTokenVerifier } from '../../api/lib/require-user.js';
import type { AppEnv } from '../../api/lib/types.js';
import type { SignedInUser } from '../../lib/auth/supabase-token.js';
import { startSupabaseAuthFake } from '../fakes/supabase-auth.js';
import type { AuthFake, SigningKey } from './kit.js';

const FLOOD = 300;

let auth: AuthFake;
let published: SigningKey;
let app: Hono<AppEnv & { Variables: { user: SignedInUser } }>;
before(async () => {
  auth = await startSupabaseAuthFake();
  published = await auth.addKey('ES256');
  // The API's own wiring of the verifier (default cooldown), behind its own middleware.
  const verify = userTokenVerifier({ SUPABASE_URL: auth.url, SUPABASE_JWT_SECRET: undefined, SUPABASE_JWT_AUDIENCE: 'authenticated' });
  app = new Hono<AppEnv & { Variables: { user: SignedInUser } }>();
  app.use(requireUser({ verify }));
  app.get('/me', (c) => c.json({ id: c.var.user.id }));
  app.onError((error, c) => (error instanceof ApiError ? c.json(error.toBody(), error.statusCode) : c.json({ error: 'InternalError', message: String(error), statusCode: 500 }, 500)));
  // The clock the key set's cooldown reads, moved by the test rather than waited for.
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
});
after(async () => {
  mock.timers.reset();
  await auth?.close();
});

const ask = (token: string) => app.request('/me', { headers: { authorization: `Bearer ${token}` } });

/** FLOOD tokens at once, each signed by a key the project never published under a kid of its own; their statuses and problems. */
async function flood(): Promise<Map<string, number>> {
  const attacker = await auth.addKey('ES256', false);
  const tokens = await Promise.all(Array.from({ length: FLOOD }, () => auth.sign({ ...attacker, kid: randomUUID() })));
  const started = performance.now();
  const replies = await Promise.all(tokens.map(async (token) => {
    const response = await ask(token);
    return `${response.status} ${((await response.json()) as { details?: { problem?: string } }).details?.problem}`;
  }));
  console.log(`# ${FLOOD} unknown kids answered in ${Math.round(performance.now() - started)} ms`);
  const counts = new Map<string, number>();
  for (const reply of replies) counts.set(reply, (counts.get(reply) ?? 0) + 1);
  return counts;
}

describe('a flood of tokens with unknown kids', () => {
  it('is refused 401 unknown_key while the JWKS is fetched at most once per 30 s; a key published meanwhile is picked up by that one refetch', async () => {
    assert.equal((await ask(await auth.sign(published))).status, 200);
    assert.equal(auth.fetches.length, 1, 'the first token fetched the key set');

    assert.deepEqual(await flood(), new Map([[`401 unknown_key`, FLOOD]]));
    mock.timers.tick(29_000);
    assert.deepEqual(await flood(), new Map([[`401 unknown_key`, FLOOD]]));
    assert.equal(auth.fetches.length, 1, 'no refetch within 30 s of the last');

    const rotated = await auth.addKey('RS256', false);
    auth.publish(rotated);
    const rotatedToken = await auth.sign(rotated);
    assert.equal((await ask(rotatedToken)).status, 401, 'a newly published key waits for the cooldown too');
    mock.timers.tick(1_500);
    // Past the cooldown: the whole flood and the rotated key's token share one refetch.
    const [counts, rotatedReply] = await Promise.all([flood(), ask(rotatedToken)]);
    assert.deepEqual(counts, new Map([[`401 unknown_key`, FLOOD]]));
    assert.equal(rotatedReply.status, 200, 'the rotated key was fetched');
    assert.equal(auth.fetches.length, 2);
    assert.deepEqual(await flood(), new Map([[`401 unknown_key`, FLOOD]]));
    assert.equal(auth.fetches.length, 2, 'and none after it');
  });
});
