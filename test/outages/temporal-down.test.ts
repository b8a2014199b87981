import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { freshMobile } from '../support/closeup-stack.js';
import { assertOutageAnswer, startOutageStack, type OutageStack } from './outage-stack.js';

/**
 * The Temporal server unreachable when submissions arrive (its gate closed: connections refused):
 * the API answers 503 with Retry-After and leaves nothing behind — no user, job, code, event or
 * selfie, no workflow — and takes the same submission once the server is back.
 */
describe('Temporal down when a submission arrives', () => {
  let stack: OutageStack;
  before(async () => {
    stack = await startOutageStack();
  });
  after(() => stack.stop());

  it('Close-Up: 503 with Retry-After and nothing created; readiness names Temporal; the same submission succeeds once it is back', async () => {
    const mobile = freshMobile();
    const rows = await stack.rowCounts();
    const workflows = await stack.workflows();
    await stack.temporal.close();

    assertOutageAnswer(await stack.submitCloseup(mobile), 'temporal');
    assert.deepEqual(await stack.rowCounts(), rows, 'no user, job, code or event');
    assert.deepEqual(await stack.objects(), [], 'no selfie');
    const readiness = await stack.get('/readyz');
    assert.equal(readiness.status, 503);
    assert.ok(readiness.retryAfter);
    assert.deepEqual((readiness.body.details as { down: string[] }).down, ['temporal']);
    assert.match(String(readiness.body.message), /^temporal is down/);

    await stack.temporal.open();
    const accepted = await stack.submitCloseup(mobile);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.status, 'otp_sent');
    assert.equal(await stack.workflows(workflows + 1), workflows + 1, 'one workflow: the accepted submission’s');
    assert.equal((await stack.objects()).length, 1);
    const now = await stack.rowCounts();
    assert.equal(now.users, (rows.users ?? 0) + 1);
    assert.equal(now.jobs, (rows.jobs ?? 0) + 1);
  });

  it('generation: 503 with Retry-After, nothing created or charged; the same request succeeds once it is back', async () => {
    const userId = randomUUID();
    const rows = await stack.rowCounts();
    const workflows = await stack.workflows();
    await stack.temporal.close();

    assertOutageAnswer(await stack.generate(userId), 'temporal');
    assert.deepEqual(await stack.rowCounts(), rows, 'no account, debit or job');

    await stack.temporal.open();
    const accepted = await stack.generate(userId);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(await stack.workflows(workflows + 1), workflows + 1);
    assert.equal((await stack.rowCounts()).jobs, (rows.jobs ?? 0) + 1);
  });

  it('Close-Up re-submission while the code is awaited: 503 and the job unchanged (form, code, tracking token, selfie); accepted once it is back', async () => {
    const mobile = freshMobile();
    const first = await stack.submitCloseup(mobile);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const jobPath = `/api/v1/video/jobs/${String(first.body.job_id)}?tracking_token=${encodeURIComponent(String(first.body.tracking_token))}`;
    const rows = await stack.rowCounts();
    const objects = await stack.objects();
    await stack.temporal.close();

    assertOutageAnswer(await stack.submitCloseup(mobile), 'temporal');
    assert.deepEqual(await stack.rowCounts(), rows, 'no event, code or answers written');
    assert.deepEqual(await stack.objects(), objects, 'no second selfie');
    assert.equal((await stack.get(jobPath)).status, 200, 'the first tracking token still opens the job');

    await stack.temporal.open();
    const resubmitted = await stack.submitCloseup(mobile);
    assert.equal(resubmitted.status, 200, JSON.stringify(resubmitted.body));
    assert.equal(resubmitted.body.job_id, first.body.job_id);
    assert.notEqual(resubmitted.body.tracking_token, first.body.tracking_token);
  });
});
