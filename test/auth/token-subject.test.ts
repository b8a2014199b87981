import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { LEGACY_SECRET, assertRefused, startAuthStack } from './kit.js';

let kit: Awaited<ReturnType<typeof startAuthStack>>;
before(async () => {
  kit = await startAuthStack();
});
after(() => kit?.stop());

describe('a valid token that names no user, or not a Supabase user id', () => {
  it('is refused with 401: no_subject without a sub, bad_subject for anything but a UUID', async () => {
    const uuid = randomUUID();
    const cases: [unknown, string][] = [
      [undefined, 'no_subject'],
      ['', 'no_subject'],
      [42, 'no_subject'],
      ['admin', 'bad_subject'],
      ['service_role', 'bad_subject'],
      [`{${uuid}}`, 'bad_subject'],
      [uuid.replaceAll('-', ''), 'bad_subject'],
      [`${uuid}\n`, 'bad_subject'],
      [`${uuid} `, 'bad_subject'],
      ['../' + uuid, 'bad_subject'],
    ];
    for (const [sub, problem] of cases) {
      const label = `sub ${JSON.stringify(sub)}`;
      assertRefused(await kit.call(await kit.auth.sign(kit.es, { sub })), 401, problem, label);
      const legacy = await new SignJWT({ aud: 'authenticated', iss: kit.auth.issuer, ...(sub === undefined ? {} : { sub: sub as string }) }) // a number too, as an attacker may send
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(LEGACY_SECRET));
      assertRefused(await kit.call(legacy), 401, problem, `legacy ${label}`);
    }
    assert.equal((await kit.call(await kit.auth.sign(kit.es, { sub: uuid }))).status, 200, 'the same token with a UUID gets in');
  });
});
