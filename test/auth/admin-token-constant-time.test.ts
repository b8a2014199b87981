import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { after, before, describe, it, mock } from 'node:test';
import { Hono } from 'hono';
import { requireAdmin } from '../../api/lib/admin-auth.js';
import { ApiError } from '../../api/lib/errors.js';
import type { AppEnv } from '../../api/lib/types.js';

const ADMIN_TOKEN = 'an-admin-token-of-forty-characters-00042';

// Every comparison the middleware makes, with its operands (the named import sees the spy once synced).
const compared: [Buffer, Buffer][] = [];
before(() => {
  const real = crypto.timingSafeEqual;
  mock.method(crypto, 'timingSafeEqual', (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    compared.push([Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)]);
    return real(a, b);
  });
  syncBuiltinESMExports();
});
after(() => {
  mock.restoreAll();
  syncBuiltinESMExports();
});

function adminApp() {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('deps', { config: { ADMIN_TOKEN } } as unknown as AppEnv['Variables']['deps']);
    await next();
  });
  app.use('/admin/*', requireAdmin);
  app.get('/admin/jobs', (c) => c.json({ ok: true }));
  app.onError((error, c) => (error instanceof ApiError ? c.json(error.toBody(), error.statusCode) : c.json({ error: 'InternalError' }, 500)));
  return app;
}

describe('the admin token comparison', () => {
  it('is crypto.timingSafeEqual over two 32-byte digests, once per request, whatever the length or content of the token sent', async () => {
    const app = adminApp();
    const attempts: [string, number][] = [
      ['x', 401],
      [ADMIN_TOKEN.slice(0, 1), 401],
      [ADMIN_TOKEN.slice(0, -1), 401],
      [`${ADMIN_TOKEN.slice(0, -1)}3`, 401],
      [`${ADMIN_TOKEN}0`, 401],
      ['y'.repeat(4096), 401],
      [ADMIN_TOKEN, 200],
    ];
    for (const [token, status] of attempts) {
      compared.length = 0;
      const response = await app.request('/admin/jobs', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, status, `a ${token.length}-character token`);
      assert.equal(compared.length, 1, `one constant-time comparison for a ${token.length}-character token`);
      const [given, expected] = compared[0]!;
      assert.deepEqual([given.length, expected.length], [32, 32], 'digests of equal length, so no length check can leak');
      assert.ok(!given.equals(Buffer.from(token)) && !expected.equals(Buffer.from(ADMIN_TOKEN)), 'digests, not the tokens themselves');
    }
  });
});
