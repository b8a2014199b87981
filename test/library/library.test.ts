import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Tx } from '../../db/client.js';
import { ensureAccount } from '../../db/credits/ledger.js';
import { createJobStore } from '../../db/jobs/store.js';
import { libraryPageQuery, SORT_FIELDS, type SortField, type SortOrder } from '../../db/library/queries.js';
import type { LibraryVideo } from '../../db/library/videos.js';
import type { VideoObject } from '../../lib/library/video-view.js';
import { dubbingWorkflowId, PIPELINE } from '../../workflows/dubbing/contract.js';
import { startGenerationStack, type GenerationClient, type GenerationStack, type Reply } from '../support/generation-stack.js';
import { SEEDED_BYTES, seedLibraryVideo } from '../support/library-rows.js';

const LIST = '/api/v1/videos/s3-videos';
type Page = { videos: VideoObject[]; total_count: number; page: number; page_size: number; total_pages: number; has_more: boolean };

let stack: GenerationStack;
/** Owns 120 videos: created_at a permutation of insertion order, file sizes and durations with ties, some durations unknown. */
let collector: GenerationClient;
let collection: LibraryVideo[];

before(async () => {
  stack = await startGenerationStack({ worker: false });
  collector = await stack.as();
  const base = Date.parse('2024-01-01T00:00:00Z');
  collection = [];
  for (let i = 0; i < 120; i++) {
    collection.push(
      await seedLibraryVideo(stack, collector.userId, {
        originalFilename: `Clip ${String(i).padStart(3, '0')}.mp4`,
        fileSize: 1000 + (i % 7) * 10,
        duration: i % 6 === 0 ? null : ((i * 11) % 17) + 0.25,
        createdAt: new Date(base + ((i * 37) % 120) * 1000),
      }),
    );
  }
});
after(async () => {
  await stack?.stop();
});

/** Ids in the order the API must list them: by `field`, ties by id, unknown durations last both ways. */
function expectedOrder(videos: LibraryVideo[], field: SortField, order: SortOrder): string[] {
  const value = (video: LibraryVideo) =>
    ({ created_at: video.createdAt.getTime(), filename: video.filename, file_size: video.fileSize, duration: video.duration })[field];
  const compare = <T>(a: T, b: T) => (a < b ? -1 : a > b ? 1 : 0);
  const sign = order === 'asc' ? 1 : -1;
  return [...videos]
    .sort((a, b) => {
      const [x, y] = [value(a), value(b)];
      if (x === null || y === null) return x === y ? sign * compare(a.id, b.id) : x === null ? 1 : -1;
      return sign * compare(x, y) || sign * compare(a.id, b.id);
    })
    .map((video) => video.id);
}

/** Every page of a listing, in order, checking each page's totals on the way. */
async function allPages(client: GenerationClient, query: string, pageSize: number): Promise<string[]> {
  const ids: string[] = [];
  const pages = Math.ceil(collection.length / pageSize);
  for (let page = 1; page <= pages; page++) {
    const reply = await client.get<Page>(`${LIST}?page=${page}&page_size=${pageSize}&${query}`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual({ ...reply.body, videos: reply.body.videos.length }, {
      videos: page < pages ? pageSize : collection.length - pageSize * (pages - 1),
      total_count: collection.length,
      page,
      page_size: pageSize,
      total_pages: pages,
      has_more: page < pages,
    });
    ids.push(...reply.body.videos.map((video) => video.id));
  }
  return ids;
}

describe('the paged list', () => {
  it('pages 120 videos newest first by default, no repeats or skips, and answers an empty page past the end', async () => {
    const ids = await allPages(collector, '', 10);
    assert.equal(new Set(ids).size, 120);
    assert.deepEqual(ids, expectedOrder(collection, 'created_at', 'desc'));
    assert.deepEqual(await allPages(collector, '', 50), ids);
    const past = await collector.get<Page>(`${LIST}?page=4&page_size=50`);
    assert.deepEqual(past.body, { videos: [], total_count: 120, page: 4, page_size: 50, total_pages: 3, has_more: false });
    const defaults = await collector.get<Page>(LIST);
    assert.deepEqual([defaults.body.page, defaults.body.page_size, defaults.body.total_pages, defaults.body.has_more], [1, 10, 12, true]);
  });

  it('sorts by each allowed field in both orders, ties by id, unknown durations last', async () => {
    for (const field of SORT_FIELDS) {
      for (const order of ['asc', 'desc'] as const) {
        assert.deepEqual(await allPages(collector, `sort_by=${field}&sort_order=${order}`, 50), expectedOrder(collection, field, order), `${field} ${order}`);
      }
    }
    // sort_order in any case, as the seed lower-cases it.
    assert.deepEqual(await allPages(collector, 'sort_by=file_size&sort_order=ASC', 50), expectedOrder(collection, 'file_size', 'asc'));
  });

  it('shows each video as the seed does, its URLs signed for this answer', async () => {
    const reply = await collector.get<Page>(`${LIST}?page_size=1&sort_by=created_at&sort_order=asc`);
    const [shown] = reply.body.videos;
    const video = collection.find((row) => row.id === shown!.id)!;
    assert.deepEqual(
      { ...shown, s3_url: undefined, thumbnail_url: undefined, url_expires_at: undefined },
      {
        id: video.id,
        filename: video.filename,
        original_filename: video.originalFilename,
        s3_key: video.s3Key,
        s3_url: undefined,
        content_type: 'video/mp4',
        file_size: video.fileSize,
        duration: video.duration,
        thumbnail_url: undefined,
        uploaded_at: video.createdAt.toISOString(),
        metadata: video.metadata,
        url_expires_at: undefined,
      },
    );
    const signed = new URL(shown!.s3_url);
    const media = await fetch(`${stack.url}${signed.pathname}${signed.search}`);
    assert.equal(media.status, 200);
    assert.deepEqual(Buffer.from(await media.arrayBuffer()), SEEDED_BYTES);
    assert.ok(shown!.thumbnail_url);
    assert.ok(Date.parse(shown!.url_expires_at) > Date.now());
  });

  it('searches filename and original_filename case-insensitively, %, _ and \\ taken literally, the term trimmed', async () => {
    const searcher = await stack.as();
    const names = ['100%_real.mp4', '100x_real.mp4', 'a_b.mp4', 'aXb.mp4', 'back\\slash.mp4', 'backXslash.mp4'];
    const byName = new Map<string, string>();
    for (const name of names) byName.set(name, (await seedLibraryVideo(stack, searcher.userId, { filename: name, originalFilename: name })).id);
    const holiday = await seedLibraryVideo(stack, searcher.userId, { filename: 'holiday.mp4', originalFilename: 'Summer HOLIDAY Trip.mov' });
    const cases: [string, string[]][] = [
      ['%', ['100%_real.mp4']],
      ['%_', ['100%_real.mp4']],
      ['_', ['100%_real.mp4', '100x_real.mp4', 'a_b.mp4']],
      ['A_B', ['a_b.mp4']],
      ['\\', ['back\\slash.mp4']],
      ['REAL', ['100%_real.mp4', '100x_real.mp4']],
    ];
    for (const [term, expected] of cases) {
      const reply = await searcher.get<Page>(`${LIST}?search=${encodeURIComponent(term)}&sort_by=filename&sort_order=asc`);
      assert.deepEqual(reply.body.videos.map((video) => video.filename), expected, term);
      assert.equal(reply.body.total_count, expected.length, term);
      assert.deepEqual(reply.body.videos.map((video) => video.id), expected.map((name) => byName.get(name)), term);
    }
    const trip = await searcher.get<Page>(`${LIST}?search=${encodeURIComponent('  trip ')}`);
    assert.deepEqual(trip.body.videos.map((video) => video.id), [holiday.id]);
    for (const blank of ['', '%20%20']) assert.equal((await searcher.get<Page>(`${LIST}?search=${blank}`)).body.total_count, names.length + 1);
    assert.equal((await collector.get<Page>(`${LIST}?search=real`)).body.total_count, 0);
  });

  it('answers 400 naming the parameter for every bad one', async () => {
    const cases: [string, string][] = [
      ['page=abc', 'page'],
      ['page=0', 'page'],
      ['page=1.5', 'page'],
      ['page_size=0', 'page_size'],
      ['page_size=51', 'page_size'],
      ['page=1&page=2', 'page'],
      [`sort_by=${encodeURIComponent('id; drop table videos')}`, 'created_at, filename, file_size, duration'],
      ['sort_by=id', 'sort_by'],
      ['sort_order=sideways', 'sort_order'],
      [`search=${'x'.repeat(256)}`, 'search'],
    ];
    for (const [query, named] of cases) {
      const reply = await collector.get(`${LIST}?${query}`);
      assert.equal(reply.status, 400, query);
      assert.equal(reply.body.error, 'ValidationError', query);
      assert.ok(String(reply.body.message).includes(named), `${query}: ${reply.body.message}`);
    }
  });
});

describe('recent videos', () => {
  it('answers the newest 5 by default, up to 20, and 400 past that', async () => {
    const newest = expectedOrder(collection, 'created_at', 'desc');
    const byDefault = await collector.get<{ videos: VideoObject[] }>(`${LIST}/recent`);
    assert.deepEqual(byDefault.body.videos.map((video) => video.id), newest.slice(0, 5));
    const twenty = await collector.get<{ videos: VideoObject[] }>(`${LIST}/recent?limit=20`);
    assert.deepEqual(twenty.body.videos.map((video) => video.id), newest.slice(0, 20));
    for (const limit of ['0', '21', 'abc']) {
      const reply = await collector.get(`${LIST}/recent?limit=${limit}`);
      assert.equal(reply.status, 400, limit);
      assert.match(String(reply.body.message), /limit/);
    }
  });
});

describe('by key', () => {
  it('finds the caller’s video by a key with raw or %2F-encoded slashes; another user’s key is 404', async () => {
    const video = collection[7]!;
    assert.ok(video.s3Key.split('/').length > 3);
    for (const path of [video.s3Key, encodeURIComponent(video.s3Key)]) {
      const reply = await collector.get<VideoObject>(`${LIST}/by-key/${path}`);
      assert.equal(reply.status, 200, path);
      assert.equal(reply.body.id, video.id);
      assert.equal(reply.body.s3_key, video.s3Key);
    }
    const stranger = await stack.as();
    const foreign = await stranger.get(`${LIST}/by-key/${video.s3Key}`);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error, 'NotFound');
    assert.equal((await collector.get(`${LIST}/by-key/${video.s3Key}.missing`)).status, 404);
    for (const bad of ['k'.repeat(501), 'uploads%00x']) {
      const reply = await collector.get(`${LIST}/by-key/${bad}`);
      assert.equal(reply.status, 400, bad.slice(0, 20));
      assert.equal(reply.body.error, 'ValidationError');
    }
    assert.equal((await fetch(`${stack.url}${LIST}/by-key/${video.s3Key}`)).status, 401);
  });
});

/** A dubbing job of the engine (status `status`) using `videoId` as its source; its key. */
async function addDubbingJob(tx: Tx, userId: string, videoId: string, status: string): Promise<string> {
  const store = createJobStore(stack.sql);
  const ref = await store.reserve();
  await store.create(tx, { id: ref.id, key: ref.key, pipeline: PIPELINE, owner: userId, status, workflowId: dubbingWorkflowId(ref.key) });
  await tx`insert into dubbing_jobs (job_id, account_id, source_video_id, transcript, cost_dust) values (${ref.id}, ${userId}, ${videoId}::uuid, 'hello there', 10)`;
  return ref.key;
}

describe('delete', () => {
  it('soft-deletes: gone from the list, recent, by-key and total_count; the objects stay; a second delete is 404', async () => {
    const owner = await stack.as();
    const [kept, doomed] = [await seedLibraryVideo(stack, owner.userId), await seedLibraryVideo(stack, owner.userId)];
    const stranger = await stack.as();
    assert.equal((await stranger.delete(`${LIST}/${doomed.id}`)).status, 404);
    assert.equal((await owner.delete(`${LIST}/not-a-uuid`)).status, 400);
    const reply = await owner.delete<{ id: string; deleted: boolean; deleted_at: string }>(`${LIST}/${doomed.id.toUpperCase()}`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual({ ...reply.body, deleted_at: undefined }, { id: doomed.id, deleted: true, deleted_at: undefined });
    assert.ok(Math.abs(Date.parse(reply.body.deleted_at) - Date.now()) < 60_000);
    const listed = await owner.get<Page>(LIST);
    assert.deepEqual([listed.body.total_count, listed.body.videos.map((video) => video.id)], [1, [kept.id]]);
    assert.deepEqual((await owner.get<{ videos: VideoObject[] }>(`${LIST}/recent`)).body.videos.map((video) => video.id), [kept.id]);
    assert.equal((await owner.get(`${LIST}/by-key/${doomed.s3Key}`)).status, 404);
    assert.equal((await owner.delete(`${LIST}/${doomed.id}`)).status, 404);
    assert.ok(await stack.providers.storage.exists(doomed.s3Key));
  });

  it('is refused (409 VIDEO_IN_USE, naming the job) while an active dubbing job uses the video, allowed once it completed', async () => {
    const owner = await stack.as();
    const video = await seedLibraryVideo(stack, owner.userId);
    const jobKey = await stack.sql.begin((tx) => addDubbingJob(tx, owner.userId, video.id, 'processing'));
    await stack.sql.begin((tx) => addDubbingJob(tx, owner.userId, video.id, 'failed'));
    const refused = await owner.delete(`${LIST}/${video.id}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error, 'Conflict');
    assert.deepEqual(refused.body.details, { code: 'VIDEO_IN_USE', job_ids: [jobKey] });
    assert.match(String(refused.body.message), new RegExp(jobKey));
    assert.equal((await owner.get(`${LIST}/by-key/${video.s3Key}`)).status, 200);
    await stack.sql`update jobs set status = 'completed' where key = ${jobKey}::uuid`;
    assert.equal((await owner.delete(`${LIST}/${video.id}`)).status, 200);
  });

  it('sees a dubbing job committed while it waited for the video’s lock', async () => {
    const owner = await stack.as();
    const video = await seedLibraryVideo(stack, owner.userId);
    let deletion: Promise<Reply> | undefined;
    // As job creation does: the video read `for share`, the job added, then commit.
    const jobKey = await stack.sql.begin(async (tx) => {
      await tx`select id from videos where id = ${video.id}::uuid and user_id = ${owner.userId} and deleted_at is null for share`;
      const key = await addDubbingJob(tx, owner.userId, video.id, 'queued');
      deletion = owner.delete(`${LIST}/${video.id}`);
      for (let waited = 0; ; waited += 20) {
        const [blocked] = await stack.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%from videos where id%for update%'`;
        if (blocked!.n > 0) break;
        assert.ok(waited < 10_000, 'the delete never waited for the lock');
        await sleep(20);
      }
      return key;
    });
    const reply = await deletion!;
    assert.equal(reply.status, 409, JSON.stringify(reply.body));
    assert.deepEqual(reply.body.details, { code: 'VIDEO_IN_USE', job_ids: [jobKey] });
  });

  it('answers concurrent deletes of one video with one 200 and 404s, never a 500', async () => {
    const owner = await stack.as();
    for (let round = 0; round < 5; round++) {
      const video = await seedLibraryVideo(stack, owner.userId);
      const replies = await Promise.all([1, 2, 3].map(() => owner.delete(`${LIST}/${video.id}`)));
      assert.deepEqual(replies.map((reply) => reply.status).sort(), [200, 404, 404]);
    }
  });
});

describe('search at scale', () => {
  it('uses a trigram index on 100k videos of one user', async () => {
    const userId = randomUUID();
    await stack.sql.begin((tx) => ensureAccount(tx, { id: userId }, 0));
    await stack.sql`
      insert into videos (filename, original_filename, s3_key, s3_url, s3_bucket, content_type, file_size, duration, user_id, sha256)
      select case when g % 5000 = 0 then 'needle_' || g || '.mp4' else 'clip_' || g || '.mp4' end, 'Clip ' || g || '.mp4',
             'uploads/users/' || ${userId} || '/videos/' || g || '_clip.mp4', 'local:' || g, 'local', 'video/mp4', 1000 + g, g % 90, ${userId},
             lpad(to_hex(g), 64, '0')
      from generate_series(1, 100000) g`;
    await stack.sql`analyze videos`;
    const request = { userId, page: 1, pageSize: 10, search: 'needle', sortBy: 'created_at', sortOrder: 'desc' } as const;
    const plan = (await stack.sql<{ 'QUERY PLAN': string }[]>`explain ${libraryPageQuery(stack.sql, request)}`).map((row) => row['QUERY PLAN']).join('\n');
    assert.match(plan, /videos_(original_)?filename_trgm/, plan);
    const client = await stack.as(userId);
    const found = await client.get<Page>(`${LIST}?search=NEEDLE&page_size=50`);
    assert.equal(found.body.total_count, 20);
  });
});
