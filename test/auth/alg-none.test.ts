import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertRefused, rawToken, startAuthStack } from './kit.js';

let kit: Awaited<ReturnType<typeof startAuthStack>>;
before(async () => {
  kit = await startAuthStack();
});
after(() => kit?.stop());

describe('an unsigned token (alg: none)', () => {
  it('is refused with 401 unsupported_algorithm in every spelling, with or without a signature part, also when it copies a real token’s kid and claims', async () => {
    const genuine = await kit.auth.sign(kit.es, { sub: randomUUID() });
    assert.equal((await kit.call(genuine)).status, 200, 'the genuine token gets in');
    const claims = JSON.parse(Buffer.from(genuine.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      for (const signature of ['', genuine.split('.')[2]!]) {
        const token = rawToken({ alg, typ: 'JWT', kid: kit.es.kid }, claims, signature);
        assertRefused(await kit.call(token), 401, 'unsupported_algorithm', `${alg} with ${signature ? 'a copied' : 'no'} signature`);
      }
    }
    // No alg at all is the same refusal.
    assertRefused(await kit.call(rawToken({ typ: 'JWT' }, claims)), 401, 'unsupported_algorithm', 'no alg');
  });
});
