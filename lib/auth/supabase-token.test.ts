import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { SignJWT, exportSPKI, importJWK, type CryptoKey } from 'jose';
import { ApiError } from '../../api/lib/errors.js';
import { requireUser, userTokenVerifier } from '../../api/lib/require-user.js';
import type { AppEnv } from '../../api/lib/types.js';
import { startSupabaseAuthFake } from '../../test/fakes/supabase-auth.js';
import { DEVELOPMENT_SUPABASE_JWT_SECRET, loadConfig } from '../config.js';
import { signAccessToken } from './development-token.js';
import { KeySetUnavailableError, TokenError, createTokenVerifier, type SignedInUser } from './supabase-token.js';

const SECRET = 'legacy-hs256-secret-of-a-supabase-project-0123456789';
const refusedFor = (problem: string) => (error: unknown) => error instanceof TokenError && error.problem === problem;

describe('Supabase access tokens', () => {
  let auth: Awaited<ReturnType<typeof startSupabaseAuthFake>>;
  let es: Awaited<ReturnType<typeof auth.addKey>>;
  let rs: Awaited<ReturnType<typeof auth.addKey>>;
  let verify: ReturnType<typeof createTokenVerifier>;
  before(async () => {
    auth = await startSupabaseAuthFake();
    [es, rs] = [await auth.addKey('ES256'), await auth.addKey('RS256')];
    verify = createTokenVerifier({ supabaseUrl: auth.url, hs256Secret: new TextEncoder().encode(SECRET), audience: 'authenticated', jwksCooldownMs: 1_500 });
  });
  after(() => auth.close());

  it('accepts ES256 and RS256 tokens from the JWKS and HS256 ones from the legacy secret, configured together', async () => {
    const sub = randomUUID();
    assert.deepEqual(await verify(await auth.sign(es, { sub })), { id: sub, email: 'user@example.com', role: 'authenticated' });
    assert.equal((await verify(await auth.sign(rs, { sub }))).id, sub);
    const legacy = await signAccessToken({ secret: SECRET, userId: sub, audience: 'authenticated', issuer: auth.issuer });
    assert.equal((await verify(legacy)).id, sub);
  });

  it('says what is wrong: missing, not a JWT, expired beyond 60 s, no expiry, other audience or issuer, no subject', async () => {
    await assert.rejects(verify(undefined), refusedFor('missing'));
    await assert.rejects(verify('not.a.jwt'), refusedFor('malformed'));
    assert.ok(await verify(await auth.sign(es, { exp: Math.floor(Date.now() / 1000) - 30 })), 'within the clock tolerance');
    await assert.rejects(verify(await auth.sign(es, { exp: Math.floor(Date.now() / 1000) - 120 })), refusedFor('expired'));
    // A token without exp would never expire: Supabase never issues one.
    await assert.rejects(verify(await auth.sign(es, { exp: undefined })), refusedFor('missing_expiry'));
    const eternal = await new SignJWT({ sub: randomUUID(), aud: 'authenticated', iss: auth.issuer }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    await assert.rejects(verify(eternal), refusedFor('missing_expiry'));
    await assert.rejects(verify(await auth.sign(es, { aud: 'anon' })), refusedFor('wrong_audience'));
    await assert.rejects(verify(await auth.sign(es, { iss: 'https://other.supabase.co/auth/v1' })), refusedFor('wrong_issuer'));
    await assert.rejects(verify(await auth.sign(es, { sub: undefined })), refusedFor('no_subject'));
  });

  it('takes the user id only as a UUID, in lowercase, so any spelling of it is the same user', async () => {
    for (const sub of ['admin', 'user-123', `${randomUUID()}x`, ' ' + randomUUID()]) {
      await assert.rejects(verify(await auth.sign(es, { sub })), (error: unknown) => refusedFor('bad_subject')(error) && /not a Supabase user id \(a UUID\)/.test((error as Error).message), sub);
    }
    const sub = randomUUID();
    assert.equal((await verify(await auth.sign(es, { sub: sub.toUpperCase() }))).id, sub);
    assert.equal((await verify(await auth.sign(rs, { sub }))).id, sub);
  });

  it('refuses a forged signature and never lets the token pick the key type', async () => {
    const unpublished = await auth.addKey('ES256', false);
    const forged = await auth.sign({ ...unpublished, kid: es.kid });
    await assert.rejects(verify(forged), refusedFor('bad_signature'));
    // A genuine token whose payload was swapped for another user's claims.
    const [header, , signature] = (await auth.sign(es)).split('.');
    const claims = Buffer.from(JSON.stringify({ sub: 'admin', aud: 'authenticated', iss: auth.issuer, exp: 9e9 })).toString('base64url');
    await assert.rejects(verify(`${header}.${claims}.${signature}`), refusedFor('bad_signature'));
    // The classic confusion: HS256 "signed" with the public key as the secret.
    const publicPem = await exportSPKI((await importJWK(rs.jwk, 'RS256')) as CryptoKey);
    const confused = await new SignJWT({ sub: randomUUID(), aud: 'authenticated', iss: auth.issuer })
      .setProtectedHeader({ alg: 'HS256', kid: rs.kid })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(publicPem));
    const jwksOnly = createTokenVerifier({ supabaseUrl: auth.url, audience: 'authenticated' });
    await assert.rejects(jwksOnly(confused), refusedFor('unsupported_algorithm'));
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x' })).toString('base64url')}.`;
    await assert.rejects(verify(none), refusedFor('unsupported_algorithm'));
  });

  it('refetches the JWKS for an unknown kid at most once per cooldown, and picks up a rotated key', async () => {
    const rotated = await auth.addKey('ES256', false);
    const token = await auth.sign(rotated);
    await verify(await auth.sign(es));
    const before = auth.fetches.length;
    await assert.rejects(verify(token), refusedFor('unknown_key'));
    await assert.rejects(verify(token), refusedFor('unknown_key'));
    assert.ok(auth.fetches.length - before <= 1, `fetched ${auth.fetches.length - before} times within the cooldown`);
    auth.publish(rotated);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    assert.ok(await verify(token), 'the new key is fetched once the cooldown has passed');
  });

  it('tells an unreachable key set apart from a bad token', async () => {
    const down = createTokenVerifier({ supabaseUrl: 'http://127.0.0.1:9', audience: 'authenticated' });
    await assert.rejects(down(await auth.sign(es)), KeySetUnavailableError);
  });

  it('answers 401 in the error shape with the problem, and sets the user for the route', async () => {
    const app = new Hono<AppEnv & { Variables: { user: SignedInUser } }>();
    app.use(requireUser({ verify }));
    app.get('/me', (c) => c.json({ id: c.var.user.id }));
    app.onError((error, c) => (error instanceof ApiError ? c.json(error.toBody(), error.statusCode) : c.json({ error: 'InternalError' }, 500)));
    const sub = randomUUID();
    const ok = await app.request('/me', { headers: { authorization: `Bearer ${await auth.sign(es, { sub })}` } });
    assert.deepEqual(await ok.json(), { id: sub });
    const expired = await app.request('/me', { headers: { authorization: `Bearer ${await auth.sign(es, {}, -300)}` } });
    assert.equal(expired.status, 401);
    assert.deepEqual(await expired.json(), { error: 'Unauthorized', message: 'The access token has expired; refresh the session and retry.', statusCode: 401, details: { problem: 'expired' } });
    assert.equal((await app.request('/me')).status, 401);
  });

  it('takes ?access_token= only where a route asks for it; a route’s own requireUser runs before the generic one', async () => {
    const app = new Hono<AppEnv & { Variables: { user: SignedInUser } }>();
    app.use('/stream', requireUser({ verify, queryToken: true }));
    app.use('*', requireUser({ verify: () => Promise.reject(new TokenError('missing', 'generic refused')) }));
    app.get('/stream', (c) => c.json({ id: c.var.user.id }));
    app.get('/other', (c) => c.json({ id: c.var.user.id }));
    app.onError((error, c) => (error instanceof ApiError ? c.json(error.toBody(), error.statusCode) : c.json({ error: 'InternalError' }, 500)));
    const sub = randomUUID();
    const token = await auth.sign(es, { sub });
    const streamed = await app.request(`/stream?access_token=${token}`);
    assert.deepEqual(await streamed.json(), { id: sub });
    assert.equal((await app.request(`/other?access_token=${token}`)).status, 401);
    const refused = await app.request('/stream');
    assert.equal(refused.status, 401);
    assert.match(((await refused.json()) as { message: string }).message, /\?access_token=/);
  });

  it('signs development tokens with `npm run token` that the default configuration accepts; production needs a Supabase setting', async () => {
    const user = randomUUID();
    const env = { ...process.env, NODE_ENV: 'development', SUPABASE_URL: '', SUPABASE_JWT_SECRET: '' };
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--user', user, '--email', 'dev@example.com'], { env });
    const config = loadConfig(env);
    assert.equal(config.SUPABASE_JWT_SECRET, DEVELOPMENT_SUPABASE_JWT_SECRET);
    assert.deepEqual(await userTokenVerifier(config)(stdout.trim()), { id: user, email: 'dev@example.com', role: 'authenticated' });
    await assert.rejects(promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--user', 'alice'], { env }), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /--user must be a UUID, as Supabase user ids are \(got "alice"\)/);
      return true;
    });
    await assert.rejects(signAccessToken({ secret: SECRET, userId: 'alice', audience: 'authenticated' }), /user id must be a UUID/);
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /SUPABASE_URL or SUPABASE_JWT_SECRET is required/);
  });
});
