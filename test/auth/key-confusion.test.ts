import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportSPKI, importJWK, type CryptoKey, type JWK } from 'jose';
import { assertRefused, startAuthStack, type SigningKey } from './kit.js';

// Each stack in its own: one trusting the JWKS alone, one the JWKS and a legacy HS256 secret.
let jwksOnly: Awaited<ReturnType<typeof startAuthStack>>;
let both: Awaited<ReturnType<typeof startAuthStack>>;
before(async () => {
  [jwksOnly, both] = await Promise.all([startAuthStack({ legacySecret: false }), startAuthStack()]);
});
after(async () => {
  await Promise.all([jwksOnly?.stop(), both?.stop()]);
});

/** The spellings of a published public key an attacker may try as an HMAC secret. */
async function publicKeyAsSecrets(keySetUrl: string, key: SigningKey): Promise<[string, Uint8Array][]> {
  const published = (await (await fetch(keySetUrl)).json()) as { keys: JWK[] };
  const jwk = published.keys.find((candidate) => candidate.kid === key.kid)!;
  const pem = await exportSPKI((await importJWK(jwk, key.alg)) as CryptoKey);
  const bytes = (text: string) => new TextEncoder().encode(text);
  return [
    ['PEM', bytes(pem)],
    ['PEM without its final newline', bytes(pem.trimEnd())],
    ['JWK JSON as published', bytes(JSON.stringify(jwk))],
    ['JWK JSON of its public members', bytes(JSON.stringify(key.alg === 'RS256' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))],
    ['JWKS document', bytes(JSON.stringify(published))],
  ];
}

describe('HS256 signed with the project’s public key (key confusion)', () => {
  for (const which of ['RS256', 'ES256'] as const) {
    it(`is refused for the ${which} key as PEM and as JWK JSON: 401 unsupported_algorithm with the JWKS alone, bad_signature beside a legacy secret`, async () => {
      for (const [kit, problem] of [[jwksOnly, 'unsupported_algorithm'], [both, 'bad_signature']] as const) {
        const key = which === 'RS256' ? kit.rs : kit.es;
        for (const [spelling, secret] of await publicKeyAsSecrets(`${kit.auth.issuer}/.well-known/jwks.json`, key)) {
          const token = await new SignJWT({ sub: randomUUID(), role: 'authenticated', aud: 'authenticated', iss: kit.auth.issuer })
            .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid })
            .setIssuedAt()
            .setExpirationTime('1h')
            .sign(secret);
          assertRefused(await kit.call(token), 401, problem, `${which} ${spelling}`);
        }
      }
    });
  }
});
