import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { pino } from 'pino';
import { createActivities } from '../../activities/index.js';
import { createApp } from '../../api/app.js';
import { createAppDeps } from '../../api/lib/deps.js';
import { eventsSince, findJob } from '../../db/jobs/queries.js';
import { PIPELINES } from '../../pipelines/index.js';
import { createProviders } from '../../providers/index.js';
import { searchAttributes } from '../../workflows/search-attributes.js';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';
import { createWorker } from '../../worker/create-worker.js';
import { ECHO_PIPELINE, echoWorkflowId, type EchoInput } from '../fixtures/echo-pipeline/contract.js';
import { ECHO_SECRET, echoPipeline } from '../fixtures/echo-pipeline/pipeline.js';
import { installQuietRuntime, temporalClient, testConfig, testSql, uniqueTaskQueue } from '../support/harness.js';
import { serveWithSockets, sseEvents, wsEvents, type StreamEvent } from '../support/job-streams.js';

/**
 * The engine's promise: a pipeline that is one workflow, two activities and a route — added here
 * by the test alone, with no migration and no engine change — gets events, live progress over SSE
 * and WebSocket, admin list/retry/cancel and search attributes.
 */
describe('a throwaway pipeline on the engine', () => {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('echo') });
  const sql = testSql(config);
  const failing = new Set<number>();
  const echo = echoPipeline({ failPublish: (jobId) => failing.has(jobId) });
  const pipelines = [...PIPELINES, echo];
  const logger = pino({ level: 'silent' });
  let temporal: Awaited<ReturnType<typeof temporalClient>>;
  let deps: ReturnType<typeof createAppDeps>;
  let server: Awaited<ReturnType<typeof serveWithSockets>>;
  let worker: { instance: Worker; running: Promise<void>; connection: NativeConnection };
  const admin = { authorization: `Bearer ${config.ADMIN_TOKEN}` };

  before(async () => {
    temporal = await temporalClient(config);
    deps = createAppDeps(config, { logger, sql, temporal, pipelines });
    server = await serveWithSockets(createApp(deps));
    const bundle = await buildWorkflowBundle(
      join(process.env.REELFLOW_TEST_SCRATCH ?? '/tmp', `echo-bundle-${randomUUID()}.js`),
      new URL('../fixtures/echo-pipeline/workflows.ts', import.meta.url).pathname,
    );
    installQuietRuntime();
    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const activities = await createActivities({ sql, config, logger, providers: createProviders(config, { sql, logger }), workerIdentity: 'echo-test' }, pipelines);
    const instance = await createWorker({ config: { ...config, WORKFLOW_BUNDLE_PATH: bundle }, connection, activities });
    worker = { instance, connection, running: instance.run() };
  });

  after(async () => {
    worker.instance.shutdown();
    await worker.running;
    await worker.connection.close();
    await server.close();
    await deps.hub.close();
    await temporal.connection.close();
    await sql.end();
  });

  async function startEcho(steps = 8, stepMs = 40): Promise<{ job_id: number; key: string }> {
    const response = await fetch(`${server.url}/test/echo/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ steps, step_ms: stepMs }) });
    assert.equal(response.status, 202);
    return (await response.json()) as { job_id: number; key: string };
  }

  const result = (key: string) => temporal.workflow.getHandle(echoWorkflowId(key)).result();
  const statusesOf = (events: StreamEvent[]) => events.filter((event) => event.kind === 'status').map((event) => event.status);

  it('records every stage and live progress, the same over SSE and WebSocket', async () => {
    const job = await startEcho(10, 40);
    const [sse, ws] = await Promise.all([
      sseEvents(`${server.url}/api/v1/jobs/${job.key}/events?secret=${ECHO_SECRET}`),
      wsEvents(`${server.wsUrl}/api/v1/jobs/${job.key}/ws?secret=${ECHO_SECRET}`),
    ]);
    assert.deepEqual(statusesOf(sse), ['queued', 'rendering', 'publishing', 'done']);
    assert.deepEqual(ws.map((event) => event.seq), sse.map((event) => event.seq), 'two views of one stream');
    const progress = sse.filter((event) => event.kind === 'progress').map((event) => event.progress ?? 0);
    assert.ok(progress.length >= 2, `progress reached the stream (${progress.join(', ')})`);
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'progress never goes backwards within a stage');
    assert.equal(progress.at(-1), 1);
    assert.ok(progress.length <= 10, 'throttled, not one event per step regardless of rate');
    const row = await findJob(sql, job.job_id);
    assert.equal(row?.status, 'done');
    assert.equal(row?.costUsd, 0.25);
    const stored = await eventsSince(sql, job.job_id);
    assert.deepEqual(stored.map((event) => event.seq), sse.map((event) => event.seq), 'the stored timeline is the one streamed: nothing after done');

    // The search attributes follow the workflow task that ran the status's local activity: that
    // task completes after the write committed, so read them once the run has ended.
    await result(job.key);
    const description = await temporal.workflow.getHandle(echoWorkflowId(job.key)).describe();
    assert.equal(description.typedSearchAttributes.get(searchAttributes.pipeline), ECHO_PIPELINE);
    assert.equal(description.typedSearchAttributes.get(searchAttributes.jobKey), job.key);
    assert.equal(description.typedSearchAttributes.get(searchAttributes.jobId), job.job_id);
    assert.equal(description.typedSearchAttributes.get(searchAttributes.status), 'done');
    assert.equal(description.typedSearchAttributes.get(searchAttributes.stage), 'publish');
  });

  it('lists its jobs for admins with filters and a cursor', async () => {
    const jobs = [await startEcho(1, 0), await startEcho(1, 0), await startEcho(1, 0)];
    await Promise.all(jobs.map((job) => result(job.key)));
    type Page = { jobs: { id: number; pipeline: string }[]; next_cursor: string | null };
    const first = (await (await fetch(`${server.url}/api/v1/admin/jobs?pipeline=${ECHO_PIPELINE}&status=done&limit=2`, { headers: admin })).json()) as Page;
    assert.equal(first.jobs.length, 2);
    assert.ok(first.next_cursor);
    const second = (await (await fetch(`${server.url}/api/v1/admin/jobs?pipeline=${ECHO_PIPELINE}&status=done&limit=2&cursor=${first.next_cursor}`, { headers: admin })).json()) as Page;
    const ids = [...first.jobs, ...second.jobs].map((job) => job.id);
    assert.equal(new Set(ids).size, ids.length, 'no job on two pages');
    for (const job of jobs) assert.ok(ids.includes(job.job_id));
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    assert.ok([...first.jobs, ...second.jobs].every((job) => job.pipeline === ECHO_PIPELINE));
    const today = new Date().toISOString().slice(0, 10);
    const dated = (await (await fetch(`${server.url}/api/v1/admin/jobs?pipeline=${ECHO_PIPELINE}&from=${today}&to=${today}&limit=500`, { headers: admin })).json()) as Page;
    for (const job of jobs) assert.ok(dated.jobs.some((entry) => entry.id === job.job_id), 'a date as `to` includes that whole day');
    for (const query of ['cursor=nonsense', 'status=%00', 'owner=a%00b', 'limit=0', 'from=garbage']) {
      const bad = await fetch(`${server.url}/api/v1/admin/jobs?${query}`, { headers: admin });
      assert.equal(bad.status, 400, query);
      assert.equal(((await bad.json()) as { error: string }).error, 'ValidationError', query);
    }
    assert.equal((await fetch(`${server.url}/api/v1/admin/jobs/abc`, { headers: admin })).status, 400);
    assert.equal((await fetch(`${server.url}/api/v1/admin/jobs`)).status, 401);
  });

  it('retries a failed job from its failed stage only', async () => {
    const reserved = await startEchoFailing();
    await assert.rejects(result(reserved.key), WorkflowFailedError);
    const failed = await findJob(sql, reserved.job_id);
    assert.deepEqual([failed?.status, failed?.failedStage, failed?.errorCode], ['failed', 'publish', 'ECHO_PUBLISH_REFUSED']);
    failing.delete(reserved.job_id);

    const retried = await fetch(`${server.url}/api/v1/admin/jobs/${reserved.key}/retry`, { method: 'POST', headers: admin });
    assert.equal(retried.status, 200, await retried.clone().text());
    assert.deepEqual(await retried.json(), { job_id: reserved.job_id, old_status: 'failed', new_status: 'queued', retry_count: 1 });
    const events = await sseEvents(`${server.url}/api/v1/jobs/${reserved.job_id}/events?secret=${ECHO_SECRET}`);
    const statuses = statusesOf(events);
    assert.deepEqual(statuses.slice(statuses.indexOf('failed')), ['failed', 'queued', 'publishing', 'done']);
    assert.equal(statuses.filter((status) => status === 'rendering').length, 1, 'render did not run again');
    assert.equal((await findJob(sql, reserved.job_id))?.retryCount, 1);
    const again = await fetch(`${server.url}/api/v1/admin/jobs/${reserved.key}/retry`, { method: 'POST', headers: admin });
    assert.equal(again.status, 409, 'a done job is not retried');
  });

  async function startEchoFailing() {
    // The id is the next one the store hands out; mark it failing before the workflow can publish.
    const job = await startEcho(40, 25);
    failing.add(job.job_id);
    return job;
  }

  it('cancels an active job: live SSE and WebSocket clients get it, a late client gets the whole timeline', async () => {
    const job = await startEcho(200, 50);
    const url = `/api/v1/jobs/${job.job_id}`;
    const live = Promise.all([sseEvents(`${server.url}${url}/events?secret=${ECHO_SECRET}`), wsEvents(`${server.wsUrl}${url}/ws?secret=${ECHO_SECRET}`)]);
    while ((await findJob(sql, job.job_id))?.status !== 'rendering') await sleep(20);
    const cancelled = await fetch(`${server.url}/api/v1/admin/jobs/${job.job_id}/cancel`, { method: 'POST', headers: admin });
    assert.equal(cancelled.status, 200, await cancelled.clone().text());
    assert.equal(((await cancelled.json()) as { new_status: string }).new_status, 'failed');
    for (const events of await live) {
      const last = events.at(-1);
      assert.equal(last?.status, 'failed');
      assert.equal(last?.detail?.code, 'CANCELLED_BY_ADMIN');
    }
    const late = await sseEvents(`${server.url}${url}/events?secret=${ECHO_SECRET}`);
    assert.deepEqual(statusesOf(late), ['queued', 'rendering', 'failed']);
    const lateWs = await wsEvents(`${server.wsUrl}${url}/ws?secret=${ECHO_SECRET}&since=1`);
    assert.equal(lateWs[0]?.seq, 2, 'since= replays only newer events');
    assert.equal(lateWs.at(-1)?.status, 'failed');
    const wrong = await fetch(`${server.url}${url}/events?secret=nope`);
    assert.equal(wrong.status, 404);
    await assert.rejects(wsEvents(`${server.wsUrl}${url}/ws?secret=${ECHO_SECRET}&since=abc`), /1008 ValidationError/);
  });

  it('refuses a write from a workflow the job was not created for, and leaves the job untouched', async () => {
    const job = await startEcho(1, 0);
    await result(job.key);
    const before = await findJob(sql, job.job_id);
    // A stale Temporal history (an older database) carries the same job id with another key.
    const stale: EchoInput = { job: { id: job.job_id, key: randomUUID() }, steps: 1, stepMs: 0 };
    const handle = await temporal.workflow.start('echoWorkflow', { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: echoWorkflowId(job.key), args: [stale] });
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.match(String((error.cause as { type?: string })?.type ?? error.cause?.message), /JOB_FOREIGN_WRITE/);
      return true;
    });
    const afterwards = await findJob(sql, job.job_id);
    assert.deepEqual(afterwards, before, 'the row, its event count and its times are unchanged');
  });
});
