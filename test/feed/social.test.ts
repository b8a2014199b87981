import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { z } from '@hono/zod-openapi';
import type { RankedUserProfileSchema, UserProfileSchema } from '../../api/feed/schemas.js';
import type { FeedVideo } from '../../api/feed/video-view.js';
import { startGenerationStack, type GenerationStack } from '../support/generation-stack.js';
import { FEED_THUMBNAIL_BYTES, FEED_VIDEO_BYTES, feedClient, seedFeedVideo, type FeedClient } from '../support/feed-rows.js';

type Profile = z.infer<typeof UserProfileSchema>;
type Ranked = z.infer<typeof RankedUserProfileSchema>;
type Counts = { success: true; likes: number; dislikes: number };

let stack: GenerationStack;
let creator: FeedClient;
let anonymous: FeedClient;

before(async () => {
  stack = await startGenerationStack({ worker: false });
  creator = await feedClient(stack);
  anonymous = await feedClient(stack, 'anonymous');
});
after(async () => {
  await stack?.stop();
});

/** Fresh signed-in users, their profiles made by a first request. */
async function users(count: number): Promise<FeedClient[]> {
  const made = await Promise.all(Array.from({ length: count }, () => feedClient(stack)));
  await Promise.all(made.map((user) => user.get(`/users/${user.userId}`)));
  return made;
}

/** The media a signed URL names, fetched from the app (the URL's host is PUBLIC_BASE_URL). */
async function fetchSigned(url: string): Promise<{ status: number; bytes: Buffer }> {
  const signed = new URL(url);
  const response = await fetch(`${stack.url}${signed.pathname}${signed.search}`);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('reactions', () => {
  it('counts 50 parallel likes of one user once; like ↔ dislike moves one count; repeats change nothing', async () => {
    const video = await seedFeedVideo(stack, creator.userId);
    const fan = await feedClient(stack);
    const likes = await Promise.all(Array.from({ length: 50 }, () => fan.post<Counts>(`/videos/${video.id}/like`)));
    for (const reply of likes) assert.deepEqual([reply.status, reply.body], [200, { success: true, likes: 1, dislikes: 0 }]);
    assert.deepEqual((await fan.post<Counts>(`/videos/${video.id}/dislike`)).body, { success: true, likes: 0, dislikes: 1 });
    assert.deepEqual((await fan.post<Counts>(`/videos/${video.id}/dislike`)).body, { success: true, likes: 0, dislikes: 1 });
    assert.deepEqual((await fan.post<Counts>(`/videos/${video.id}/like`)).body, { success: true, likes: 1, dislikes: 0 });
  });

  it('keeps exact counts when users switch back and forth in parallel, never below zero', async () => {
    const video = await seedFeedVideo(stack, creator.userId);
    const crowd = await users(8);
    // Each user sends 20 reactions at once, alternating; their last one to commit is theirs.
    const replies = await Promise.all(
      crowd.flatMap((user) => Array.from({ length: 20 }, (_, i) => user.post<Counts>(`/videos/${video.id}/${i % 2 ? 'dislike' : 'like'}`))),
    );
    for (const reply of replies) {
      assert.equal(reply.status, 200);
      assert.ok(reply.body.likes >= 0 && reply.body.dislikes >= 0 && reply.body.likes + reply.body.dislikes <= crowd.length, JSON.stringify(reply.body));
    }
    const stored = await stack.sql<{ reaction: string; n: number }[]>`
      select reaction, count(*)::int as n from video_reactions where video_id = ${video.id}::uuid group by reaction`;
    const rows = Object.fromEntries(stored.map((row) => [row.reaction, row.n]));
    const shown = (await anonymous.get<FeedVideo>(`/videos/${video.id}`)).body;
    assert.deepEqual([shown.likes, shown.dislikes], [rows.like ?? 0, rows.dislike ?? 0]);
    assert.equal(shown.likes + shown.dislikes, crowd.length);
  });

  it('answers 401 without a token, 404 for an unknown video, 409 for one not completed, 400 for a bad id', async () => {
    const pending = await seedFeedVideo(stack, creator.userId, { status: 'pending' });
    assert.equal((await anonymous.post(`/videos/${pending.id}/like`)).status, 401);
    assert.equal((await creator.post(`/videos/${randomUUID()}/like`)).status, 404);
    const refused = await creator.post(`/videos/${pending.id}/dislike`);
    assert.deepEqual([refused.status, refused.body.details], [409, { code: 'VIDEO_NOT_COMPLETED', status: 'pending' }]);
    assert.equal((await creator.post(`/videos/${pending.id}/view`)).status, 409);
    assert.equal((await creator.post('/videos/not-a-uuid/like')).status, 400);
  });

  it('moves the reacting user’s last_active_at', async () => {
    const video = await seedFeedVideo(stack, creator.userId);
    const [fan] = await users(1);
    await stack.sql`update profiles set last_active_at = now() - interval '1 minute' where id = ${fan!.userId}`;
    const before = (await fan!.get<Profile>(`/users/${fan!.userId}`)).body.lastActiveAt;
    await fan!.post(`/videos/${video.id}/like`);
    const later = (await fan!.get<Profile>(`/users/${fan!.userId}`)).body.lastActiveAt;
    assert.ok(Date.parse(later) > Date.parse(before) + 50_000, `${before} → ${later}`);
    // Reading changes nothing.
    assert.equal((await fan!.get<Profile>(`/users/${fan!.userId}`)).body.lastActiveAt, later);
  });
});

describe('views', () => {
  it('counts a signed-in user once a day, even 50 parallel views and with session ids', async () => {
    const video = await seedFeedVideo(stack, creator.userId);
    const viewer = await feedClient(stack);
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => viewer.post(`/videos/${video.id}/view`, i % 2 ? { session_id: `session-${i}-abc` } : undefined)));
    for (const reply of replies) assert.deepEqual([reply.status, reply.body], [200, { success: true, views: 1 }]);
  });

  it('counts anonymous viewers by X-Session-Id or body session_id (the header wins), refusing none or a bad one', async () => {
    const video = await seedFeedVideo(stack, creator.userId);
    const path = `/videos/${video.id}/view`;
    const a = `anon-${randomBytes(8).toString('hex')}`;
    const b = `anon-${randomBytes(8).toString('hex')}`;
    assert.deepEqual((await anonymous.post(path, undefined, { 'x-session-id': a })).body, { success: true, views: 1 });
    assert.deepEqual((await anonymous.post(path, { session_id: a })).body, { success: true, views: 1 });
    assert.deepEqual((await anonymous.post(path, { session_id: a }, { 'x-session-id': b })).body, { success: true, views: 2 });
    assert.deepEqual((await anonymous.post(path, { session_id: b })).body, { success: true, views: 2 });
    for (const [body, headers] of [[undefined, {}], [{}, {}], [{ session_id: 'short' }, {}], [undefined, { 'x-session-id': 'has space in it' }], [{ session_id: 42 }, {}]] as const) {
      const refused = await anonymous.post(path, body, headers);
      assert.deepEqual([refused.status, refused.body.error], [400, 'ValidationError'], JSON.stringify(body));
    }
    assert.equal((await anonymous.post(`/videos/${randomUUID()}/view`, { session_id: a })).status, 404);
    const stored = await stack.sql<{ viewer: string }[]>`select viewer from video_views where video_id = ${video.id}::uuid order by viewer`;
    assert.deepEqual(stored.map((row) => row.viewer), [`session:${a}`, `session:${b}`].sort());
  });
});

describe('videos', () => {
  it('shows a completed video to anyone with its assets, every URL signed and serving the bytes', async () => {
    const video = await seedFeedVideo(stack, creator.userId, { prompt: 'A heron fishing at dawn' });
    const reply = await anonymous.get<FeedVideo>(`/videos/${video.id.toUpperCase()}`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const shown = reply.body;
    const [asVideo, asThumbnail] = shown.assets;
    assert.deepEqual(
      { ...shown, videoUrl: undefined, thumbnailUrl: undefined, ranking_score: undefined, assets: undefined },
      {
        id: video.id,
        prompt: 'A heron fishing at dawn',
        videoUrl: undefined,
        thumbnailUrl: undefined,
        userId: creator.userId,
        username: video.username,
        likes: 0,
        dislikes: 0,
        views: 0,
        createdAt: video.createdAt.toISOString(),
        status: 'completed',
        ranking_score: undefined,
        sourceVideoId: null,
        assets: undefined,
        updatedAt: video.updatedAt.toISOString(),
      },
    );
    assert.ok(shown.ranking_score! > 0.9 && shown.ranking_score! <= 1, String(shown.ranking_score));
    assert.deepEqual({ ...asVideo, publicUrl: undefined, createdAt: undefined, updatedAt: undefined }, {
      assetType: 'video',
      storageBackend: 'local',
      storageKey: video.assets[0]!.storageKey,
      filePath: `local/${video.assets[0]!.storageKey}`,
      publicUrl: undefined,
      sourceUrl: null,
      durationSeconds: 4,
      createdAt: undefined,
      updatedAt: undefined,
    });
    assert.equal(asThumbnail!.assetType, 'thumbnail');
    assert.equal(shown.videoUrl, asVideo!.publicUrl);
    assert.equal(shown.thumbnailUrl, asThumbnail!.publicUrl);
    assert.deepEqual(await fetchSigned(shown.videoUrl), { status: 200, bytes: FEED_VIDEO_BYTES });
    assert.deepEqual(await fetchSigned(shown.thumbnailUrl!), { status: 200, bytes: FEED_THUMBNAIL_BYTES });
    const tampered = new URL(shown.videoUrl);
    tampered.searchParams.set('expires', String(Number(tampered.searchParams.get('expires')) + 1));
    assert.equal((await fetchSigned(tampered.toString())).status, 403);
  });

  it('shows an unfinished video to its owner only, with an empty videoUrl', async () => {
    const pending = await seedFeedVideo(stack, creator.userId, { status: 'processing' });
    const own = await creator.get<FeedVideo>(`/videos/${pending.id}`);
    assert.deepEqual([own.status, own.body.status, own.body.videoUrl, own.body.assets], [200, 'processing', '', []]);
    assert.equal((await anonymous.get(`/videos/${pending.id}`)).status, 404);
    assert.equal((await (await feedClient(stack)).get(`/videos/${pending.id}`)).status, 404);
    assert.equal((await anonymous.get(`/videos/${randomUUID()}`)).status, 404);
  });

  it('lists a user’s videos (all of them for the owner, completed ones for others) and the videos they like', async () => {
    const [owner, fan] = await users(2);
    const done = await seedFeedVideo(stack, owner!.userId, { createdAt: new Date(Date.now() - 3000) });
    const failed = await seedFeedVideo(stack, owner!.userId, { status: 'failed', createdAt: new Date(Date.now() - 2000) });
    const pending = await seedFeedVideo(stack, owner!.userId, { status: 'pending' });
    const ids = (reply: { body: FeedVideo[] }) => reply.body.map((video) => video.id);
    assert.deepEqual(ids(await owner!.get<FeedVideo[]>(`/users/${owner!.userId}/videos`)), [pending.id, failed.id, done.id]);
    assert.deepEqual(ids(await fan!.get<FeedVideo[]>(`/users/${owner!.userId}/videos`)), [done.id]);
    assert.deepEqual(ids(await fan!.get<FeedVideo[]>(`/users/${owner!.userId}/videos?limit=1`)), [done.id]);
    assert.equal((await fan!.get(`/users/${owner!.userId}/videos?limit=101`)).status, 400);
    assert.equal((await fan!.get(`/users/${randomUUID()}/videos`)).status, 404);

    const other = await seedFeedVideo(stack, creator.userId);
    const disliked = await seedFeedVideo(stack, creator.userId);
    await fan!.post(`/videos/${done.id}/like`);
    await fan!.post(`/videos/${other.id}/like`);
    await fan!.post(`/videos/${disliked.id}/like`);
    await fan!.post(`/videos/${disliked.id}/dislike`);
    assert.deepEqual(ids(await owner!.get<FeedVideo[]>(`/users/${fan!.userId}/liked`)), [other.id, done.id]);
    assert.deepEqual(ids(await fan!.get<FeedVideo[]>(`/users/${owner!.userId}/liked`)), []);
  });

  it('serves the feed to anonymous viewers', async () => {
    await seedFeedVideo(stack, creator.userId);
    for (const sort of ['ranked', 'recent']) {
      const reply = await anonymous.get<{ videos: FeedVideo[]; hasMore: boolean }>(`/videos/feed?sort=${sort}&limit=5&cursor=`);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.ok(reply.body.videos.length > 0 && reply.body.videos.length <= 5);
      assert.ok(reply.body.videos.every((video) => video.status === 'completed' && video.videoUrl !== ''));
    }
  });
});

describe('profiles', () => {
  it('makes a profile on the first request with a unique username from the email, shown with its email to its owner only', async () => {
    const local = `zed${randomBytes(4).toString('hex')}`;
    const first = await feedClient(stack, { email: `Zed.${local.slice(3)}@example.test` });
    const second = await feedClient(stack, { email: `zed.${local.slice(3)}@other.test` });
    const own = await first.get<Profile>(`/users/${first.userId}`);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.username, `zed_${local.slice(3)}`);
    assert.equal(own.body.email, `Zed.${local.slice(3)}@example.test`);
    assert.deepEqual([own.body.videosCreated, own.body.totalLikes, own.body.totalDislikes, own.body.totalViews, own.body.creatorScore, own.body.avatarUrl], [0, 0, 0, 0, 0, null]);
    const theirs = await second.get<Profile>(`/users/${first.userId}`);
    assert.equal(theirs.body.email, '');
    const secondOwn = await second.get<Profile>(`/users/${second.userId}`);
    assert.match(secondOwn.body.username, new RegExp(`^zed_${local.slice(3)}_[0-9a-f]{6}$`));
    assert.equal((await anonymous.get(`/users/${first.userId}`)).status, 401);
    assert.equal((await first.get(`/users/${randomUUID()}`)).status, 404);
  });

  it('lets users change their own username and avatar only, unique and validated', async () => {
    const [jane, joe] = await users(2);
    const name = `Jane_${randomBytes(4).toString('hex')}`;
    const changed = await jane!.patch<Profile>(`/users/${jane!.userId}`, { username: `  ${name} `, avatarUrl: 'https://cdn.example.test/jane.png', email: 'no@x.test', totalLikes: 99, id: 'x' });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual([changed.body.id, changed.body.username, changed.body.avatarUrl, changed.body.totalLikes], [jane!.userId, name.toLowerCase(), 'https://cdn.example.test/jane.png', 0]);
    assert.equal((await jane!.patch<Profile>(`/users/${jane!.userId}`, { avatarUrl: null })).body.avatarUrl, null);
    assert.equal((await jane!.patch<Profile>(`/users/${jane!.userId}`, {})).body.username, name.toLowerCase());

    const forbidden = await joe!.patch(`/users/${jane!.userId}`, { username: 'joe_was_here' });
    assert.deepEqual([forbidden.status, forbidden.body.error], [403, 'Forbidden']);
    const taken = await joe!.patch(`/users/${joe!.userId}`, { username: name.toUpperCase() });
    assert.deepEqual([taken.status, taken.body.details], [409, { code: 'USERNAME_TAKEN' }]);
    for (const body of [{ username: 'ab' }, { username: 'has space' }, { username: 'x'.repeat(31) }, { username: 'émile' }, { username: 5 }, { avatarUrl: 'http://cdn.example.test/a.png' }, { avatarUrl: 'javascript:alert(1)' }, { avatarUrl: `https://cdn.example.test/${'a'.repeat(2030)}` }, { avatarUrl: '' }]) {
      const refused = await joe!.patch(`/users/${joe!.userId}`, body);
      assert.deepEqual([refused.status, refused.body.error], [400, 'ValidationError'], JSON.stringify(body));
    }
    const notJson = await fetch(`${stack.url}${stack.config.FEED_BASE_PATH}/users/${joe!.userId}`, { method: 'PATCH', headers: { authorization: `Bearer ${(await stack.as(joe!.userId)).token}`, 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(notJson.status, 400);
  });
});

describe('the leaderboard', () => {
  it('reflects reactions and views in creator stats and orders creators by creator_score', async () => {
    const [maker] = await users(1);
    const video = await seedFeedVideo(stack, maker!.userId);
    const crowd = await users(8);
    await Promise.all(crowd.map((user) => user.post(`/videos/${video.id}/like`)));
    await Promise.all(crowd.slice(0, 3).map((user) => user.post(`/videos/${video.id}/dislike`)));
    await Promise.all([1, 2, 3, 4].map((i) => anonymous.post(`/videos/${video.id}/view`, { session_id: `board-${i}-${video.id}` })));
    const profile = (await maker!.get<Profile>(`/users/${maker!.userId}`)).body;
    assert.deepEqual([profile.videosCreated, profile.totalLikes, profile.totalDislikes, profile.totalViews], [1, 5, 3, 4]);
    assert.equal(profile.creatorScore, 10.4); // 3×5 + 0.1×4 + 1 − 2×3

    const board = await maker!.get<Ranked[]>('/users/top?limit=100');
    assert.equal(board.status, 200);
    assert.deepEqual(board.body.map((row) => row.rank), board.body.map((_, i) => i + 1));
    for (let i = 1; i < board.body.length; i++) assert.ok(board.body[i - 1]!.creatorScore >= board.body[i]!.creatorScore);
    const entry = board.body.find((row) => row.id === maker!.userId);
    assert.deepEqual({ ...entry, rank: undefined }, { ...profile, rank: undefined });
    assert.equal((await maker!.get<Ranked[]>('/users/top')).body.length <= 10, true);
    assert.equal((await maker!.get('/users/top?limit=0')).status, 400);
    assert.equal((await maker!.get('/users/top?limit=101')).status, 400);
    assert.equal((await anonymous.get('/users/top')).status, 401);
  });
});
