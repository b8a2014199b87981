import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { eventsPath, listeners, namedSql, openSse, startStreamApi, streamFixture, waitUntil } from '../../test/support/job-streams.js';
import { createJobEventHub, RESYNC } from './event-hub.js';
import { jobEventStream, KEEPALIVE } from './job-stream.js';

const { sql, temporal, api, store, newJob, close } = await streamFixture('event-hub-test');
after(close);

describe('one LISTEN per process', { timeout: 30_000 }, () => {
  it('listens only once something streams, once for 20 streams across jobs, and unsubscribes them all on close', async () => {
    const otherSql = namedSql('stream-fanout');
    const other = await startStreamApi(otherSql, temporal);
    try {
      const jobs = await Promise.all(Array.from({ length: 5 }, () => newJob()));
      const refused = await fetch(`${other.url}${eventsPath(jobs[0]!.ref.id, 'secret=nope')}`);
      assert.equal(refused.status, 404);
      assert.equal(await listeners(sql, 'stream-fanout'), 0, 'no LISTEN before anything streams');

      const streams = await Promise.all(Array.from({ length: 20 }, (_, i) => openSse(other.url + eventsPath(jobs[i % 5]!.ref.id))));
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
    const hub = createJobEventHub(resyncSql, api.deps.logger);
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
