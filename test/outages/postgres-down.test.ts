import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { signAccessToken } from '../../lib/auth/development-token.js';
import { freshMobile } from '../support/closeup-stack.js';
import { assertOutageAnswer, startOutageStack, type OutageStack } from './outage-stack.js';

/**
 * PostgreSQL unreachable when requests arrive (its gate closed: open connections reset, new ones
 * refused): every route answers 503 with Retry-After rather than 500, a submission leaves no
 * selfie and starts no workflow, and the same submission is taken once PostgreSQL is back.
 */
describe('PostgreSQL down when a request arrives', () => {
  let stack: OutageStack;
  before(async () => {
    stack = await startOutageStack();
  });
  after(() => stack.stop());

  it('Close-Up: 503 with Retry-After, no selfie or workflow; readiness names PostgreSQL; the same submission succeeds once it is back', async () => {
    const mobile = freshMobile();
    // A request before the outage, so the pool holds connections the outage cuts.
    assert.equal((await stack.get('/readyz')).status, 200);
    const rows = await stack.rowCounts();
    const workflows = await stack.workflows();
    await stack.postgres.close();

    assertOutageAnswer(await stack.submitCloseup(mobile), 'postgres');
    assert.deepEqual(await stack.objects(), [], 'no selfie');
    const readiness = await stack.get('/readyz');
    assert.equal(readiness.status, 503);
    assert.ok(readiness.retryAfter);
    assert.deepEqual((readiness.body.details as { down: string[] }).down, ['postgres']);
    assert.deepEqual(await stack.rowCounts(), rows, 'no user, job or code');
    assert.equal(await stack.workflows(), workflows, 'no workflow');

    await stack.postgres.open();
    const accepted = await stack.submitCloseup(mobile);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.status, 'otp_sent');
    assert.equal(await stack.workflows(workflows + 1), workflows + 1);
  });

  it('generation, job views, credits and admin: 503 with Retry-After, never 500; the same generation succeeds once it is back', async () => {
    const userId = randomUUID();
    const token = await signAccessToken({ secret: stack.config.SUPABASE_JWT_SECRET!, userId, audience: stack.config.SUPABASE_JWT_AUDIENCE });
    const rows = await stack.rowCounts();
    const workflows = await stack.workflows();
    await stack.postgres.close();

    assertOutageAnswer(await stack.generate(userId), 'postgres');
    assertOutageAnswer(await stack.get('/credits', { authorization: `Bearer ${token}` }), 'postgres');
    assertOutageAnswer(await stack.get('/api/v1/video/jobs/1?tracking_token=abc'), 'postgres');
    assertOutageAnswer(await stack.get('/api/v1/admin/jobs', { authorization: `Bearer ${stack.config.ADMIN_TOKEN}` }), 'postgres');
    assert.deepEqual(await stack.rowCounts(), rows);
    assert.equal(await stack.workflows(), workflows);

    await stack.postgres.open();
    const accepted = await stack.generate(userId);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(await stack.workflows(workflows + 1), workflows + 1);
  });
});
