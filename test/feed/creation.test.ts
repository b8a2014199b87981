import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { z } from '@hono/zod-openapi';
import type { SyncedVideoSchema } from '../../api/feed/creation-schemas.js';
import type { FeedVideo } from '../../api/feed/video-view.js';
import { probe } from '../../lib/media/ffmpeg.js';
import { startGenerationStack, type GenerationClient, type GenerationStack } from '../support/generation-stack.js';

/**
 * Feed video creation over real HTTP, Temporal, PostgreSQL and ffmpeg: create → rendered →
 * completed with a playable mp4, recreate lineage, sync-status for the owner only, a failed render,
 * FEED_VIDEO_COST debited and refunded, prompt validation. The stack has a database of its own
 * (the queue bound counts every user's waiting videos) and no cooldown.
 */

type Synced = z.infer<typeof SyncedVideoSchema>;

const COST = 40;
let stack: GenerationStack;
let scratch: string;
let base: string;

before(async () => {
  stack = await startGenerationStack({ ownDatabase: true, env: { FEED_VIDEO_COST: String(COST), VIDEO_CREATION_COOLDOWN_SECONDS: '0' } });
  base = stack.config.FEED_BASE_PATH;
  scratch = await mkdtemp(join(tmpdir(), 'feed-creation-'));
});
after(async () => {
  await stack?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const create = (user: GenerationClient, body: unknown) => user.send<FeedVideo & Record<string, unknown>>('POST', `${base}/videos/create`, body);
const sync = (user: GenerationClient, id: string) => user.send<Synced & Record<string, unknown>>('POST', `${base}/videos/${id}/sync-status`, {});

/**
 * Polls sync-status until the video reaches one of `statuses` and its job has ended too (the
 * workflow records the video's outcome first, then the job's).
 */
async function waitFor(user: GenerationClient, id: string, statuses: string[], timeoutMs = 60_000): Promise<Synced> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await sync(user, id);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const jobEnded = reply.body.job === null || ['completed', 'failed'].includes(reply.body.job.status);
    if (statuses.includes(reply.body.status) && jobEnded) return reply.body;
    if (Date.now() > deadline) throw new Error(`video ${id} is ${JSON.stringify(reply.body)}, never reached ${statuses.join('/')}`);
    await sleep(200);
  }
}

/** Downloads a signed URL the API handed out (its host is PUBLIC_BASE_URL) into a file. */
async function download(url: string, name: string): Promise<{ path: string; type: string | null }> {
  const signed = new URL(url);
  const response = await fetch(`${stack.url}${signed.pathname}${signed.search}`);
  assert.equal(response.status, 200, `GET ${url}`);
  const path = join(scratch, name);
  await writeFile(path, Buffer.from(await response.arrayBuffer()));
  return { path, type: response.headers.get('content-type') };
}

let original: Synced;
let owner: GenerationClient;

describe('create', () => {
  it('answers 201 pending, renders a playable 9:16 mp4 with its thumbnail into assets[], debits FEED_VIDEO_COST and moves last_active_at', async () => {
    owner = await stack.as();
    // A first feed request makes the profile; its activity is then set back a day.
    assert.equal((await sync(owner, randomUUID())).status, 404);
    await stack.sql`update profiles set last_active_at = now() - interval '1 day' where id = ${owner.userId}`;

    const accepted = await create(owner, { prompt: '  A paper boat drifting down a rainy street  ' });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    const video = accepted.body;
    assert.equal(video.status, 'pending');
    assert.equal(video.prompt, 'A paper boat drifting down a rainy street');
    assert.equal(video.userId, owner.userId);
    assert.equal(video.sourceVideoId, null);
    assert.equal(video.videoUrl, '');
    assert.deepEqual(video.assets, []);
    assert.deepEqual([video.likes, video.dislikes, video.views], [0, 0, 0]);
    assert.match(accepted.headers.get('ratelimit-policy') ?? '', /^"queue";q=10;qu="concurrent-requests"$/);
    assert.match(accepted.headers.get('ratelimit') ?? '', /^"queue";r=\d$/);
    const [profile] = await stack.sql<{ recent: boolean }[]>`select last_active_at > now() - interval '1 minute' as recent from profiles where id = ${owner.userId}`;
    assert.equal(profile?.recent, true, 'creating moves last_active_at');
    assert.equal(await owner.balance(), 100 - COST);

    original = await waitFor(owner, video.id, ['completed', 'failed']);
    assert.equal(original.status, 'completed', JSON.stringify(original));
    assert.equal(original.failureReason, null);
    assert.equal(original.job?.status, 'completed');
    assert.equal(original.job?.render, null);
    const videoAsset = original.assets.find((asset) => asset.assetType === 'video');
    const thumbnailAsset = original.assets.find((asset) => asset.assetType === 'thumbnail');
    assert.ok(videoAsset && thumbnailAsset, JSON.stringify(original.assets));
    assert.equal(original.assets.length, 2);
    assert.equal(videoAsset.storageBackend, 'local');
    assert.equal(videoAsset.durationSeconds, 5);
    assert.equal(original.videoUrl, videoAsset.publicUrl);
    assert.equal(original.thumbnailUrl, thumbnailAsset.publicUrl);

    const file = await download(original.videoUrl, 'video.mp4');
    const media = await probe(file.path);
    assert.equal(media.video?.codec, 'h264');
    assert.deepEqual([media.video?.width, media.video?.height], [720, 1280]);
    assert.ok(Math.abs(media.durationSeconds - 5) < 0.2, `${media.durationSeconds} s`);
    const thumbnail = await download(original.thumbnailUrl!, 'thumbnail.jpg');
    assert.equal(thumbnail.type, 'image/jpeg');
    const [row] = await stack.sql<{ seconds: number; pipeline: string; jobStatus: string }[]>`
      select v.duration_seconds::float8 as seconds, j.pipeline, j.status as "jobStatus" from feed_videos v join jobs j on j.id = v.job_id where v.id = ${video.id}::uuid`;
    assert.equal(row?.pipeline, 'feed');
    assert.equal(row?.jobStatus, 'completed');
    assert.ok(Math.abs(row.seconds - media.durationSeconds) < 0.01);
    assert.equal(await owner.balance(), 100 - COST, 'a completed video keeps its debit');
  });

  it('refuses a missing, empty, blank, too long, non-string or control-character prompt with 400 and creates nothing', async () => {
    const user = await stack.as();
    for (const body of [{}, { prompt: '' }, { prompt: '   \n ' }, { prompt: 'x'.repeat(2001) }, { prompt: 42 }, { prompt: 'ring the bell\u0007' }]) {
      const reply = await create(user, body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.equal(reply.body.error, 'ValidationError');
      assert.equal(reply.body.statusCode, 400);
      assert.match(String(reply.body.message), /prompt/);
    }
    const anonymous = await fetch(`${stack.url}${base}/videos/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'hi' }) });
    assert.equal(anonymous.status, 401);
    const [{ count } = { count: -1 }] = await stack.sql<{ count: number }[]>`select count(*)::int as count from feed_videos where user_id = ${user.userId}`;
    assert.equal(count, 0);
    assert.equal(await user.balance(), 100);
  });
});

describe('recreate', () => {
  it('makes the caller a new video with the same prompt and sourceVideoId, rendered in turn', async () => {
    const fan = await stack.as();
    const reply = await fan.send<FeedVideo>('POST', `${base}/videos/${original.id}/recreate`, undefined);
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.notEqual(reply.body.id, original.id);
    assert.equal(reply.body.prompt, original.prompt);
    assert.equal(reply.body.sourceVideoId, original.id);
    assert.equal(reply.body.userId, fan.userId);
    assert.equal(reply.body.status, 'pending');
    assert.ok(reply.headers.get('ratelimit'));
    const done = await waitFor(fan, reply.body.id, ['completed', 'failed']);
    assert.equal(done.status, 'completed');
    assert.equal(done.sourceVideoId, original.id);
    assert.equal(await fan.balance(), 100 - COST);

    for (const id of [randomUUID(), 'not-a-uuid']) {
      const missing = await fan.send('POST', `${base}/videos/${id}/recreate`, undefined);
      assert.equal(missing.status, 404, id);
      assert.equal(missing.body.error, 'NotFound');
    }
  });
});

describe('sync-status', () => {
  it('answers the owner only: 403 for another user, 404 for an unknown video, 401 without a token', async () => {
    const stranger = await stack.as();
    const refused = await sync(stranger, original.id);
    assert.equal(refused.status, 403);
    assert.deepEqual([refused.body.error, refused.body.statusCode], ['Forbidden', 403]);
    for (const id of [randomUUID(), 'not-a-uuid']) assert.equal((await sync(owner, id)).status, 404, id);
    const anonymous = await fetch(`${stack.url}${base}/videos/${original.id}/sync-status`, { method: 'POST' });
    assert.equal(anonymous.status, 401);
    const mine = await sync(owner, original.id);
    assert.equal(mine.status, 200);
    assert.equal(mine.body.id, original.id);
    assert.equal(mine.body.job?.workflowStatus, 'COMPLETED');
  });
});

describe('failures', () => {
  it('marks a video whose render failed `failed` with the provider’s reason, and refunds its DUST', async () => {
    const user = await stack.as();
    const accepted = await create(user, { prompt: 'A storm over a lighthouse [fail]' });
    assert.equal(accepted.status, 201);
    assert.equal(await user.balance(), 100 - COST);
    const failed = await waitFor(user, accepted.body.id, ['failed', 'completed']);
    assert.equal(failed.status, 'failed');
    // Only its owner sees an unfinished video, so only they may recreate it.
    assert.equal((await (await stack.as()).send('POST', `${base}/videos/${failed.id}/recreate`, undefined)).status, 404);
    assert.equal(failed.failureReason, 'Video generation failed: Model timeout');
    assert.equal(failed.videoUrl, '');
    assert.deepEqual(failed.assets, []);
    assert.equal(failed.job?.status, 'failed');
    assert.equal(await user.balance(), 100);
  });

  it('answers 402 when the balance is short, with nothing created; an admin cancel fails the waiting videos and refunds them', async () => {
    const user = await stack.as();
    const held = [];
    for (const prompt of ['A lantern in the fog [hold]', 'A kite over the dunes [hold]']) {
      const reply = await create(user, { prompt });
      assert.equal(reply.status, 201);
      held.push(reply.body.id);
    }
    assert.equal(await user.balance(), 100 - 2 * COST);
    const short = await create(user, { prompt: 'One more' });
    assert.equal(short.status, 402);
    assert.equal(short.body.error, 'InsufficientCredits');
    const [{ count } = { count: -1 }] = await stack.sql<{ count: number }[]>`select count(*)::int as count from feed_videos where user_id = ${user.userId}`;
    assert.equal(count, 2);

    const jobs = await stack.sql<{ jobId: number }[]>`select job_id as "jobId" from feed_videos where id in ${stack.sql(held)}`;
    for (const { jobId } of jobs) {
      const cancelled = await stack.admin('POST', `/api/v1/admin/jobs/${jobId}/cancel`);
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    }
    for (const id of held) {
      const video = await waitFor(user, id, ['failed']);
      assert.equal(video.failureReason, 'the job was cancelled');
    }
    assert.equal(await user.balance(), 100);
  });
});

describe('sync-status of a job ended elsewhere', () => {
  it('shows the running render, and fails the video whose workflow an operator terminated, refunding it', async () => {
    const user = await stack.as();
    const accepted = await create(user, { prompt: 'A clock tower at midnight [hold]' });
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    let synced: Synced | undefined;
    // The activity is running (Temporal's view) a moment before its first write marks the video processing.
    for (const deadline = Date.now() + 20_000; synced?.status !== 'processing'; await sleep(200)) {
      if (Date.now() > deadline) throw new Error(`the render never ran: ${JSON.stringify(synced)}`);
      synced = (await sync(user, accepted.body.id)).body;
    }
    assert.equal(synced.job?.render?.state, 'running');
    assert.equal(synced.job?.workflowStatus, 'RUNNING');
    assert.equal(synced.job?.providerStatus, null, 'the local generator has no prediction');

    const [row] = await stack.sql<{ workflowId: string }[]>`select j.workflow_id as "workflowId" from feed_videos v join jobs j on j.id = v.job_id where v.id = ${accepted.body.id}::uuid`;
    await stack.temporal.workflow.getHandle(row!.workflowId).terminate('an operator stopped it');
    const failed = await sync(user, accepted.body.id);
    assert.equal(failed.body.status, 'failed');
    assert.equal(failed.body.failureReason, 'its job ended (terminated) before the video was rendered');
    assert.deepEqual([failed.body.job?.status, failed.body.job?.workflowStatus], ['failed', 'TERMINATED']);
    assert.equal(await user.balance(), 100);
  });
});
