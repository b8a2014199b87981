import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sseEvents } from '../support/job-streams.js';
import { startGenerationStack, type GenerationClient, type GenerationStack } from '../support/generation-stack.js';

let stack: GenerationStack;
let owner: GenerationClient;
let stranger: GenerationClient;
let jobId: string;
let videoId: string;

before(async () => {
  stack = await startGenerationStack();
  owner = await stack.as();
  stranger = await stack.as();
  const accepted = await owner.generate({ prompt: 'a lighthouse at dusk', aspect_ratio: '1:1' });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  jobId = String(accepted.body.job_id);
  await owner.waitFor(jobId, ['completed']);
  const result = await owner.get<{ video: { id: string } }>(`/videos/jobs/${jobId}/result`);
  videoId = result.body.video.id;
});
after(async () => {
  await stack?.stop();
});

describe('signed-in users only', () => {
  it('answers 401 in the error shape without a token, with a malformed one and with a forged signature', async () => {
    for (const authorization of [undefined, 'Bearer not-a-jwt', `Bearer ${owner.token.slice(0, -4)}AAAA`]) {
      const reply = await fetch(`${stack.url}/videos`, { headers: authorization ? { authorization } : {} });
      assert.equal(reply.status, 401);
      const body = (await reply.json()) as Record<string, unknown>;
      assert.equal(body.error, 'Unauthorized');
      assert.equal(body.statusCode, 401);
      assert.ok(String(body.message).length > 0);
    }
  });

  it('answers 403 for another user’s job and video, 404 for an unknown one', async () => {
    for (const path of [`/videos/jobs/${jobId}/status`, `/videos/jobs/${jobId}/result`, `/videos/${videoId}`]) {
      const reply = await stranger.get(path);
      assert.equal(reply.status, 403, path);
      assert.equal(reply.body.error, 'Forbidden');
    }
    assert.equal((await stranger.delete(`/videos/jobs/${jobId}`)).status, 403);
    assert.equal((await stranger.delete(`/videos/${videoId}`)).status, 403);
    assert.equal((await stranger.send('PUT', `/videos/${videoId}`, { is_favorited: true })).status, 403);
    assert.equal((await stranger.get(`/videos/jobs/${jobId}/events`)).status, 403);
    assert.equal((await owner.get('/videos/jobs/00000000-0000-4000-8000-000000000000/status')).status, 404);
    assert.equal((await owner.get('/videos/jobs/not-a-uuid/status')).status, 400);
    assert.equal((await owner.get('/videos/not-a-uuid')).status, 400);
  });

  it('refuses a user_id in the body that is not the signed-in user', async () => {
    const reply = await owner.generate({ user_id: stranger.userId });
    assert.equal(reply.status, 403);
  });
});

describe('validation', () => {
  it('answers 400 naming the field for every unknown value, and creates nothing', async () => {
    const user = await stack.as();
    const cases: [Record<string, unknown>, string][] = [
      [{ duration: 'forever' }, 'duration'],
      [{ resolution: '8k' }, 'resolution'],
      [{ aspect_ratio: '2:1' }, 'aspect_ratio'],
      [{ prompt: '' }, 'prompt'],
      [{ prompt: 'x'.repeat(2001) }, 'prompt'],
      [{ camera_fixed: 'yes' }, 'camera_fixed'],
      [{ prompt: 'bell\u0007' }, 'prompt'],
      [{ webhook_url: 'ftp://example.com/hook' }, 'webhook_url'],
    ];
    for (const [body, field] of cases) {
      const reply = await user.generate(body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.equal(reply.body.error, 'ValidationError');
      assert.match(String(reply.body.message), new RegExp(field), JSON.stringify(reply.body));
    }
    for (const body of [{ prompt: 'nul\u0000byte' }, { prompt: 'ok', reference_person: { person_id: user.userId, relationship: 'friend\u0000' } }]) {
      const reply = await user.generate(body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.match(String(reply.body.message), /NUL/);
    }
    const grant = await stack.admin('POST', '/api/v1/admin/credits/grant', { user_id: user.userId, amount: 5, reason: 'x\u0000' });
    assert.equal(grant.status, 400);
    const animate = await user.send('POST', '/videos/animate', { prompt: 'dance' });
    assert.equal(animate.status, 400);
    assert.match(String(animate.body.message), /image_url/);
    assert.equal(await user.balance(), 100, 'nothing was debited');
  });

  it('refuses an image_url or webhook_url on a private, loopback or metadata address at submit', async () => {
    const user = await stack.as();
    for (const url of ['http://127.0.0.1/cat.jpg', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/x.png', 'http://[::1]/x.jpg', 'http://localhost:9/x.jpg']) {
      const reply = await user.send('POST', '/videos/animate', { prompt: 'dance', image_url: url });
      assert.equal(reply.status, 400, url);
      assert.match(String(reply.body.message), /image_url/, url);
    }
    const hook = await user.generate({ webhook_url: 'http://192.168.1.10/hook' });
    assert.equal(hook.status, 400);
    assert.match(String(hook.body.message), /webhook_url/);
    assert.equal(await user.balance(), 100);
  });
});

describe('status, result, active', () => {
  it('shows a queued or running job as still processing, and lists it as active', async () => {
    const user = await stack.as();
    const accepted = await user.generate({ prompt: 'slow [hold]' });
    const id = String(accepted.body.job_id);
    await user.waitFor(id, ['processing']);
    const status = await user.get(`/videos/jobs/${id}/status`);
    assert.equal(status.body.success, true);
    assert.equal(status.body.job_id, id);
    const info = status.body.generation_info as Record<string, unknown>;
    assert.equal(info.current_step, 'Generating frames');
    assert.ok(Number(info.estimated_remaining_seconds) > 0);
    assert.ok(Number(status.body.progress) > 0 && Number(status.body.progress) < 1);
    const result = await user.get(`/videos/jobs/${id}/result`);
    assert.deepEqual(result.body, { success: true, job_id: id, status: 'processing', message: 'Video generation still in progress' });
    const active = await user.get<{ active_jobs: Record<string, unknown>[]; count: number }>('/videos/jobs/active');
    assert.equal(active.body.count, 1);
    assert.equal(active.body.active_jobs[0]?.job_id, id);
    assert.equal(active.body.active_jobs[0]?.generation_type, 'text_to_video');
    assert.equal((await user.delete(`/videos/jobs/${id}`)).status, 200);
    assert.equal((await user.get<{ count: number }>('/videos/jobs/active')).body.count, 0);
  });

  it('expires a finished job after JOB_RETENTION_SECONDS while its video stays listed', async () => {
    const user = await stack.as();
    const accepted = await user.generate({ prompt: 'ephemeral' });
    const id = String(accepted.body.job_id);
    await user.waitFor(id, ['completed']);
    // The whole job moves into the past (estimates from its duration stay true).
    const past = stack.config.JOB_RETENTION_SECONDS + 5;
    await stack.sql`update jobs set created_at = created_at - make_interval(secs => ${past}), updated_at = updated_at - make_interval(secs => ${past}) where key = ${id}`;
    assert.equal((await user.get(`/videos/jobs/${id}/status`)).status, 404);
    assert.equal((await user.get(`/videos/jobs/${id}/result`)).status, 404);
    assert.equal((await user.get<{ pagination: { total: number } }>('/videos')).body.pagination.total, 1);
  });

  it('reports processor stats with a worker polling', async () => {
    const stats = await owner.get('/videos/stats');
    assert.equal(stats.status, 200);
    assert.equal(stats.body.is_running, true);
    assert.ok(Number(stats.body.jobs_processed) >= 1);
    assert.equal(typeof stats.body.average_processing_time_seconds, 'number');
    assert.ok(!Number.isNaN(Date.parse(String(stats.body.last_job_completed_at))));
  });
});

describe('live status', () => {
  it('streams the owner’s job as server-sent events until it ends', async () => {
    const user = await stack.as();
    const accepted = await user.generate({ prompt: 'watched live' });
    const id = String(accepted.body.job_id);
    const events = await sseEvents(`${stack.url}/videos/jobs/${id}/events`, { authorization: `Bearer ${user.token}` });
    const statuses = events.filter((event) => event.kind === 'status').map((event) => event.status);
    assert.deepEqual([...new Set(statuses)], ['queued', 'starting', 'processing', 'completed']);
    const progress = events.filter((event) => event.kind === 'progress').map((event) => Number(event.progress));
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'progress never goes back');
    // The engine's own stream route reads it with the same token.
    const engine = await sseEvents(`${stack.url}/api/v1/jobs/${id}/events`, { authorization: `Bearer ${user.token}` });
    assert.equal(engine.at(-1)?.status, 'completed');
    const byQuery = await sseEvents(`${stack.url}/api/v1/jobs/${id}/events?access_token=${encodeURIComponent(user.token)}`);
    assert.equal(byQuery.at(-1)?.status, 'completed', 'EventSource clients send the token as access_token');
    assert.equal((await fetch(`${stack.url}/api/v1/jobs/${id}/events`, { headers: { authorization: `Bearer ${stranger.token}` } })).status, 404);
  });
});

describe('the video list', () => {
  it('filters, favourites and deletes, the media really gone', async () => {
    const list = await owner.get<{ videos: Record<string, unknown>[]; pagination: Record<string, unknown> }>('/videos?limit=1&offset=0&favorites_only=false&generation_type=all');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.pagination, { total: 1, limit: 1, offset: 0, has_more: false });
    assert.equal((await owner.get<{ videos: unknown[] }>('/videos?generation_type=image_to_video')).body.videos.length, 0);
    assert.equal((await owner.get<{ videos: unknown[] }>('/videos?favorites_only=true')).body.videos.length, 0);
    assert.equal((await owner.get('/videos?generation_type=gif')).status, 400);
    const favourite = await owner.send<{ video: { is_favorited: boolean } }>('PUT', `/videos/${videoId}`, { is_favorited: true });
    assert.equal(favourite.body.video.is_favorited, true);
    assert.equal((await owner.get<{ videos: unknown[] }>('/videos?favorites_only=true')).body.videos.length, 1);
    const detail = await owner.get<{ video: { url: string } }>(`/videos/${videoId}`);
    const mediaPath = new URL(detail.body.video.url);
    assert.equal((await fetch(`${stack.url}${mediaPath.pathname}${mediaPath.search}`)).status, 200);

    const deleted = await owner.delete(`/videos/${videoId}`);
    assert.deepEqual(deleted.body, { deleted_from_storage: true });
    assert.equal((await fetch(`${stack.url}${mediaPath.pathname}${mediaPath.search}`)).status, 404);
    assert.equal((await owner.get(`/videos/${videoId}`)).status, 404);
    assert.equal((await owner.delete(`/videos/${videoId}`)).status, 404);
    const result = await owner.get(`/videos/jobs/${jobId}/result`);
    assert.equal(result.status, 404, 'the job’s result is gone with its video');
    assert.match(String(result.body.message), /deleted/);
  });
});
