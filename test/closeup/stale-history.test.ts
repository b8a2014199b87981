import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { closeupStartOptions } from '../../api/closeup/submission.js';
import { eventsSince, findJob } from '../../db/jobs/queries.js';
import type { CloseupInput } from '../../workflows/closeup/contract.js';
import { closeupSubmissionWorkflow } from '../../workflows/closeup/submission.js';
import { startCloseupStack, type CloseupStack } from '../support/closeup-stack.js';

/**
 * A workflow left running in `.data/temporal.db` while the database was recreated wakes up with
 * its old input: job N, as that database knew it. The new database's job N is someone else's.
 */
describe('a Close-Up workflow from a stale history', () => {
  let stack: CloseupStack;
  before(async () => (stack = await startCloseupStack()));
  after(() => stack.stop());

  function staleInput(jobId: number): CloseupInput {
    return {
      job: { id: jobId, key: randomUUID() },
      userId: randomUUID(),
      needsOtp: false,
      otpExpiryMs: 60_000,
      selfieKey: `jobs/${jobId}/selfie-stale.jpg`,
      answers: { gender: 'male', attribute_love: 'Smile', relationship_status: 'Dating', vibe: 'Romance' },
      trackingTokenHash: '00'.repeat(32),
      otpId: null,
    };
  }

  async function expectRefused(input: CloseupInput) {
    const handle = await stack.temporal.workflow.start(closeupSubmissionWorkflow, closeupStartOptions(input, stack.config.TEMPORAL_TASK_QUEUE));
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.equal((error.cause as { type?: string } | undefined)?.type, 'JOB_FOREIGN_WRITE');
      return true;
    });
  }

  it('cannot write a job of this database that has the same id: it fails, the job stays as it was', async () => {
    const mobile = await stack.verifiedMobile();
    const submitted = await stack.submit({ mobile_number: mobile });
    const jobId = submitted.body.job_id as number;
    await stack.waitForStatus(jobId, ['sent']);
    const before = await findJob(stack.sql, jobId);
    const eventsBefore = await eventsSince(stack.sql, jobId);

    await expectRefused(staleInput(jobId));
    assert.deepEqual(await findJob(stack.sql, jobId), before, 'the row is untouched');
    assert.deepEqual(await eventsSince(stack.sql, jobId), eventsBefore, 'no event was added');
    assert.equal((await stack.job(jobId, submitted.body.tracking_token as string)).body.status, 'sent');
  });

  it('cannot create a job under an id this database never handed out', async () => {
    const { id: next } = await stack.sql<{ id: number }[]>`select coalesce(max(id), 0) + 1000 as id from jobs`.then((rows) => rows[0]!);
    await expectRefused(staleInput(next));
    assert.equal(await findJob(stack.sql, next), undefined, 'no row was created');
  });
});
