import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { idempotencyLock } from '../../api/generation/submission.js';
import { startGenerationStack, type GenerationStack } from '../support/generation-stack.js';

let stack: GenerationStack;

before(async () => {
  stack = await startGenerationStack();
});
after(async () => {
  await stack?.stop();
});

describe('Idempotency-Key', () => {
  it('gives the same job for the same key and body (one debit), 422 for another body', async () => {
    const user = await stack.as();
    const key = { 'idempotency-key': randomUUID() };
    const replies = await Promise.all(Array.from({ length: 5 }, () => user.generate({ prompt: 'twice [hold]' }, key)));
    const accepted = replies.filter((reply) => reply.status === 202);
    const inFlight = replies.filter((reply) => reply.status === 409);
    assert.equal(accepted.length + inFlight.length, 5, JSON.stringify(replies.map((reply) => reply.body)));
    assert.equal(new Set(accepted.map((reply) => reply.body.job_id)).size, 1, 'every accepted reply names one job');
    for (const reply of inFlight) assert.equal(reply.body.error, 'Conflict');
    const again = await user.generate({ prompt: 'twice [hold]' }, key);
    assert.equal(again.status, 202);
    assert.equal(again.body.job_id, accepted[0]?.body.job_id);
    assert.equal(await user.balance(), 90, 'one debit');

    const other = await user.generate({ prompt: 'something else' }, key);
    assert.equal(other.status, 422);
    assert.equal(other.body.error, 'IdempotencyKeyReused');
    await user.delete(`/videos/jobs/${String(again.body.job_id)}`);
  });

  it('answers 409 while a request with the same key is still in flight', async () => {
    const user = await stack.as();
    const key = randomUUID();
    // Another request's transaction holding the key, as acceptance holds it until it commits.
    await stack.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtextextended(${idempotencyLock(user.userId, key)}, 0))`;
      const reply = await user.generate({ prompt: 'patience' }, { 'idempotency-key': key });
      assert.equal(reply.status, 409);
      assert.match(String(reply.body.message), /still in progress/);
    });
    assert.equal(await user.balance(), 100);
  });

  it('frees the key of a job that failed', async () => {
    const user = await stack.as();
    const key = { 'idempotency-key': randomUUID() };
    const first = await user.generate({ prompt: 'flaky [fail]' }, key);
    await user.waitFor(String(first.body.job_id), ['failed']);
    const retried = await user.generate({ prompt: 'flaky [fail]' }, key);
    assert.equal(retried.status, 202);
    assert.notEqual(retried.body.job_id, first.body.job_id);
    await user.waitFor(String(retried.body.job_id), ['failed']);
    const other = await user.generate({ prompt: 'another idea' }, key);
    assert.equal(other.status, 202, 'a freed key takes another request too');
    assert.notEqual(other.body.job_id, retried.body.job_id);
  });
});

describe('Prefer: wait', () => {
  it('answers 200 with the completed result when the job finishes in time', async () => {
    const user = await stack.as();
    const reply = await user.generate({ prompt: 'quick one' }, { prefer: 'wait=60' });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.headers.get('preference-applied'), 'wait=60');
    const video = reply.body.video as Record<string, unknown>;
    assert.equal(reply.body.success, true);
    assert.equal(video.generation_type, 'text_to_video');
  });

  it('answers 200 with the failed result when the job fails in time', async () => {
    const user = await stack.as();
    const reply = await user.generate({ prompt: 'doomed [fail]' }, { prefer: 'wait=30' });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(reply.body, { success: false, job_id: reply.body.job_id, status: 'failed', error: 'Video generation failed: Model timeout' });
  });

  it('answers the normal 202 when it does not', async () => {
    const user = await stack.as();
    const started = Date.now();
    const reply = await user.generate({ prompt: 'slow [hold]' }, { prefer: 'wait=1' });
    assert.equal(reply.status, 202);
    assert.ok(Date.now() - started >= 900, 'held about a second');
    assert.equal(reply.body.status, 'queued');
    await user.delete(`/videos/jobs/${String(reply.body.job_id)}`);
  });
});
