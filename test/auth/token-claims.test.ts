import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signAccessToken } from '../../lib/auth/development-token.js';
import { LEGACY_SECRET, assertRefused, startAuthStack } from './kit.js';

let kit: Awaited<ReturnType<typeof startAuthStack>>;
before(async () => {
  kit = await startAuthStack();
});
after(() => kit?.stop());

const now = () => Math.floor(Date.now() / 1000);

describe('a correctly signed token with the wrong claims', () => {
  it('is refused with 401 naming the claim, for the JWKS’s ES256 and RS256 keys alike', async () => {
    for (const key of [kit.es, kit.rs]) {
      const cases: [Record<string, unknown>, string][] = [
        [{ aud: 'anon' }, 'wrong_audience'],
        [{ aud: ['service_role'] }, 'wrong_audience'],
        [{ aud: undefined }, 'wrong_audience'],
        [{ iss: 'https://other-project.supabase.co/auth/v1' }, 'wrong_issuer'],
        [{ iss: `${kit.auth.issuer}/` }, 'wrong_issuer'],
        [{ iss: undefined }, 'wrong_issuer'],
        // The verifier tolerates 60 s of clock skew; these are well past it.
        [{ iat: now() - 7200, exp: now() - 120 }, 'expired'],
        [{ nbf: now() + 600 }, 'not_yet_valid'],
        [{ exp: undefined }, 'missing_expiry'],
      ];
      for (const [claims, problem] of cases) {
        assertRefused(await kit.call(await kit.auth.sign(key, claims)), 401, problem, `${key.alg} ${JSON.stringify(claims)}`);
      }
      // The same token within the tolerance gets in: the refusals above are the claims’.
      assert.equal((await kit.call(await kit.auth.sign(key, { exp: now() - 10, nbf: now() + 10 }))).status, 200);
    }
  });

  it('is refused the same way on the legacy HS256 path', async () => {
    const user = randomUUID();
    const sign = (options: { audience?: string; issuer?: string; expiresInSeconds?: number; now?: number }) =>
      signAccessToken({ secret: LEGACY_SECRET, userId: user, audience: 'authenticated', issuer: kit.auth.issuer, ...options });
    assert.equal((await kit.call(await sign({}))).status, 200);
    assertRefused(await kit.call(await sign({ audience: 'anon' })), 401, 'wrong_audience');
    assertRefused(await kit.call(await sign({ issuer: 'https://other-project.supabase.co/auth/v1' })), 401, 'wrong_issuer');
    assertRefused(await kit.call(await sign({ now: Date.now() - 7200_000 })), 401, 'expired');
  });
});
