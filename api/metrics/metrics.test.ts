import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { freshMobile, startCloseupStack, type CloseupStack } from '../../test/support/closeup-stack.js';
import { uniqueTaskQueue } from '../../test/support/harness.js';
import { freePort } from '../../test/support/ports.js';
import { startWorkerProcess, type WorkerProcess } from '../../test/support/worker-process.js';
import { followJobMetrics } from './job-metrics.js';

const METRICS_TOKEN = 'metrics-test-token-0123456789';

/** One series' value from Prometheus text, by name and exact labels; undefined when absent. */
function valueOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2]!.split(/,(?=[a-zA-Z_]\w*=")/);
    if (present.length === wanted.length && wanted.every((pair) => present.includes(pair))) return Number(match[3]);
  }
  return undefined;
}

/**
 * One Close-Up job through the real stack — the API in this process, the production worker
 * process (worker/main.ts) with its metrics port — then both scrapes. The job counters hear the
 * whole test database (other test files run jobs at the same time): they are checked as at
 * least this job; the HTTP series are this app's alone and exact.
 */
describe('GET /metrics and the worker metrics port', { timeout: 300_000 }, () => {
  let stack: CloseupStack;
  let worker: WorkerProcess;
  let workerMetrics: string;
  let stopFollowing: () => void;

  before(async () => {
    const env = { TEMPORAL_TASK_QUEUE: uniqueTaskQueue('metrics'), METRICS_TOKEN, PHOTO_VALIDATOR: 'local', SMS_PROVIDER: 'console', STORAGE_BACKEND: 'local' };
    stack = await startCloseupStack({ worker: false, env });
    stopFollowing = followJobMetrics(stack.deps);
    const port = await freePort();
    workerMetrics = `http://127.0.0.1:${port}/metrics`;
    worker = await startWorkerProcess('metrics', { ...process.env, ...env, NODE_ENV: 'test', LOG_LEVEL: 'info', HOST: '127.0.0.1', WORKER_METRICS_PORT: String(port) });
  });
  after(async () => {
    stopFollowing();
    await worker?.kill('SIGTERM');
    await stack?.stop();
  });

  const scrape = async () => {
    const response = await stack.app.request('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  it('counts the requests by route pattern, the job by pipeline and outcome, its stages, and its live stream', async () => {
    const refused = await stack.app.request('/metrics');
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
    assert.equal(((await refused.json()) as { error: string }).error, 'Unauthorized');

    const mobile = freshMobile();
    const submitted = await stack.submit({ mobile_number: mobile });
    assert.equal(submitted.body.status, 'otp_sent', JSON.stringify(submitted.body));
    const jobId = submitted.body.job_id as number;
    const token = submitted.body.tracking_token as string;

    // The job waits for its code: its event stream stays open and is counted live.
    const events = await stack.app.request(`/api/v1/video/jobs/${jobId}/events?tracking_token=${token}`);
    const reader = events.body!.getReader();
    await reader.read();
    assert.equal(valueOf(await scrape(), 'reelflow_event_stream_connections', { transport: 'sse' }), 1);
    const drained = (async () => {
      while (!(await reader.read()).done);
    })();

    // The worker process texts the code: the console sender's log line is the inbox.
    const masked = `+91******${mobile.slice(-4)}`;
    const sms = await worker.waitForLine((line) => line.to === masked && /^\[console OTP\] \d{6} /.test(String(line.msg)), 'the OTP');
    const code = /(\d{6})/.exec(String(sms.msg))![1]!;
    assert.equal((await stack.verify(mobile, code)).status, 200);
    assert.equal(await stack.waitForStatus(jobId, ['sent', 'failed'], 240_000), 'sent');
    await drained;
    for (let i = 0; i < 3; i++) assert.equal((await stack.job(jobId, token)).status, 200);
    assert.equal((await stack.app.request(`/nothing/here/${jobId}`)).status, 404);

    // The job's last events reach the counters through the LISTEN, a moment after they commit.
    let text = await scrape();
    for (let i = 0; i < 100 && !(valueOf(text, 'reelflow_stage_duration_seconds_count', { pipeline: 'closeup', stage: 'delivery', outcome: 'sent' }) ?? 0); i++) {
      await sleep(100);
      text = await scrape();
    }

    const requests = (method: string, route: string, status: string) => valueOf(text, 'reelflow_http_requests_total', { method, route, status });
    assert.equal(requests('POST', '/api/v1/video/submit', '200'), 1);
    assert.equal(requests('POST', '/api/v1/auth/verify-otp', '200'), 1);
    assert.equal(requests('GET', '/api/v1/video/jobs/:job_id', '200'), 3, 'three reads of one route pattern, whatever the id');
    assert.equal(requests('GET', '/api/v1/video/jobs/:job_id/events', '200'), 1);
    assert.equal(requests('GET', '/metrics', '401'), 1);
    assert.equal(requests('GET', 'unmatched', '404'), 1);
    assert.doesNotMatch(text, new RegExp(`route="[^"]*(${jobId}|nothing)`), 'no raw path becomes a label');
    assert.equal(valueOf(text, 'reelflow_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/video/submit', status: '200' }), 1);
    assert.equal(valueOf(text, 'reelflow_event_stream_connections', { transport: 'sse' }), 0, 'the stream closed with the job');

    assert.ok((valueOf(text, 'reelflow_jobs_started_total', { pipeline: 'closeup' }) ?? 0) >= 1, 'the job started');
    assert.ok((valueOf(text, 'reelflow_jobs_ended_total', { pipeline: 'closeup', outcome: 'sent' }) ?? 0) >= 1, 'the job ended sent');
    for (const stage of ['photo_processing', 'lipsync_processing', 'stitching']) {
      assert.ok((valueOf(text, 'reelflow_stage_duration_seconds_count', { pipeline: 'closeup', stage, outcome: 'advanced' }) ?? 0) >= 1, `${stage} timed`);
    }
    // This job's lip-sync stage, from its log, lies within the histogram's total.
    const [lipsync] = await stack.sql<{ seconds: number }[]>`
      select extract(epoch from min(created_at) filter (where stage = 'stitching') - min(created_at) filter (where stage = 'lipsync_processing'))::float8 as seconds
      from job_events where job_id = ${jobId} and kind = 'status'`;
    const lipsyncSum = valueOf(text, 'reelflow_stage_duration_seconds_sum', { pipeline: 'closeup', stage: 'lipsync_processing', outcome: 'advanced' }) ?? 0;
    assert.ok(lipsync!.seconds > 0 && lipsyncSum >= lipsync!.seconds * 0.999, `lip-sync took ${lipsync!.seconds} s; histogram sum ${lipsyncSum} s`);
    assert.match(text, /^process_cpu_seconds_total \d/m, 'default process metrics');
    assert.match(text, /^nodejs_eventloop_lag_seconds \d/m);
  });

  it("serves the worker's Temporal SDK metrics on WORKER_METRICS_PORT", async () => {
    const started = worker.lines.find((line) => line.msg === 'worker started');
    assert.equal(started?.metrics, workerMetrics, 'the worker logs where its metrics are');
    const response = await fetch(workerMetrics);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /^temporal_workflow_completed\{[^}]*workflow_type="closeupSubmissionWorkflow"/m);
    // A stage's activity, timed on its provider's queue (the job records are local activities).
    assert.match(text, /^temporal_activity_execution_latency_count\{[^}]*activity_type="generateLipsync"[^}]*task_queue="[^"]*-predictions"/m);
  });

  it('declares GET /metrics in the OpenAPI document as text/plain, operationId getMetrics', async () => {
    const document = (await (await stack.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { operationId?: string; responses: Record<string, { content?: Record<string, unknown> }> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    const operation = document.paths['/metrics']?.get;
    assert.equal(operation?.operationId, 'getMetrics');
    assert.ok(operation?.responses['200']?.content?.['text/plain']);
    assert.ok(document.components.securitySchemes.MetricsToken);
  });
});
