import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { pino } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import type { Sql } from '../../db/client.js';
import { JOB_EVENTS_CHANNEL } from '../../db/jobs/store.js';
import type { JobRef, JobWriter } from '../../db/jobs/types.js';
import { createTemporalClient } from '../../lib/temporal.js';
import type { PipelineDefinition } from '../../pipelines/types.js';
import { testConfig, testSql } from '../../test/support/harness.js';
import { createApp } from '../app.js';
import { createAppDeps } from '../lib/deps.js';
import { createJobEventHub, RESYNC, type JobEventHub } from './event-hub.js';
import { jobEventStream, KEEPALIVE } from './job-stream.js';

const config = testConfig();
const logger = pino({ level: 'silent' });
const temporal = createTemporalClient(config);
const testPipe: PipelineDefinition = {
  name: 'test-pipe',
  workflows: [],
  canRead: (c) => c.req.query('secret') === 's3cret',
  terminalStatuses: ['done', 'failed'],
  retryStatus: 'queued',
};

/** Each process gets its own application_name, so its LISTEN connection can be counted in pg_stat_activity. */
function namedSql(name: string): Sql {
  const url = new URL(config.DATABASE_URL);
  url.searchParams.set('application_name', `${name}-${process.pid}`);
  return testSql(testConfig({ DATABASE_URL: url.toString() }));
}
const listeners = async (sql: Sql, name: string) =>
  (await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where application_name = ${`${name}-${process.pid}`} and query ilike 'listen%'`)[0]!.n;

/** Counts live subscriptions of a hub. */
function countingHub(hub: JobEventHub) {
  let active = 0;
  return {
    active: () => active,
    hub: {
      subscribe(jobId: number, onNotify: (seq: number) => void) {
        active += 1;
        const unsubscribe = hub.subscribe(jobId, onNotify);
        let done = false;
        return () => {
          if (done) return;
          done = true;
          active -= 1;
          unsubscribe();
        };
      },
      close: () => hub.close(),
    } satisfies JobEventHub,
  };
}

async function startApi(sql: Sql) {
  const deps = createAppDeps(config, { logger, sql, temporal, pipelines: [testPipe] });
  const counting = countingHub(deps.hub);
  deps.hub = counting.hub;
  const server: ServerType = await new Promise((resolve) => {
    const started = serve(
      { fetch: createApp(deps).fetch, hostname: '127.0.0.1', port: 0, websocket: { server: new WebSocketServer({ noServer: true }) } },
      () => resolve(started),
    );
  });
  const base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      (server as import('node:http').Server).closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await deps.hub.close();
    })());
  return { deps, base, active: counting.active, stop };
}

const sql = namedSql('stream-test');
const api = await startApi(sql);
const { store } = api.deps;
after(async () => {
  await api.stop();
  await sql.end();
  await temporal.connection.close();
});

async function newJob(): Promise<{ ref: JobRef; writer: JobWriter }> {
  const workflowId = `test-pipe-${randomUUID()}`;
  const { ref } = await sql.begin((tx) => store.create(tx, { pipeline: 'test-pipe', owner: null, status: 'queued', workflowId, originRunId: 'origin' }));
  return { ref, writer: { workflowId, originRunId: 'origin', runId: 'run-1' } };
}

/** A writer that bypasses the store's rule and appends a lower progress step. */
async function appendRawProgress(jobId: number, stage: string, progress: number) {
  await sql.begin(async (tx) => {
    const [job] = await tx<{ seq: number; status: string }[]>`update jobs set event_seq = event_seq + 1 where id = ${jobId} returning event_seq as seq, status`;
    await tx`insert into job_events (job_id, seq, kind, status, stage, progress) values (${jobId}, ${job!.seq}, 'progress', ${job!.status}, ${stage}, ${progress})`;
    await tx`select pg_notify(${JOB_EVENTS_CHANNEL}, ${`${jobId}:${job!.seq}`})`;
  });
}

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Frame {
  event?: string;
  id?: string;
  data?: string;
  comment?: string;
}
interface StreamEvent {
  job_id: number;
  job_key: string;
  seq: number;
  kind: string;
  status: string;
  stage: string | null;
  progress: number | null;
  detail: unknown;
  at: string;
}

/** An SSE client: frames as they arrive, `ended` when the server closes the stream. */
async function openSse(path: string, headers: Record<string, string> = {}, base = api.base) {
  const aborter = new AbortController();
  const response = await fetch(`http://${base}${path}`, { headers, signal: aborter.signal });
  const frames: Frame[] = [];
  let ended = false;
  const reading = (async () => {
    let buffer = '';
    for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const frame: Frame = {};
        for (const line of buffer.slice(0, end).split('\n')) {
          if (line.startsWith(':')) frame.comment = line.slice(1).trim();
          else frame[line.slice(0, line.indexOf(':')) as 'event' | 'id' | 'data'] = line.slice(line.indexOf(':') + 1).trim();
        }
        frames.push(frame);
        buffer = buffer.slice(end + 2);
      }
    }
  })()
    .catch(() => {})
    .finally(() => (ended = true));
  const events = () => frames.filter((frame) => frame.data !== undefined).map((frame) => JSON.parse(frame.data!) as StreamEvent);
  return {
    response,
    frames,
    events,
    waitForEvents: (count: number) => waitUntil(() => events().length >= count, `${count} events`),
    ended: async () => {
      await waitUntil(() => ended, 'the stream to end');
      await reading;
    },
    close: () => aborter.abort(),
  };
}

const eventsPath = (job: number | string, query = 'secret=s3cret') => `/api/v1/jobs/${job}/events?${query}`;

describe('job events over SSE', { timeout: 30_000 }, () => {
  it('delivers a running job’s events live and in order, then closes after the final one', async () => {
    const { ref, writer } = await newJob();
    const sse = await openSse(eventsPath(ref.id));
    assert.equal(sse.response.status, 200);
    assert.match(sse.response.headers.get('content-type') ?? '', /^text\/event-stream/);
    await sse.waitForEvents(1);
    await store.recordStage(ref, writer, { status: 'working', stage: 'render' });
    await store.recordProgress(ref, writer, { stage: 'render', progress: 0.25 });
    await store.recordProgress(ref, writer, { stage: 'render', progress: 0.5 });
    await store.recordStage(ref, writer, { status: 'done', detail: { url: 'x' } });
    await sse.ended();

    const events = sse.events();
    assert.deepEqual(events.map((event) => [event.seq, event.kind, event.status, event.stage, event.progress]), [
      [1, 'status', 'queued', null, null],
      [2, 'status', 'working', 'render', null],
      [3, 'progress', 'working', 'render', 0.25],
      [4, 'progress', 'working', 'render', 0.5],
      [5, 'status', 'done', 'render', null],
    ]);
    const frames = sse.frames.filter((frame) => frame.data);
    assert.deepEqual(frames.map((frame) => [frame.event, frame.id]), events.map((event) => [event.kind, String(event.seq)]));
    assert.equal(events[0]!.job_id, ref.id);
    assert.equal(events[0]!.job_key, ref.key);
    assert.deepEqual(events[4]!.detail, { url: 'x' });
    assert.ok(events.every((event) => new Date(event.at).toISOString() === event.at));
    await waitUntil(() => api.active() === 0, 'the stream to unsubscribe');
  });

  it('gives a client that comes after the job ended its whole timeline, and 204 once it has the last event', async () => {
    const { ref, writer } = await newJob();
    await store.recordStage(ref, writer, { status: 'working', stage: 'render' });
    await store.recordProgress(ref, writer, { stage: 'render', progress: 0.4 });
    await store.recordFailure(ref, writer, { stage: 'render', code: 'BOOM', message: 'it broke' });
    const sse = await openSse(eventsPath(ref.key));
    await sse.ended();
    assert.deepEqual(sse.events().map((event) => event.status), ['queued', 'working', 'working', 'failed']);
    assert.deepEqual(sse.events().at(-1)!.detail, { code: 'BOOM', message: 'it broke' });

    const again = await fetch(`http://${api.base}${eventsPath(ref.id)}`, { headers: { 'last-event-id': '4' } });
    assert.equal(again.status, 204);
  });

  it('replays only the events after Last-Event-ID or `since`; Last-Event-ID wins', async () => {
    const { ref, writer } = await newJob();
    await store.recordStage(ref, writer, { status: 'working', stage: 'render' });
    for (const progress of [0.2, 0.4, 0.6]) await store.recordProgress(ref, writer, { stage: 'render', progress });

    const bySince = await openSse(eventsPath(ref.id, 'secret=s3cret&since=3'));
    await bySince.waitForEvents(2);
    const byHeader = await openSse(eventsPath(ref.id, 'secret=s3cret&since=1'), { 'last-event-id': '4' });
    await byHeader.waitForEvents(1);
    await store.recordStage(ref, writer, { status: 'done' });
    await Promise.all([bySince.ended(), byHeader.ended()]);
    assert.deepEqual(bySince.events().map((event) => event.seq), [4, 5, 6]);
    assert.deepEqual(byHeader.events().map((event) => event.seq), [5, 6]);
  });

  it('never delivers a progress step lower than an earlier one of its stage; a retried stage starts afresh', async () => {
    const { ref, writer } = await newJob();
    await store.recordStage(ref, writer, { status: 'working', stage: 'render' });
    const live = await openSse(eventsPath(ref.id));
    await live.waitForEvents(2);
    await store.recordProgress(ref, writer, { stage: 'render', progress: 0.6 });
    await appendRawProgress(ref.id, 'render', 0.4);
    await store.recordProgress(ref, writer, { stage: 'render', progress: 0.7 });
    await store.recordFailure(ref, writer, { stage: 'render', code: 'BOOM', message: 'it broke' });
    await live.ended();
    assert.deepEqual(live.events().filter((event) => event.kind === 'progress').map((event) => event.progress), [0.6, 0.7]);

    await sql.begin((tx) => store.markRetried(tx, ref.id, { status: 'queued', fromStage: 'render', resetMainWorkflow: true }));
    await store.recordStage(ref, writer, { status: 'working', stage: 'render' });
    await store.recordProgress(ref, writer, { stage: 'render', progress: 0.2 });
    await appendRawProgress(ref.id, 'render', 0.1);
    await store.recordStage(ref, writer, { status: 'done' });
    const replay = await openSse(eventsPath(ref.id));
    await replay.ended();
    assert.deepEqual(replay.events().map((event) => event.progress ?? event.status), ['queued', 'working', 0.6, 0.7, 'failed', 'queued', 'working', 0.2, 'done']);
  });

  it('answers 404 alike for a wrong secret and an unknown job, 400 for a malformed id; admins need no secret', async () => {
    const { ref, writer } = await newJob();
    await store.recordStage(ref, writer, { status: 'done' });
    for (const path of [eventsPath(ref.id, 'secret=nope'), eventsPath(ref.id, ''), eventsPath(999_999_999), eventsPath(randomUUID())]) {
      const response = await fetch(`http://${api.base}${path}`);
      assert.equal(response.status, 404, path);
      assert.deepEqual(Object.keys((await response.json()) as object).sort(), ['error', 'message', 'statusCode']);
    }
    const malformed = await fetch(`http://${api.base}${eventsPath('12abc')}`);
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { error: string }).error, 'ValidationError');

    const admin = await openSse(eventsPath(ref.key, ''), { authorization: `Bearer ${config.ADMIN_TOKEN}` });
    await admin.ended();
    assert.deepEqual(admin.events().map((event) => event.status), ['queued', 'done']);
  });
});

/** A WebSocket client: parsed messages, and the close code and reason once closed. */
async function openSocket(path: string) {
  const socket = new WebSocket(`ws://${api.base}${path}`);
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return { socket, messages, closed, events: () => messages.filter((message) => message.type === 'event') };
}

describe('job events over WebSocket', { timeout: 30_000 }, () => {
  it('sends events as JSON, answers ping with pong and closes 1000 after the final event', async () => {
    const { ref, writer } = await newJob();
    await store.recordStage(ref, writer, { status: 'working', stage: 'render' });
    const ws = await openSocket(`/api/v1/jobs/${ref.id}/ws?secret=s3cret&since=1`);
    await waitUntil(() => ws.events().length === 1, 'the replayed event');
    ws.socket.send(JSON.stringify({ type: 'ping' }));
    await waitUntil(() => ws.messages.some((message) => message.type === 'pong'), 'pong');
    await store.recordProgress(ref, writer, { stage: 'render', progress: 0.5 });
    await store.recordStage(ref, writer, { status: 'done' });
    assert.deepEqual(await ws.closed, { code: 1000, reason: 'job finished' });
    assert.deepEqual(ws.events().map((event) => [event.seq, event.kind, event.status]), [
      [2, 'status', 'working'],
      [3, 'progress', 'working'],
      [4, 'status', 'done'],
    ]);
    assert.equal(ws.events()[0]!.job_key, ref.key);
    await waitUntil(() => api.active() === 0, 'the socket to unsubscribe');
  });

  it('closes 1008 with a reason for a wrong secret or an unknown job', async () => {
    const { ref } = await newJob();
    for (const path of [`/api/v1/jobs/${ref.id}/ws?secret=nope`, `/api/v1/jobs/${randomUUID()}/ws?secret=s3cret`]) {
      const ws = await openSocket(path);
      const { code, reason } = await ws.closed;
      assert.equal(code, 1008, path);
      assert.match(reason, /^NotFound: /);
      assert.equal(ws.messages.length, 0);
    }
    assert.equal(api.active(), 0);
    const plain = await fetch(`http://${api.base}/api/v1/jobs/${ref.id}/ws?secret=s3cret`);
    assert.equal(plain.status, 426);
  });
});

describe('one LISTEN per process', { timeout: 30_000 }, () => {
  it('listens only once something streams, once for 20 streams across jobs, and unsubscribes them all on close', async () => {
    const otherSql = namedSql('stream-fanout');
    const other = await startApi(otherSql);
    try {
      const jobs = await Promise.all(Array.from({ length: 5 }, () => newJob()));
      const refused = await fetch(`http://${other.base}${eventsPath(jobs[0]!.ref.id, 'secret=nope')}`);
      assert.equal(refused.status, 404);
      assert.equal(await listeners(sql, 'stream-fanout'), 0, 'no LISTEN before anything streams');

      const streams = await Promise.all(Array.from({ length: 20 }, (_, i) => openSse(eventsPath(jobs[i % 5]!.ref.id), {}, other.base)));
      await Promise.all(streams.map((stream) => stream.waitForEvents(1)));
      await waitUntil(async () => (await listeners(sql, 'stream-fanout')) === 1, 'one LISTEN');
      assert.equal(other.active(), 20);

      // Every stream of a job hears its event, through the one LISTEN.
      await store.recordStage(jobs[0]!.ref, jobs[0]!.writer, { status: 'working', stage: 'render' });
      await Promise.all(streams.filter((_, i) => i % 5 === 0).map((stream) => stream.waitForEvents(2)));
      assert.equal(await listeners(sql, 'stream-fanout'), 1);

      for (const stream of streams) stream.close();
      await waitUntil(() => other.active() === 0, 'all streams to unsubscribe');
      await other.stop();
      await waitUntil(async () => (await listeners(sql, 'stream-fanout')) === 0, 'UNLISTEN on close');
    } finally {
      await other.stop();
      await otherSql.end();
    }
  });

  it('tells subscribers to resync when the LISTEN connection comes back, so events of the gap still arrive', async () => {
    const resyncSql = namedSql('stream-resync');
    const hub = createJobEventHub(resyncSql, logger);
    try {
      const { ref, writer } = await newJob();
      const seen: number[] = [];
      hub.subscribe(ref.id, (seq) => seen.push(seq));
      await waitUntil(() => seen.includes(RESYNC), 'the resync once listening');
      await store.recordStage(ref, writer, { status: 'working', stage: 'render' });
      await waitUntil(() => seen.includes(2), 'the notification of seq 2');

      seen.length = 0;
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${`stream-resync-${process.pid}`} and query ilike 'listen%'`;
      await waitUntil(() => seen.includes(RESYNC), 'a resync after the reconnect');
      await store.recordStage(ref, writer, { status: 'done' });
      await waitUntil(() => seen.includes(3), 'notifications after the reconnect');
    } finally {
      await hub.close();
      await resyncSql.end();
    }
  });

  it('yields keepalives while idle, then the next event, and ends on abort', async () => {
    const { ref, writer } = await newJob();
    const aborter = new AbortController();
    const stream = jobEventStream(api.deps, ref.id, { since: 0, terminalStatuses: ['done'], signal: aborter.signal, keepaliveMs: 50 });
    assert.equal(((await stream.next()).value as { seq: number }).seq, 1);
    assert.equal((await stream.next()).value, KEEPALIVE);
    await store.recordStage(ref, writer, { status: 'working', stage: 'render' });
    let next = await stream.next();
    while (next.value === KEEPALIVE) next = await stream.next();
    assert.equal((next.value as { seq: number }).seq, 2);
    const pending = stream.next();
    aborter.abort();
    assert.equal((await pending).done, true);
  });
});
