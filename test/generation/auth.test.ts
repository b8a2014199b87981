import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signAccessToken } from '../../lib/auth/development-token.js';
import { startSupabaseAuthFake } from '../fakes/supabase-auth.js';
import { startGenerationStack, type GenerationStack } from '../support/generation-stack.js';

const LEGACY_SECRET = 'a-legacy-supabase-jwt-secret-of-at-least-32-chars';

let auth: Awaited<ReturnType<typeof startSupabaseAuthFake>>;
let es: Awaited<ReturnType<typeof auth.addKey>>;
let stack: GenerationStack;

before(async () => {
  auth = await startSupabaseAuthFake();
  es = await auth.addKey('ES256');
  // A project migrating keys: its JWKS and its legacy secret at once. No worker: acceptance is what is tested.
  stack = await startGenerationStack({ worker: false, env: { SUPABASE_URL: auth.url, SUPABASE_JWT_SECRET: LEGACY_SECRET } });
});
after(async () => {
  await stack?.stop();
  await auth?.close();
});

async function generateWith(token: string | undefined) {
  const response = await fetch(`${stack.url}/videos/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ prompt: 'signed in', resolution: 'sd_480p' }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

describe('the generation API behind Supabase access tokens', () => {
  it('accepts ES256 tokens from the project’s JWKS and HS256 ones from its legacy secret; the job is the token’s user’s', async () => {
    const esUser = randomUUID();
    const accepted = await generateWith(await auth.sign(es, { sub: esUser }));
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const [owner] = await stack.sql<{ owner: string }[]>`select owner from jobs where key = ${String(accepted.body.job_id)}`;
    assert.equal(owner?.owner, esUser);
    const legacyUser = randomUUID();
    const legacy = await signAccessToken({ secret: LEGACY_SECRET, userId: legacyUser, audience: 'authenticated', issuer: auth.issuer });
    const second = await generateWith(legacy);
    assert.equal(second.status, 202);

    // No worker polls this stack's queue: both jobs wait, the later one further back.
    const positions = [];
    for (const [jobId, token] of [[accepted.body.job_id, await auth.sign(es, { sub: esUser })], [second.body.job_id, legacy]] as const) {
      const response = await fetch(`${stack.url}/videos/jobs/${String(jobId)}/status`, { headers: { authorization: `Bearer ${token}` } });
      const status = (await response.json()) as { status: string; queue_position: number; generation_info: { current_step: string } };
      assert.equal(status.status, 'queued');
      assert.equal(status.generation_info.current_step, 'Waiting in queue');
      positions.push(status.queue_position);
    }
    assert.ok(positions[0]! >= 1 && positions[1]! > positions[0]!, `queue positions ${positions.join(', ')}`);
  });

  it('answers 401 saying what is wrong: missing, expired, wrongly signed, wrong audience', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await signAccessToken({ secret: 'another-secret-that-is-long-enough-to-sign', userId: randomUUID(), audience: 'authenticated', issuer: auth.issuer });
    const cases: [string | undefined, string][] = [
      [undefined, 'missing'],
      [await auth.sign(es, { exp: now - 600 }), 'expired'],
      [forged, 'bad_signature'],
      [await auth.sign(es, { aud: 'anon' }), 'wrong_audience'],
    ];
    for (const [token, problem] of cases) {
      const refused = await generateWith(token);
      assert.equal(refused.status, 401, problem);
      assert.equal(refused.body.error, 'Unauthorized');
      assert.equal(refused.body.statusCode, 401);
      assert.deepEqual(refused.body.details, { problem });
      assert.match(String(refused.headers.get('www-authenticate')), /^Bearer/);
    }
  });
});
