import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { JOB_EVENTS_CHANNEL } from '../../db/jobs/store.js';
import { eventsPath, openSocket, openSse, streamFixture, waitUntil } from '../../test/support/job-streams.js';

const { sql, api, store, newJob, close } = await streamFixture('stream-test');
const { config } = api.deps;
after(close);

/** A writer that bypasses the store's rule and appends a lower progress step. */
async function appendRawProgress(jobId: number, stage: string, progress: number) {
  await sql.begin(async (tx) => {
    const [job] = await tx<{ seq: number; status: string }[]>`update jobs set event_seq = event_seq + 1 where id = ${jobId} returning event_seq as seq, status`;
    await tx`insert into job_events (job_id, seq, kind, status, stage, progress) values (${jobId}, ${job!.seq}, 'progress', ${job!.status}, ${stage}, ${progress})`;
    await tx`select pg_notify(${JOB_EVENTS_CHANNEL}, ${`${jobId}:${job!.seq}`})`;
  });
}

describe('job events over SSE', { timeout: 30_000 }, () => {
  it('delivers a running job’s events live and in order, then closes after the final one', async () => {
    const { ref, writer } = await newJob();
    const sse = await openSse(api.url + eventsPath(ref.id));
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
    const sse = await openSse(api.url + eventsPath(ref.key));
    await sse.ended();
    assert.deepEqual(sse.events().map((event) => event.status), ['queued', 'working', 'working', 'failed']);
    assert.deepEqual(sse.events().at(-1)!.detail, { code: 'BOOM', message: 'it broke' });

    const again = await fetch(`${api.url}${eventsPath(ref.id)}`, { headers: { 'last-event-id': '4' } });
    assert.equal(again.status, 204);
  });

  it('replays only the events after Last-Event-ID or `since`; Last-Event-ID wins', async () => {
    const { ref, writer } = await newJob();
    await store.recordStage(ref, writer, { status: 'working', stage: 'render' });
    for (const progress of [0.2, 0.4, 0.6]) await store.recordProgress(ref, writer, { stage: 'render', progress });

    const bySince = await openSse(api.url + eventsPath(ref.id, 'secret=s3cret&since=3'));
    await bySince.waitForEvents(2);
    const byHeader = await openSse(api.url + eventsPath(ref.id, 'secret=s3cret&since=1'), { 'last-event-id': '4' });
    await byHeader.waitForEvents(1);
    await store.recordStage(ref, writer, { status: 'done' });
    await Promise.all([bySince.ended(), byHeader.ended()]);
    assert.deepEqual(bySince.events().map((event) => event.seq), [4, 5, 6]);
    assert.deepEqual(byHeader.events().map((event) => event.seq), [5, 6]);
  });

  it('never delivers a progress step lower than an earlier one of its stage; a retried stage starts afresh', async () => {
    const { ref, writer } = await newJob();
    await store.recordStage(ref, writer, { status: 'working', stage: 'render' });
    const live = await openSse(api.url + eventsPath(ref.id));
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
    const replay = await openSse(api.url + eventsPath(ref.id));
    await replay.ended();
    assert.deepEqual(replay.events().map((event) => event.progress ?? event.status), ['queued', 'working', 0.6, 0.7, 'failed', 'queued', 'working', 0.2, 'done']);
  });

  it('answers 404 alike for a wrong secret and an unknown job, 400 for a malformed id; admins need no secret', async () => {
    const { ref, writer } = await newJob();
    await store.recordStage(ref, writer, { status: 'done' });
    for (const path of [eventsPath(ref.id, 'secret=nope'), eventsPath(ref.id, ''), eventsPath(999_999_999), eventsPath(randomUUID())]) {
      const response = await fetch(`${api.url}${path}`);
      assert.equal(response.status, 404, path);
      assert.deepEqual(Object.keys((await response.json()) as object).sort(), ['error', 'message', 'statusCode']);
    }
    const malformed = await fetch(`${api.url}${eventsPath('12abc')}`);
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { error: string }).error, 'ValidationError');

    const admin = await openSse(api.url + eventsPath(ref.key, ''), { authorization: `Bearer ${config.ADMIN_TOKEN}` });
    await admin.ended();
    assert.deepEqual(admin.events().map((event) => event.status), ['queued', 'done']);
  });
});

/** Live streams of `transport` on the app's metrics gauge. */
const liveStreams = async (transport: string) => (await api.deps.metrics.streams.get()).values.find((value) => value.labels.transport === transport)?.value;

describe('job events over WebSocket', { timeout: 30_000 }, () => {
  it('sends events as JSON, answers ping with pong and closes 1000 after the final event', async () => {
    const { ref, writer } = await newJob();
    await store.recordStage(ref, writer, { status: 'working', stage: 'render' });
    const ws = await openSocket(`${api.wsUrl}/api/v1/jobs/${ref.id}/ws?secret=s3cret&since=1`);
    await waitUntil(() => ws.events().length === 1, 'the replayed event');
    ws.socket.send(JSON.stringify({ type: 'ping' }));
    await waitUntil(() => ws.messages.some((message) => message.type === 'pong'), 'pong');
    assert.equal(await liveStreams('websocket'), 1, 'the open socket is a live stream on /metrics');
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
    await waitUntil(async () => (await liveStreams('websocket')) === 0, 'the socket to leave the gauge');
  });

  it('closes 1008 with a reason for a wrong secret or an unknown job', async () => {
    const { ref } = await newJob();
    for (const path of [`/api/v1/jobs/${ref.id}/ws?secret=nope`, `/api/v1/jobs/${randomUUID()}/ws?secret=s3cret`]) {
      const ws = await openSocket(api.wsUrl + path);
      const { code, reason } = await ws.closed;
      assert.equal(code, 1008, path);
      assert.match(reason, /^NotFound: /);
      assert.equal(ws.messages.length, 0);
    }
    assert.equal(api.active(), 0);
    assert.equal(await liveStreams('websocket'), 0, 'a refused socket is no live stream');
    const plain = await fetch(`${api.url}/api/v1/jobs/${ref.id}/ws?secret=s3cret`);
    assert.equal(plain.status, 426);
  });
});
