import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FeedVideo } from '../../api/feed/video-view.js';
import type { FeedVideoRow } from '../../db/feed/videos.js';
import { startGenerationStack, type GenerationStack } from '../support/generation-stack.js';
import { feedClient, seedFeedVideo, seedFeedVideos, type FeedClient } from '../support/feed-rows.js';

/**
 * Scrolling the feed while it changes. Other test files share the database and may add feed
 * videos at any time, so the checks look at this file's videos among whatever else is shown.
 */

type FeedPage = { videos: FeedVideo[]; nextCursor?: string; hasMore: boolean };

let stack: GenerationStack;
let viewer: FeedClient;
let anonymous: FeedClient;
/** 200 completed videos of one creator, a second apart, the newest a minute old. */
let initial: FeedVideoRow[];

before(async () => {
  stack = await startGenerationStack({ worker: false });
  viewer = await feedClient(stack);
  anonymous = await feedClient(stack, 'anonymous');
  initial = await seedFeedVideos(stack, randomUUID(), 200, Date.now() - 60_000);
});
after(async () => {
  await stack?.stop();
});

/** The feed's next page, checked for shape. */
async function page(client: FeedClient, query: string): Promise<FeedPage> {
  const reply = await client.get<FeedPage>(`/videos/feed?${query}`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.equal(reply.body.hasMore, reply.body.nextCursor !== undefined);
  return reply.body;
}

describe('the ranked feed', () => {
  it('scrolls 200 videos 20 at a time while likes and new videos arrive: none twice, none that existed skipped', async () => {
    const mine = new Set(initial.map((video) => video.id));
    const oldestFirst = initial.map((video) => video.id);
    const crowd = await Promise.all(Array.from({ length: 6 }, () => feedClient(stack)));
    const seen: string[] = [];
    const arrived: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const current = await page(viewer, `limit=20${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(current.videos.length <= 20);
      if (current.hasMore) assert.equal(current.videos.length, 20);
      seen.push(...current.videos.map((video) => video.id));
      // Between pages: the oldest not yet shown are liked to the top of any fresh ranking, a
      // shown one is liked too, and a new video arrives.
      const unseen = oldestFirst.filter((id) => !seen.includes(id)).slice(0, 3);
      const liked = [...unseen, seen[seen.length - 1]!];
      await Promise.all(crowd.flatMap((user) => liked.map((id) => user.post(`/videos/${id}/like`))));
      arrived.push((await seedFeedVideo(stack, randomUUID())).id);
      cursor = current.nextCursor;
      pages++;
    } while (cursor && pages < 200);

    assert.equal(new Set(seen).size, seen.length, 'a video was shown twice');
    assert.deepEqual(oldestFirst.filter((id) => !seen.includes(id)), [], 'videos that existed were skipped');
    assert.deepEqual(arrived.filter((id) => seen.includes(id)), [], 'videos made during the scroll belong to the next session');
    // The session keeps the order of its start, when these videos had no reactions: newest first.
    assert.deepEqual(seen.filter((id) => mine.has(id)), [...oldestFirst].reverse());

    // A fresh session ranks the liked old videos first among ours.
    const fresh = await page(viewer, 'limit=50');
    const topOfOurs = fresh.videos.map((video) => video.id).filter((id) => mine.has(id))[0];
    const mostLiked = await stack.sql<{ id: string }[]>`
      select id::text as id from feed_videos where id = any(${oldestFirst}::uuid[])
      order by feed_ranking_score(likes_count, dislikes_count, views_count, created_at, now()) desc, id desc limit 1`;
    assert.equal(topOfOurs, mostLiked[0]!.id);
    assert.notEqual(topOfOurs, oldestFirst.at(-1));
  });

  it('skips videos removed or no longer completed since the session began, pages staying full', async () => {
    // Long ago (dates ahead would top other files' feeds): without reactions, ranked by age.
    const videos = await seedFeedVideos(stack, randomUUID(), 12, Date.parse('2002-06-01T00:00:00Z'));
    const mine = new Set(videos.map((video) => video.id));
    const first = await page(anonymous, 'limit=1');
    const unseen = [...mine].filter((id) => id !== first.videos[0]!.id);
    const [gone, failed] = [unseen[3]!, unseen[7]!];
    await stack.sql`delete from feed_videos where id = ${gone}::uuid`;
    await stack.sql`update feed_videos set status = 'failed' where id = ${failed}::uuid`;
    const seen = first.videos.map((video) => video.id);
    let cursor = first.nextCursor;
    while (cursor) {
      const current = await page(anonymous, `limit=10&cursor=${cursor}`);
      if (current.hasMore) assert.equal(current.videos.length, 10);
      seen.push(...current.videos.map((video) => video.id));
      cursor = current.nextCursor;
    }
    assert.equal(new Set(seen).size, seen.length);
    const ours = seen.filter((id) => mine.has(id));
    assert.deepEqual(ours, [...mine].reverse().filter((id) => id !== gone && id !== failed));
  });

  it('refuses a malformed cursor, one of the other sort, and one of an expired session with 400 INVALID_CURSOR', async () => {
    const first = await page(anonymous, 'limit=1');
    const recent = await page(anonymous, 'limit=1&sort=recent');
    const forged = Buffer.from(JSON.stringify({ k: 'ranked', s: randomUUID(), p: 1 })).toString('base64url');
    const snapshot = JSON.parse(Buffer.from(first.nextCursor!, 'base64url').toString()) as { s: string };
    await stack.sql`update feed_snapshots set created_at = now() - interval '61 minutes' where id = ${snapshot.s}::uuid`;
    for (const [query, why] of [
      ['cursor=not-a-cursor!', 'not base64url'],
      ['cursor=e30', 'an empty object'],
      [`cursor=${recent.nextCursor}`, 'a recent cursor'],
      [`cursor=${first.nextCursor}&sort=recent`, 'a ranked cursor'],
      [`cursor=${forged}`, 'an unknown session'],
      [`cursor=${first.nextCursor}`, 'an expired session'],
      [`cursor=${'a'.repeat(600)}`, 'too long'],
    ]) {
      const reply = await anonymous.get(`/videos/feed?${query}`);
      assert.equal(reply.status, 400, why);
      if (why !== 'too long') assert.deepEqual(reply.body.details, { code: 'INVALID_CURSOR' }, why);
    }
    for (const query of ['limit=0', 'limit=51', 'limit=two', 'sort=best']) assert.equal((await anonymous.get(`/videos/feed?${query}`)).status, 400, query);
  });
});

describe('the recent feed', () => {
  it('pages newest first by (createdAt, id) to the microsecond, ties by id, while new videos arrive', async () => {
    const creator = randomUUID();
    // A far-past block within one millisecond: distinct microseconds, three of them tied. A cursor
    // cut to milliseconds (a JS Date) would skip or repeat part of it.
    const videos = await seedFeedVideos(stack, creator, 25, Date.parse('2001-01-01T00:00:30Z'));
    await stack.sql`
      update feed_videos v set created_at = '2001-01-01T00:00:10.123Z'::timestamptz + greatest(u.n - 3, 0) * interval '1 microsecond'
      from unnest(${videos.map((video) => video.id)}::uuid[]) with ordinality as u(id, n) where v.id = u.id`;
    const expected = await stack.sql<{ id: string }[]>`
      select id::text as id from feed_videos where user_id = ${creator} order by created_at desc, id desc`;
    const block = new Set(expected.map((row) => row.id));

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const current = await page(anonymous, `sort=recent&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      if (current.hasMore) assert.equal(current.videos.length, 7);
      seen.push(...current.videos.map((video) => video.id).filter((id) => block.has(id)));
      await seedFeedVideo(stack, randomUUID());
      cursor = current.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, expected.map((row) => row.id));
  });
});
