import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { createApp } from '../../api/app.js';
import { createAppDeps } from '../../api/lib/deps.js';
import { startGenerationStack, type GenerationStack } from '../support/generation-stack.js';

let stack: GenerationStack;

before(async () => {
  stack = await startGenerationStack();
});
after(async () => {
  await stack?.stop();
});

const jobsOf = async (userId: string) => (await stack.sql<{ n: number }[]>`select count(*)::int as n from jobs where owner = ${userId}`)[0]!.n;

describe('DUST credits', () => {
  it('refunds a job whose prediction failed, and shows the provider’s reason', async () => {
    const user = await stack.as();
    const accepted = await user.generate({ prompt: 'a storm at sea [fail]' });
    assert.equal(accepted.status, 202);
    assert.equal(await user.balance(), 90);
    const jobId = String(accepted.body.job_id);
    const failed = await user.waitFor(jobId, ['failed', 'completed']);
    assert.equal(failed.status, 'failed');
    const result = await user.get(`/videos/jobs/${jobId}/result`);
    assert.deepEqual(result.body, { success: false, job_id: jobId, status: 'failed', error: result.body.error });
    assert.equal(result.body.error, 'Video generation failed: Model timeout');
    assert.equal(await user.balance(), 100);
    const { body } = await user.get<{ ledger: { kind: string; amount: number; job_id: string | null }[] }>('/credits');
    assert.deepEqual(
      body.ledger.map((entry) => [entry.kind, entry.amount, entry.job_id]),
      [
        ['refund', 10, jobId],
        ['debit', -10, jobId],
        ['starting_balance', 100, null],
      ],
    );
  });

  it('refunds a cancelled job once, however often it is cancelled', async () => {
    const user = await stack.as();
    const accepted = await user.generate({ prompt: 'a long take [hold]' });
    const jobId = String(accepted.body.job_id);
    await user.waitFor(jobId, ['processing']);
    const [first, second] = await Promise.all([user.delete(`/videos/jobs/${jobId}`), user.delete(`/videos/jobs/${jobId}`)]);
    const statuses = [first.status, second.status].sort();
    assert.ok(statuses[0] === 200, `one cancel succeeds: ${JSON.stringify([first.body, second.body])}`);
    const ok = first.status === 200 ? first : second;
    assert.deepEqual(ok.body, { success: true, job_id: jobId, status: 'cancelled', message: 'Video generation job cancelled successfully' });
    assert.ok([200, 409].includes(statuses[1]!), `the other answers 200 or 409, got ${statuses[1]}`);
    assert.equal((await user.get(`/videos/jobs/${jobId}/status`)).body.status, 'cancelled');
    assert.equal(await user.balance(), 100);
    assert.equal((await user.delete(`/videos/jobs/${jobId}`)).status, 409, 'a cancelled job cannot be cancelled again');
    assert.equal(await user.balance(), 100);
  });

  it('refunds a job an admin cancels through the engine’s endpoint, which shows it cancelled', async () => {
    const user = await stack.as();
    const accepted = await user.generate({ prompt: 'admin stops this [hold]' });
    const jobId = String(accepted.body.job_id);
    await user.waitFor(jobId, ['processing']);
    const cancelled = await stack.admin('POST', `/api/v1/admin/jobs/${jobId}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.new_status, 'cancelled');
    assert.equal((await user.get(`/videos/jobs/${jobId}/status`)).body.status, 'cancelled');
    assert.equal(await user.balance(), 100);
  });

  it('answers 402 in the error shape and creates nothing when the balance is short', async () => {
    const user = await stack.as();
    await user.balance();
    const grant = await stack.admin('POST', '/api/v1/admin/credits/grant', { user_id: user.userId, amount: -95, reason: 'test' });
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    assert.equal(grant.body.balance, 5);
    const refused = await user.generate();
    assert.equal(refused.status, 402);
    assert.equal(refused.body.error, 'InsufficientCredits');
    assert.equal(refused.body.statusCode, 402);
    assert.equal(refused.body.balance, 5);
    assert.equal(refused.body.required, 10);
    assert.equal(await jobsOf(user.userId), 0);
    assert.equal(await user.balance(), 5);
  });

  it('accepts exactly five of 20 simultaneous requests with 50 DUST', async () => {
    const user = await stack.as();
    await stack.admin('POST', '/api/v1/admin/credits/grant', { user_id: user.userId, amount: -50, reason: 'test' });
    const replies = await Promise.all(Array.from({ length: 20 }, () => user.generate({ prompt: 'burst [hold]' })));
    const byStatus = replies.reduce<Record<number, number>>((counts, reply) => ({ ...counts, [reply.status]: (counts[reply.status] ?? 0) + 1 }), {});
    assert.deepEqual(byStatus, { 202: 5, 402: 15 });
    assert.equal(await user.balance(), 0);
    assert.equal(await jobsOf(user.userId), 5);
    await Promise.all(replies.filter((reply) => reply.status === 202).map((reply) => user.delete(`/videos/jobs/${String(reply.body.job_id)}`)));
    assert.equal(await user.balance(), 50);
  });

  it('answers 503 and charges nothing when Temporal cannot be reached', async () => {
    const user = await stack.as();
    await user.balance();
    // No gRPC retry interceptor: the outage shows at once instead of after the client's retries.
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500, interceptors: [] }) });
    const app = createApp(createAppDeps(stack.config, { logger: pino({ level: 'silent' }), sql: stack.sql, temporal: unreachable, storage: stack.providers.storage }));
    const reply = await app.request('/videos/generate', {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'nobody home' }),
    });
    assert.equal(reply.status, 503);
    assert.equal(((await reply.json()) as { error: string }).error, 'ServiceUnavailable');
    assert.equal(await user.balance(), 100);
    assert.equal(await jobsOf(user.userId), 0);
  });

  it('applies an admin grant with an Idempotency-Key once', async () => {
    const user = await stack.as();
    const send = () =>
      fetch(`${stack.url}/api/v1/admin/credits/grant`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.config.ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': `grant-${user.userId}` },
        body: JSON.stringify({ user_id: user.userId, amount: 25, reason: 'promo' }),
      });
    const replies = await Promise.all([send(), send(), send()]);
    assert.deepEqual(replies.map((reply) => reply.status), [200, 200, 200]);
    assert.equal(await user.balance(), 125);
    const conflicting = await fetch(`${stack.url}/api/v1/admin/credits/grant`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.config.ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': `grant-${user.userId}` },
      body: JSON.stringify({ user_id: user.userId, amount: 99, reason: 'promo' }),
    });
    assert.equal(conflicting.status, 422, 'the key with another amount');
    assert.equal((await stack.admin('POST', '/api/v1/admin/credits/grant', { user_id: 'nope', amount: 5 })).status, 400, 'user ids are UUIDs');
    assert.equal(await user.balance(), 125);
    const unauthorised = await user.send('POST', '/api/v1/admin/credits/grant', { user_id: user.userId, amount: 1000 });
    assert.equal(unauthorised.status, 401);
  });
});
