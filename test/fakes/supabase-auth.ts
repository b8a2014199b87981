import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { sendJson, startLoopbackServer } from './loopback.js';

interface SigningKey {
  kid: string;
  alg: 'ES256' | 'RS256';
  privateKey: CryptoKey;
  jwk: JWK;
}

/**
 * A Supabase project's auth server as far as tokens go: the JWKS endpoint
 * (`/auth/v1/.well-known/jwks.json`, asymmetric public keys only, as Supabase publishes) and a
 * signer for its access tokens (`iss` = `{url}/auth/v1`, `aud` = `authenticated`, `role`, `exp`).
 */
export async function startSupabaseAuthFake() {
  const keys: SigningKey[] = [];
  const fetches: number[] = [];
  async function addKey(alg: 'ES256' | 'RS256', publish = true): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const key = { kid: randomUUID(), alg, privateKey, jwk: { ...(await exportJWK(publicKey)), alg, use: 'sig' } };
    key.jwk.kid = key.kid;
    if (publish) keys.push(key);
    return key;
  }
  const server = await startLoopbackServer((request, response) => {
    if (request.url !== '/auth/v1/.well-known/jwks.json') return sendJson(response, 404, { message: 'not found' });
    fetches.push(Date.now());
    sendJson(response, 200, { keys: keys.map((key) => key.jwk) }, { 'cache-control': 'public, max-age=600' });
  });
  const issuer = `${server.url}/auth/v1`;

  return {
    url: server.url,
    issuer,
    /** When the JWKS was fetched (ms since epoch), one entry per request. */
    fetches,
    addKey,
    publish: (key: SigningKey) => void keys.push(key),
    /** An access token as Supabase signs it; `claims` override the defaults. */
    sign(key: SigningKey, claims: Record<string, unknown> = {}, expiresInSeconds = 3600) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ role: 'authenticated', email: 'user@example.com', aud: 'authenticated', iss: issuer, sub: randomUUID(), iat: now, exp: now + expiresInSeconds, ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
        .sign(key.privateKey);
    },
    close: () => server.close(),
  };
}
