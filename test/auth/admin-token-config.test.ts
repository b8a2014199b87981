import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../lib/config.js';
import { PRODUCTION_ENV } from '../support/production-env.js';

/** A production environment complete but for ADMIN_TOKEN. */
const { ADMIN_TOKEN: _, ...PRODUCTION } = PRODUCTION_ENV;

const SHORT = 'a-31-character-production-token';

describe('ADMIN_TOKEN', () => {
  it('must be at least 32 characters in production, and the refusal never shows the token', () => {
    assert.equal(SHORT.length, 31);
    for (const token of [SHORT, 'x'.repeat(16)]) {
      assert.throws(
        () => loadConfig({ ...PRODUCTION, ADMIN_TOKEN: token }),
        (error: unknown) => error instanceof ConfigError && /ADMIN_TOKEN must be at least 32 characters/.test(error.message) && !error.message.includes(token),
        token,
      );
    }
    // The development default is shorter still: refused by the rule for every environment.
    assert.throws(() => loadConfig({ ...PRODUCTION, ADMIN_TOKEN: 'dev-admin-token' }), /ADMIN_TOKEN must be at least 16 characters/);
    assert.throws(() => loadConfig(PRODUCTION), /ADMIN_TOKEN is required when NODE_ENV=production/);
    assert.equal(loadConfig({ ...PRODUCTION, ADMIN_TOKEN: `${SHORT}x` }).ADMIN_TOKEN, `${SHORT}x`);
  });

  it('must be at least 16 characters anywhere once set; unset outside production it is the development token', () => {
    assert.throws(() => loadConfig({ ADMIN_TOKEN: 'x'.repeat(15) }), /ADMIN_TOKEN must be at least 16 characters/);
    assert.equal(loadConfig({ ADMIN_TOKEN: 'x'.repeat(16) }).ADMIN_TOKEN, 'x'.repeat(16));
    assert.equal(loadConfig({}).ADMIN_TOKEN, 'dev-admin-token');
  });

  it('too short keeps the API from starting: exit 1, one line naming it', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...PRODUCTION, ADMIN_TOKEN: SHORT };
    await assert.rejects(promisify(execFile)(process.execPath, ['--import', 'tsx', 'api/main.ts'], { env, timeout: 30_000 }), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1, error.stderr);
      assert.match(error.stderr, /^Invalid configuration: ADMIN_TOKEN must be at least 32 characters when NODE_ENV=production/m);
      assert.ok(!error.stderr.includes(SHORT));
      return true;
    });
  });
});
