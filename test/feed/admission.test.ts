import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { FeedVideo } from '../../api/feed/video-view.js';
import type { VideoGenerator } from '../../providers/ports.js';
import { startGenerationStack, type GenerationClient, type GenerationStack, type Reply } from '../support/generation-stack.js';
import { scriptedGenerator } from '../support/scripted-generator.js';

/**
 * Feed admission over real HTTP, Temporal and PostgreSQL: the per-user cooldown and the queue bound
 * (429 with Retry-After and the RateLimit fields, exact under concurrent requests), and renders one
 * at a time — observed at the generator itself. The stack has a database of its own: the queue
 * counts every user's waiting videos. Defaults otherwise (queue 10, one render at a time).
 */

const COOLDOWN_SECONDS = 5;
const QUEUE = 10;

/** Every render the generator ran: its prompt and wall-clock span; and how many ran at once at most. */
const renders: { prompt: string; start: number; end: number }[] = [];
let running = 0;
let peak = 0;

function recorded(inner: VideoGenerator): VideoGenerator {
  return {
    name: inner.name,
    async generate(request, progress) {
      const start = performance.now();
      peak = Math.max(peak, ++running);
      try {
        return await inner.generate(request, progress);
      } finally {
        running--;
        renders.push({ prompt: request.spec.prompt, start, end: performance.now() });
      }
    },
  };
}

let stack: GenerationStack;
let base: string;

before(async () => {
  stack = await startGenerationStack({
    ownDatabase: true,
    env: { VIDEO_CREATION_COOLDOWN_SECONDS: String(COOLDOWN_SECONDS) },
    providers: (configured) => ({ videoGenerator: recorded(scriptedGenerator(configured.videoGenerator)) }),
  });
  base = stack.config.FEED_BASE_PATH;
});
after(async () => {
  await stack?.stop();
});

type Answer = Reply<FeedVideo & Record<string, unknown>>;
const create = (user: GenerationClient, prompt: string): Promise<Answer> => user.send('POST', `${base}/videos/create`, { prompt });

async function waiting(): Promise<{ pending: number; processing: number }> {
  const [row] = await stack.sql<{ pending: number; processing: number }[]>`
    select count(*) filter (where status = 'pending')::int as pending, count(*) filter (where status = 'processing')::int as processing from feed_videos`;
  return row!;
}

/** Waits until no feed video waits (every render done). */
async function drained(timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(100)) {
    const now = await waiting();
    if (now.pending + now.processing === 0) return;
    if (Date.now() > deadline) throw new Error(`feed videos still waiting: ${JSON.stringify(now)}`);
  }
}

function assertRefused(reply: Answer, policy: 'queue' | 'cooldown'): number {
  assert.equal(reply.status, 429, JSON.stringify(reply.body));
  assert.deepEqual([reply.body.error, reply.body.statusCode], ['TooManyRequests', 429]);
  assert.deepEqual((reply.body.details as { violatedPolicies: string[] }).violatedPolicies, [policy]);
  const retryAfter = Number(reply.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${reply.headers.get('retry-after')}`);
  assert.equal(reply.headers.get('ratelimit-policy'), `"queue";q=${QUEUE};qu="concurrent-requests", "cooldown";q=1;w=${COOLDOWN_SECONDS}`);
  return retryAfter;
}

describe('the cooldown', () => {
  it('refuses a user’s second creation within VIDEO_CREATION_COOLDOWN_SECONDS with 429, Retry-After and RateLimit fields, then admits it', async () => {
    const user = await stack.as();
    const first = await create(user, 'A heron standing in a misty pond');
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.headers.get('ratelimit-policy'), `"queue";q=${QUEUE};qu="concurrent-requests", "cooldown";q=1;w=${COOLDOWN_SECONDS}`);
    assert.match(first.headers.get('ratelimit') ?? '', new RegExp(`^"queue";r=\\d+, "cooldown";r=0;t=${COOLDOWN_SECONDS}$`));

    const again = await create(user, 'A heron taking off');
    const retryAfter = assertRefused(again, 'cooldown');
    assert.ok(retryAfter <= COOLDOWN_SECONDS, `Retry-After ${retryAfter}`);
    assert.match(again.headers.get('ratelimit') ?? '', new RegExp(`^"queue";r=\\d+, "cooldown";r=0;t=${retryAfter}$`));
    // A recreate is a creation too.
    assertRefused(await user.send('POST', `${base}/videos/${first.body.id}/recreate`, undefined), 'cooldown');

    await sleep(retryAfter * 1000);
    const later = await create(user, 'A heron taking off');
    assert.equal(later.status, 201, JSON.stringify(later.body));
  });

  it('admits exactly one of a user’s concurrent creations', async () => {
    const user = await stack.as();
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => create(user, `A paper plane, take ${i}`)));
    assert.deepEqual(replies.map((reply) => reply.status).sort(), [201, 429, 429, 429, 429, 429]);
    for (const reply of replies.filter((reply) => reply.status === 429)) assertRefused(reply, 'cooldown');
    const [row] = await stack.sql<{ count: number }[]>`select count(*)::int as count from feed_videos where user_id = ${user.userId}`;
    assert.equal(row?.count, 1);
  });
});

describe('the queue', () => {
  it('holds at most VIDEO_QUEUE_MAXSIZE waiting videos under concurrent creations, rendering one at a time; a freed place admits the next', async () => {
    await drained();
    const users = await Promise.all(Array.from({ length: QUEUE + 2 }, () => stack.as()));
    const replies = await Promise.all(users.map((user, i) => create(user, `A lighthouse beam sweeping the night, ${i} [hold]`)));
    const admitted = replies.filter((reply) => reply.status === 201);
    assert.equal(admitted.length, QUEUE, replies.map((reply) => reply.status).join(' '));
    for (const reply of replies.filter((reply) => reply.status === 429)) {
      const retryAfter = assertRefused(reply, 'queue');
      assert.match(reply.headers.get('ratelimit') ?? '', new RegExp(`^"queue";r=0;t=${retryAfter}, "cooldown";r=1$`));
    }

    // The first render holds the only slot; the others wait in Temporal, still pending.
    for (const deadline = Date.now() + 10_000; (await waiting()).processing === 0; await sleep(100)) {
      if (Date.now() > deadline) throw new Error('no render started');
    }
    await sleep(1500);
    assert.deepEqual(await waiting(), { pending: QUEUE - 1, processing: 1 });
    assert.equal(running, 1);
    assertRefused(await create(await stack.as(), 'One too many'), 'queue');

    // An admin cancels a waiting one: its place frees at once.
    const jobs = await stack.sql<{ jobId: number; status: string }[]>`
      select job_id as "jobId", status from feed_videos where id in ${stack.sql(admitted.map((reply) => reply.body.id))} order by status desc`;
    const [firstPending] = jobs.filter((job) => job.status === 'pending');
    assert.equal((await stack.admin('POST', `/api/v1/admin/jobs/${firstPending!.jobId}/cancel`)).status, 200);
    const next = await create(await stack.as(), 'The next in line [hold]');
    assert.equal(next.status, 201, JSON.stringify(next.body));
    assert.match(next.headers.get('ratelimit') ?? '', /^"queue";r=0, "cooldown";r=0;t=\d+$/);

    const [nextJob] = await stack.sql<{ jobId: number }[]>`select job_id as "jobId" from feed_videos where id = ${next.body.id}::uuid`;
    const rest = [...jobs.filter((job) => job.jobId !== firstPending!.jobId), nextJob!];
    const cancels = await Promise.all(rest.map((job) => stack.admin('POST', `/api/v1/admin/jobs/${job.jobId}/cancel`)));
    assert.deepEqual(new Set(cancels.map((reply) => reply.status)), new Set([200]));
    await drained(20_000);
    const [failed] = await stack.sql<{ count: number }[]>`select count(*)::int as count from feed_videos where failure_reason = 'the job was cancelled'`;
    assert.equal(failed?.count, QUEUE + 1);
  });
});

describe('one render at a time', () => {
  it('never runs two renders at once, observed at the generator, while several creations wait', async () => {
    await drained();
    const before = renders.length;
    peak = 0;
    const users = await Promise.all(Array.from({ length: 3 }, () => stack.as()));
    const replies = await Promise.all(users.map((user, i) => create(user, `A hot-air balloon over hills, flight ${i}`)));
    assert.deepEqual(replies.map((reply) => reply.status), [201, 201, 201]);
    await drained();
    const spans = renders.slice(before).filter((render) => render.prompt.startsWith('A hot-air balloon')).sort((a, b) => a.start - b.start);
    assert.equal(spans.length, 3);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i]!.start >= spans[i - 1]!.end, `render ${i} started ${spans[i - 1]!.end - spans[i]!.start} ms before the previous ended`);
    assert.equal(peak, 1);
    const [done] = await stack.sql<{ count: number }[]>`select count(*)::int as count from feed_videos where id in ${stack.sql(replies.map((reply) => reply.body.id))} and status = 'completed'`;
    assert.equal(done?.count, 3);
  });
});
