import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { testSql } from '../../test/support/harness.js';
import { eventsSince, findJob } from './queries.js';
import { ForeignJobWriteError, createJobStore } from './store.js';
import type { JobRef, JobWriter } from './types.js';

describe('job store', () => {
  const sql = testSql();
  const store = createJobStore(sql);
  after(() => sql.end());

  async function newJob(options: { concurrencyKey?: string } = {}): Promise<{ job: JobRef; writer: JobWriter }> {
    const job = await store.reserve();
    const writer = { workflowId: `store-test-${job.key}`, originRunId: randomUUID(), runId: randomUUID() };
    await sql.begin((tx) =>
      store.create(tx, { ...job, pipeline: 'store-test', owner: 'tester', status: 'queued', workflowId: writer.workflowId, originRunId: writer.originRunId, ...options }),
    );
    return { job, writer };
  }

  it('writes the row, its numbered event and nothing twice when a write repeats', async () => {
    const { job, writer } = await newJob();
    await store.recordStage(job, writer, { status: 'rendering', stage: 'render' });
    await store.recordStage(job, writer, { status: 'rendering', stage: 'render' });
    const events = await eventsSince(sql, job.id);
    assert.deepEqual(events.map((event) => [event.seq, event.status, event.stage]), [[1, 'queued', null], [2, 'rendering', 'render']]);
    assert.equal((await findJob(sql, job.key))?.eventSeq, 2);
  });

  it('records a cost within the current stage once, however often the write repeats', async () => {
    const { job, writer } = await newJob();
    await store.recordStage(job, writer, { status: 'rendering', stage: 'render' });
    const priced = { status: 'rendering', costUsd: 0.25, detail: { tokens: 1200 } };
    await store.recordStage(job, writer, priced);
    await store.recordStage(job, writer, priced);
    assert.equal((await findJob(sql, job.id))?.costUsd, 0.25);
    await store.recordStage(job, writer, { ...priced, detail: { tokens: 800 } });
    assert.equal((await findJob(sql, job.id))?.costUsd, 0.5, 'another priced step adds its cost');
    const details = (await eventsSince(sql, job.id)).map((event) => event.detail);
    assert.deepEqual(details.slice(-2), [
      { tokens: 1200, cost_usd: 0.25 },
      { tokens: 800, cost_usd: 0.25 },
    ]);
  });

  it('drops a status within a stage the job has left (a reset re-running the end of the previous stage)', async () => {
    const { job, writer } = await newJob();
    await store.recordStage(job, writer, { status: 'drafting', stage: 'script' });
    const scriptDone = { status: 'script_done', withinStage: 'script', costUsd: 0.1, assets: [{ kind: 'script', key: `${job.key}/script.txt` }] };
    await store.recordStage(job, writer, scriptDone);
    await store.recordStage(job, writer, { status: 'rendering', stage: 'render' });
    await store.recordFailure(job, writer, { stage: 'render', code: 'X', message: 'render broke' });
    const failed = await findJob(sql, job.id);
    const reset = { ...writer, runId: randomUUID() };
    await store.recordStage(job, reset, scriptDone);
    assert.deepEqual(await findJob(sql, job.id), failed, 'the re-run status changes nothing: no event, no cost, no revival');
    await store.recordStage(job, reset, { status: 'rendering', stage: 'render' });
    const events = await eventsSince(sql, job.id);
    assert.deepEqual(events.map((event) => event.status), ['queued', 'drafting', 'script_done', 'rendering', 'failed', 'rendering']);
    assert.equal((await findJob(sql, job.id))?.costUsd, 0.1);
  });

  it("drops a run's numbered write that lands after a later one, and takes a new run's count afresh", async () => {
    const { job, writer } = await newJob();
    const at = (writeSeq: number, run = writer) => ({ ...run, writeSeq });
    await store.recordStage(job, at(1), { status: 'rendering', stage: 'render' });
    await store.recordStage(job, at(2), { status: 'publishing', stage: 'publish' });
    await store.recordStages(job, at(3), [{ status: 'published', withinStage: 'publish' }, { status: 'sending', stage: 'send' }]);
    await store.recordStage(job, at(4), { status: 'done', withinStage: 'send', costUsd: 0.25 });
    const done = await findJob(sql, job.id);
    // The entry's first attempt, given up on while it waited, commits only now.
    await store.recordStage(job, at(2), { status: 'publishing', stage: 'publish' });
    await store.recordFailure(job, at(3), { stage: 'send', code: 'X', message: 'a late failure' });
    assert.deepEqual(await findJob(sql, job.id), done, 'the late attempts change nothing');
    await store.recordStage(job, { ...writer }, { status: 'done', withinStage: 'send', detail: { note: 'unnumbered' } });
    assert.equal((await findJob(sql, job.id))?.eventSeq, (done?.eventSeq ?? 0) + 1, 'a write without a number is not ordered');

    const next = { ...writer, runId: randomUUID() };
    await store.recordStage(job, at(1, next), { status: 'rendering', stage: 'render' });
    const row = await findJob(sql, job.id);
    assert.deepEqual([row?.status, row?.stage], ['rendering', 'render'], 'another run counts from 1');
    const events = await eventsSince(sql, job.id);
    assert.deepEqual(events.map((event) => event.status), ['queued', 'rendering', 'publishing', 'published', 'sending', 'done', 'done', 'rendering']);
  });

  it('starts the count again for the run an admin retry resets to', async () => {
    const { job, writer } = await newJob();
    await store.recordStage(job, { ...writer, writeSeq: 1 }, { status: 'rendering', stage: 'render' });
    await store.recordFailure(job, { ...writer, writeSeq: 2 }, { stage: 'render', code: 'X', message: 'render broke' });
    const reset = { ...writer, runId: randomUUID() };
    await sql.begin((tx) => store.markRetried(tx, job.id, { status: 'queued', fromStage: 'render', runId: reset.runId, resetMainWorkflow: true }));
    await store.recordStage(job, { ...reset, writeSeq: 1 }, { status: 'rendering', stage: 'render' });
    assert.equal((await findJob(sql, job.id))?.status, 'rendering');
  });

  it('refuses writes from a workflow the job was not created for, leaving it untouched', async () => {
    const { job, writer } = await newJob();
    const before = await findJob(sql, job.id);
    const foreign: [string, JobRef, JobWriter][] = [
      ['another key (a stale history)', { id: job.id, key: randomUUID() }, writer],
      ['another workflow', job, { ...writer, workflowId: 'someone-else' }],
      ['another run chain of the same workflow id', job, { ...writer, originRunId: randomUUID() }],
      ['a job that does not exist', { id: job.id + 1_000_000, key: job.key }, writer],
    ];
    for (const [what, ref, caller] of foreign) {
      await assert.rejects(store.recordStage(ref, caller, { status: 'done' }), ForeignJobWriteError, what);
      await assert.rejects(store.recordFailure(ref, caller, { stage: 'render', code: 'X', message: 'x' }), ForeignJobWriteError, what);
      await assert.rejects(store.recordProgress(ref, caller, { stage: 'render', progress: 0.5 }), ForeignJobWriteError, what);
    }
    assert.deepEqual(await findJob(sql, job.id), before);
  });

  it('lets a registered child workflow write, and a reset run of the same chain', async () => {
    const { job, writer } = await newJob();
    const child = { workflowId: `child-${job.key}`, originRunId: randomUUID(), runId: randomUUID() };
    await assert.rejects(store.recordStage(job, child, { stage: 'deliver' }), ForeignJobWriteError);
    await store.addChildWorkflow(job, writer, child.workflowId);
    await store.recordStage(job, child, { stage: 'deliver' });
    await store.recordStage(job, { ...writer, runId: randomUUID() }, { status: 'done' });
    assert.equal((await findJob(sql, job.id))?.status, 'done');
  });

  it('keeps progress monotonic within a stage and restarts it with the next stage', async () => {
    const { job, writer } = await newJob();
    await store.recordStage(job, writer, { status: 'rendering', stage: 'render' });
    const written = [];
    for (const progress of [0.2, 0.1, 0.5, 0.5, 0.4, 1]) written.push(await store.recordProgress(job, writer, { stage: 'render', progress }));
    assert.deepEqual(written, [true, false, true, false, false, true]);
    assert.equal(await store.recordProgress(job, writer, { stage: 'publish', progress: 0.3 }), false, 'not the current stage');
    await store.recordStage(job, writer, { status: 'publishing', stage: 'publish' });
    assert.equal((await findJob(sql, job.id))?.progress, 0);
    assert.equal(await store.recordProgress(job, writer, { stage: 'publish', progress: 0.3 }), true);
  });

  it('frees the slot on failure; a revived job reclaims it and fails the holder as superseded', async () => {
    const key = `store-test:${randomUUID()}`;
    const first = await newJob({ concurrencyKey: key });
    await assert.rejects(newJob({ concurrencyKey: key }), /jobs_one_slot_per_key/, 'one holder per key');
    await store.recordFailure(first.job, first.writer, { stage: 'render', code: 'BOOM', message: 'boom' });
    const second = await newJob({ concurrencyKey: key });
    // A reset of the first job's workflow (same workflow id and chain) writes again.
    await store.recordStage(first.job, { ...first.writer, runId: randomUUID() }, { status: 'rendering', stage: 'render' });
    const [revived, superseded] = await Promise.all([findJob(sql, first.job.id), findJob(sql, second.job.id)]);
    assert.deepEqual([revived?.holdsSlot, revived?.retryCount, revived?.errorCode], [true, 1, null]);
    assert.deepEqual([superseded?.status, superseded?.holdsSlot, superseded?.errorCode], ['failed', false, 'SUPERSEDED_BY_RESET']);
    assert.equal((await eventsSince(sql, second.job.id)).at(-1)?.status, 'failed', 'the superseded job got its event');
  });

  it('marks a cancellation once, with its event', async () => {
    const { job } = await newJob();
    assert.equal(await store.markCancelled(job.id, 'CANCELLED_BY_ADMIN'), true);
    assert.equal(await store.markCancelled(job.id, 'CANCELLED_BY_ADMIN'), false);
    const events = await eventsSince(sql, job.id);
    assert.deepEqual(events.map((event) => event.status), ['queued', 'failed']);
    assert.equal(events.at(-1)?.detail?.code, 'CANCELLED_BY_ADMIN');
  });
});
