import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findGenerationJob } from '../../db/generation/jobs.js';
import { saveVideo } from '../../db/generation/videos.js';
import { feedClient, seedFeedVideo } from '../support/feed-rows.js';
import { startGenerationStack, type GenerationClient, type GenerationStack } from '../support/generation-stack.js';
import { seedLibraryVideo } from '../support/library-rows.js';
import { assertRefused } from './kit.js';

let stack: GenerationStack;
let owner: GenerationClient;
let stranger: GenerationClient;
before(async () => {
  stack = await startGenerationStack({ worker: false });
  [owner, stranger] = [await stack.as(), await stack.as()];
});
after(() => stack?.stop());

describe('a valid token on another user’s video or profile', () => {
  it('generated videos: 403 Forbidden to read, favourite or delete; the video stays', async () => {
    const job = (await findGenerationJob(stack.sql, String((await owner.generate()).body.job_id)))!;
    const videoId = await saveVideo(stack.sql, { accountId: owner.userId, jobId: job.id, spec: job.spec, durationSeconds: 5, metadata: {}, videoKey: `users/${owner.userId}/v.mp4`, thumbnailKey: `users/${owner.userId}/v.jpg` });
    assertRefused(await stranger.get(`/videos/${videoId}`), 403);
    assertRefused(await stranger.send('PUT', `/videos/${videoId}`, { is_favorited: true }), 403);
    assertRefused(await stranger.delete(`/videos/${videoId}`), 403);
    const kept = await owner.get<{ video: { is_favorited: boolean } }>(`/videos/${videoId}`);
    assert.equal(kept.status, 200);
    assert.equal(kept.body.video.is_favorited, false);
  });

  it('library videos: 404 by key (raw or %2F-encoded) and on delete by id, as for an unknown one; the video stays', async () => {
    const video = await seedLibraryVideo(stack, owner.userId);
    for (const key of [video.s3Key, encodeURIComponent(video.s3Key)]) {
      assertRefused(await stranger.get(`/api/v1/videos/s3-videos/by-key/${key}`), 404, undefined, key);
    }
    assertRefused(await stranger.delete(`/api/v1/videos/s3-videos/${video.id}`), 404);
    assert.equal((await owner.get(`/api/v1/videos/s3-videos/by-key/${video.s3Key}`)).status, 200, 'still the owner’s');
    const listed = await stranger.get<{ videos: { id: string }[] }>('/api/v1/videos/s3-videos');
    assert.ok(!listed.body.videos.some((row) => row.id === video.id), 'not in the stranger’s list');
  });

  it('feed: 403 on editing the profile and on syncing the creator’s video; neither changes', async () => {
    const [mine, theirs] = [await feedClient(stack, { userId: owner.userId }), await feedClient(stack, { userId: stranger.userId })];
    const before = await mine.get<{ username: string }>(`/users/${owner.userId}`);
    assert.equal(before.status, 200);
    assertRefused(await theirs.patch(`/users/${owner.userId}`, { username: 'hijacked_name', avatarUrl: 'https://evil.example/a.png' }), 403);
    assertRefused(await theirs.patch(`/users/${owner.userId.toUpperCase()}`, { username: 'hijacked_name' }), 403, undefined, 'upper-case id');
    const after = await mine.get<{ username: string; avatarUrl: string | null }>(`/users/${owner.userId}`);
    assert.equal(after.body.username, before.body.username);
    assert.equal(after.body.avatarUrl, null);
    const video = await seedFeedVideo(stack, owner.userId, { status: 'pending' });
    assertRefused(await theirs.post(`/videos/${video.id}/sync-status`), 403);
    assert.equal((await theirs.get(`/videos/${video.id}`)).status, 404, 'an unfinished video is its owner’s alone');
  });
});
