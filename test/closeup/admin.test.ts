import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createHttpLipsyncGenerator } from '../../providers/lipsync/http.js';
import { stageEntryWorkflowTask } from '../../api/jobs/job-actions.js';
import { startLipsyncApiFake, type LipsyncApiFake } from '../fakes/lipsync-api.js';
import { startCloseupStack, type CloseupStack } from '../support/closeup-stack.js';
import { flatImage } from '../support/images.js';
import { makeClip } from '../support/media.js';

const TOKEN = 'r8_test_token';

/** Admin endpoints over the real stack; lip-sync goes to a loopback fake of a predictions API so a stage can fail on demand. */
describe('admin video jobs', { timeout: 900_000 }, () => {
  let stack: CloseupStack;
  let lipsync: LipsyncApiFake;

  before(async () => {
    const clipPath = join(await mkdtemp(join(tmpdir(), 'admin-clip-')), 'clip.mp4');
    await makeClip(clipPath, { width: 720, height: 1280, fps: 30, seconds: 2 });
    lipsync = await startLipsyncApiFake({ token: TOKEN, clip: await readFile(clipPath) });
    const env = { LIPSYNC_PROVIDER: 'http', LIPSYNC_API_URL: lipsync.url, LIPSYNC_API_TOKEN: TOKEN, LIPSYNC_MODEL: 'sync/lipsync-test' };
    stack = await startCloseupStack({
      env,
      // Fast polls: the test waits on the fake, not on a real model.
      providers: () => ({ lipsync: createHttpLipsyncGenerator(env, { pollIntervalMs: 100, maxPollIntervalMs: 200 }) }),
    });
  });
  after(async () => {
    await stack.stop();
    await lipsync.close();
  });


  async function create(mobile: string, photo?: Buffer): Promise<number> {
    const response = await stack.submit({ mobile_number: mobile, ...(photo ? { photo } : {}) });
    assert.equal(response.body.status, 'video_created', JSON.stringify(response.body));
    return response.body.job_id as number;
  }

  const patch = (jobId: number, status: string) => stack.admin(`/api/v1/video-jobs/update-job?job_id=${jobId}&status=${status}`, { method: 'PATCH' });

  async function statusesOf(jobId: number): Promise<string[]> {
    const rows = await stack.sql<{ status: string }[]>`select status from video_job_events where job_id = ${jobId} order by id`;
    return rows.map((row) => row.status);
  }

  it('lists jobs newest first with the decrypted number, IST times, filters and a link to the Temporal run', async () => {
    const mobile = await stack.verifiedMobile();
    const jobId = await create(mobile);
    await stack.waitForStatus(jobId, ['sent', 'failed']);
    const listed = await stack.admin('/api/v1/video-jobs/list?status=sent&limit=500');
    assert.equal(listed.status, 200);
    const jobs = listed.body.jobs as Record<string, unknown>[];
    assert.ok((listed.body.total as number) >= jobs.length);
    const job = jobs.find((entry) => entry.id === jobId);
    assert.ok(job, 'the sent job is listed');
    assert.equal(job.mobile_number, mobile);
    assert.equal(job.status, 'sent');
    assert.equal(job.retry_count, 0);
    assert.equal(job.gender, 'male');
    assert.match(String(job.created_at), /\+05:30$/);
    assert.match(String(job.temporal_url), new RegExp(`^http://localhost:8233/namespaces/default/workflows/closeup-${job.user_id}/[0-9a-f-]+/history$`));
    assert.ok(jobs.every((entry) => entry.status === 'sent'));
    const ids = jobs.map((entry) => entry.id as number);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));

    const today = new Date(Date.now() + 5.5 * 3600_000).toISOString().slice(0, 10);
    const dated = await stack.admin(`/api/v1/video-jobs/list?from_date=${today}&to_date=${today}&limit=1000`);
    assert.ok((dated.body.jobs as { id: number }[]).some((entry) => entry.id === jobId));
    const future = await stack.admin('/api/v1/video-jobs/list?from_date=2099-01-01');
    assert.deepEqual(future.body, { total: 0, jobs: [] });
  });

  it('retries a job failed at lip-sync from that stage: the photo stage is not run again', async () => {
    const mobile = await stack.verifiedMobile();
    lipsync.plan = ['starting', 'failed'];
    const creates = lipsync.creates.length;
    const jobId = await create(mobile);
    assert.equal(await stack.waitForStatus(jobId, ['failed', 'sent']), 'failed');
    const [failed] = await stack.sql`select failed_stage, last_error_code from video_jobs where id = ${jobId}`;
    assert.deepEqual({ ...failed }, { failed_stage: 'lipsync_processing', last_error_code: 'LIPSYNC_PREDICTION_FAILED' });
    const listed = await stack.admin('/api/v1/video-jobs/list?failed_stage=lipsync_processing&last_error_code=LIPSYNC_PREDICTION_FAILED&limit=1000');
    assert.ok((listed.body.jobs as { id: number }[]).some((entry) => entry.id === jobId));

    lipsync.plan = ['starting', 'processing', 'succeeded'];
    const retried = await patch(jobId, 'queued');
    assert.deepEqual(retried, {
      status: 200,
      body: { message: 'Job status updated successfully', job_id: jobId, old_status: 'failed', new_status: 'queued', retry_count: 1 },
    });
    const [cleared] = await stack.sql`select failed_stage, last_error_code from video_jobs where id = ${jobId}`;
    assert.deepEqual({ ...cleared }, { failed_stage: null, last_error_code: null });

    assert.equal(await stack.waitForStatus(jobId, ['sent', 'failed']), 'sent');
    assert.equal(lipsync.creates.length - creates, 2, 'one prediction per run of the lip-sync stage');
    const statuses = await statusesOf(jobId);
    assert.equal(statuses.filter((status) => status === 'photo_processing').length, 1, 'the reset run starts at lip-sync');
    assert.deepEqual(statuses.slice(statuses.indexOf('failed')), ['failed', 'queued', 'lipsync_processing', 'lipsync_done', 'stitching', 'uploaded', 'sent']);
    const [job] = await stack.sql`select retry_count, run_id from video_jobs where id = ${jobId}`;
    assert.equal(job?.retry_count, 1);
    const description = await stack.temporal.workflow.getHandle(`closeup-${(await stack.sql`select user_id from video_jobs where id = ${jobId}`)[0]?.user_id}`).describe();
    assert.equal(description.runId, job?.run_id, 'the job row follows the reset run');
  });

  it('refuses with 409 to retry while the user has a newer active job, and retries once it is done', async () => {
    const mobile = await stack.verifiedMobile();
    const blank = await flatImage(900, 1200).jpeg().toBuffer();
    const failedJob = await create(mobile, blank);
    assert.equal(await stack.waitForStatus(failedJob, ['failed']), 'failed');
    await stack.runClosed(failedJob);

    await stack.stopWorker();
    let newer: number;
    try {
      newer = await create(mobile);
      const refused = await patch(failedJob, 'queued');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error, 'Conflict');
      assert.match(String(refused.body.message), /newer active job/);
      assert.equal(await stack.jobStatus(failedJob), 'failed');
    } finally {
      await stack.startWorker();
    }
    assert.equal(await stack.waitForStatus(newer, ['sent', 'failed']), 'sent');

    // Now allowed: the reset runs the photo stage again, which rejects the same blank photo again.
    const retried = await patch(failedJob, 'queued');
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    await sleep(200);
    assert.equal(await stack.waitForStatus(failedJob, ['failed']), 'failed');
    const [job] = await stack.sql`select retry_count, failed_stage, last_error_code from video_jobs where id = ${failedJob}`;
    assert.deepEqual({ ...job }, { retry_count: 1, failed_stage: 'photo_processing', last_error_code: 'REJECT_INVALID' });
  });

  it('cancels an active job: the running prediction is cancelled and the job fails as cancelled', async () => {
    const mobile = await stack.verifiedMobile();
    lipsync.plan = ['starting', 'processing'];
    const createsBefore = lipsync.creates.length;
    const jobId = await create(mobile);
    await stack.waitForStatus(jobId, ['lipsync_processing']);
    // A prediction is running only once it was created: cancelling before that has none to cancel.
    while (lipsync.creates.length === createsBefore) await sleep(20);
    const cancelsBefore = lipsync.cancels.length;
    const cancelled = await patch(jobId, 'failed');
    lipsync.plan = ['starting', 'processing', 'succeeded'];
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.old_status, 'lipsync_processing');
    assert.equal(cancelled.body.new_status, 'failed');
    const [job] = await stack.sql`select failed_stage, last_error_code from video_jobs where id = ${jobId}`;
    assert.deepEqual({ ...job }, { failed_stage: 'lipsync_processing', last_error_code: 'CANCELLED_BY_ADMIN' });
    assert.equal(lipsync.cancels.length - cancelsBefore, 1, 'the paid prediction was cancelled at the provider before the job failed');
    assert.equal((await stack.submit({ mobile_number: mobile })).body.status, 'video_created', 'the slot is free again');
  });

  it('answers 400 naming the allowed transitions for anything else', async () => {
    const mobile = await stack.verifiedMobile();
    const jobId = await create(mobile);
    await stack.waitForStatus(jobId, ['sent']);
    const refused = await patch(jobId, 'queued');
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'InvalidTransition');
    assert.match(String(refused.body.message), /failed → queued/);
  });

  it('keeps the job row consistent when a failed run is reset from the Temporal Web UI', async () => {
    const mobile = await stack.verifiedMobile();
    lipsync.plan = ['starting', 'failed'];
    const jobId = await create(mobile);
    assert.equal(await stack.waitForStatus(jobId, ['failed', 'sent']), 'failed');
    lipsync.plan = ['starting', 'processing', 'succeeded'];
    const [row] = await stack.sql<{ workflow_id: string; run_id: string }[]>`select workflow_id, run_id from video_jobs where id = ${jobId}`;
    const history = await stack.temporal.workflow.getHandle(row!.workflow_id, row!.run_id).fetchHistory();
    // The workflow task that recorded the stage's entry (the marker the UI shows with summary stage:lipsync_processing).
    const entry = stageEntryWorkflowTask(history.events ?? [], 'lipsync_processing');
    assert.ok(entry, 'the history shows where lip-sync was entered');
    // What the UI's "Reset" does: ResetWorkflowExecution to a chosen workflow task.
    await stack.temporal.workflowService.resetWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: row!.workflow_id, runId: row!.run_id },
      workflowTaskFinishEventId: entry,
      requestId: randomUUID(),
      reason: 'reset from the Web UI',
    });
    assert.equal(await stack.waitForStatus(jobId, ['sent']), 'sent');
    const [job] = await stack.sql`select retry_count, failed_stage, last_error_code, status from video_jobs where id = ${jobId}`;
    assert.deepEqual({ ...job }, { retry_count: 1, failed_stage: null, last_error_code: null, status: 'sent' });
  });
});
