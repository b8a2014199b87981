import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { VideoMetadata } from '../../db/library/videos.js';
import { probe } from '../../lib/media/ffmpeg.js';
import type { S3Storage } from '../../providers/storage/s3.js';
import { startGenerationStack, type GenerationClient, type GenerationStack } from '../support/generation-stack.js';
import { makeLibraryFixtures, type LibraryFixtures } from '../support/library-fixtures.js';
import { fetchMedia, postVideo, storedUnder, UPLOAD_PATH, uploadScratchLeft, userPrefix } from '../support/library-uploads.js';
import { s3TestEnv } from '../support/s3.js';
import type { VideoObject } from '../../lib/library/video-view.js';

/** The answer, for an upload that has its duration, thumbnail and metadata (every accepted one). */
type Uploaded = VideoObject & { upload_id: string; duration: number; thumbnail_url: string; metadata: VideoMetadata };

let dir: string;
let fixtures: LibraryFixtures;

before(async () => {
  dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'upload-'));
  // This file's own temp dir: upload scratch folders are counted there.
  process.env.TMPDIR = await mkdtemp(join(dir, 'tmp-'));
  fixtures = await makeLibraryFixtures(dir);
});
after(() => rm(dir, { recursive: true, force: true }));

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

for (const backend of ['local', 's3'] as const) {
  describe(`POST ${UPLOAD_PATH} (${backend} storage)`, () => {
    let stack: GenerationStack;
    before(async () => {
      stack = await startGenerationStack({ worker: false, ...(backend === 's3' ? { env: s3TestEnv() } : {}) });
      if (backend === 's3') await (stack.providers.storage as S3Storage).ensureBucket();
    });
    after(() => stack?.stop());

    /** Uploads a fixture; on 201/200 checks what every stored video must be, and returns it. */
    async function upload(client: GenerationClient, path: string, name: string, status = 201): Promise<Uploaded> {
      const reply = await postVideo(stack, client, await openAsBlob(path), name);
      assert.equal(reply.status, status, JSON.stringify(reply.body));
      const video = reply.body as unknown as Uploaded;
      const bytes = await readFile(path);
      assert.equal(video.file_size, bytes.length);
      assert.match(video.upload_id, /^[0-9a-f-]{36}$/);
      assert.match(video.s3_key, new RegExp(`^uploads/users/${client.userId}/videos/\\d+_[0-9a-f]{8}_[a-z0-9_]+\\.(mp4|mov|webm)$`));
      const stored = await fetchMedia(stack, video.s3_url);
      assert.equal(stored.status, 200);
      assert.equal(sha256(Buffer.from(await stored.arrayBuffer())), sha256(bytes), 'the stored object is the uploaded file');
      return video;
    }

    /** The thumbnail is a JPEG of the displayed frame: its size is the displayed resolution. */
    async function assertThumbnail(video: Uploaded): Promise<void> {
      const response = await fetchMedia(stack, video.thumbnail_url);
      assert.equal(response.status, 200);
      const jpeg = Buffer.from(await response.arrayBuffer());
      assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
      const path = join(dir, `${video.id}.jpg`);
      await writeFile(path, jpeg);
      const media = await probe(path);
      assert.equal(`${media.video?.width}x${media.video?.height}`, video.metadata.resolution);
    }

    it('takes a phone clip: displayed portrait (rotation applied), variable frame rate averaged, thumbnailed upright', async () => {
      const user = await stack.as();
      const video = await upload(user, fixtures.phoneMp4, 'Summer Trip – Día 1.MP4');
      assert.equal(video.content_type, 'video/mp4');
      assert.equal(video.filename, 'summer_trip_dia_1.mp4');
      assert.equal(video.original_filename, 'Summer Trip – Día 1.MP4');
      assert.ok(Math.abs(video.duration - 2.9) < 0.15, `duration ${video.duration}`);
      const { fps, bitrate, container, ...rest } = video.metadata;
      assert.deepEqual(rest, { resolution: '1080x1920', width: 1080, height: 1920, codec: 'h264', has_audio: true, audio_codec: 'aac', rotation: 270 });
      assert.ok(fps > 20 && fps < 23, `mean fps ${fps} (30 fps with 3 of 10 frames dropped)`);
      assert.ok(bitrate !== null && bitrate > 100_000, `bitrate ${bitrate}`);
      assert.match(container, /mp4/);
      await assertThumbnail(video);

      const [row] = await stack.sql<{ sha256: string; uploads: number }[]>`
        select v.sha256, (select count(*)::int from uploads u where u.video_id = v.id and u.id = ${video.upload_id}::uuid) as uploads
        from videos v where v.id = ${video.id}::uuid`;
      assert.equal(row?.sha256, sha256(await readFile(fixtures.phoneMp4)));
      assert.equal(row?.uploads, 1);
      const listed = await user.get<{ videos: { id: string }[] }>('/api/v1/videos/s3-videos/recent');
      assert.deepEqual(listed.body.videos.map((listedVideo) => listedVideo.id), [video.id]);
    });

    it('takes a WebM (VP8 + Opus) and a MOV, each by its content', async () => {
      const user = await stack.as();
      const webm = await upload(user, fixtures.webm, 'clip.mp4');
      assert.equal(webm.content_type, 'video/webm');
      assert.equal(webm.filename, 'clip.webm', 'the extension is the container’s, not the name’s');
      assert.deepEqual(
        { ...webm.metadata, bitrate: null },
        { resolution: '640x360', width: 640, height: 360, fps: 25, codec: 'vp8', bitrate: null, has_audio: true, audio_codec: 'opus', rotation: 0, container: 'matroska,webm' },
      );
      assert.ok(Math.abs(webm.duration - 2) < 0.1, `duration ${webm.duration}`);
      await assertThumbnail(webm);

      const mov = await upload(user, fixtures.mov, 'IMG_0042.MOV');
      assert.equal(mov.content_type, 'video/quicktime');
      assert.equal(mov.filename, 'img_0042.mov');
      assert.deepEqual({ ...mov.metadata, bitrate: null, container: null }, { resolution: '640x480', width: 640, height: 480, fps: 24, codec: 'h264', bitrate: null, has_audio: true, audio_codec: 'aac', rotation: 0, container: null });
      await assertThumbnail(mov);
    });

    it('answers the same bytes from the same user with the video they have (200, a new upload id), keeping one copy', async () => {
      const user = await stack.as();
      const first = await upload(user, fixtures.mov, 'first.mov');
      const again = await upload(user, fixtures.mov, 'second name.mov', 200);
      assert.equal(again.id, first.id);
      assert.equal(again.s3_key, first.s3_key);
      assert.equal(again.original_filename, 'first.mov');
      assert.notEqual(again.upload_id, first.upload_id);
      const { objects } = await storedUnder(stack, userPrefix(user.userId));
      assert.deepEqual(objects.sort(), [first.s3_key, first.s3_key.replace('/videos/', '/thumbnails/').replace(/\.mov$/, '_thumb.jpg')].sort());
      // Another user's identical bytes are their own video.
      const other = await upload(await stack.as(), fixtures.mov, 'first.mov');
      assert.notEqual(other.id, first.id);
      assert.deepEqual(await uploadScratchLeft(), []);
    });

    it('refuses what is not a playable video — by content, whatever its name — and keeps nothing', async () => {
      const user = await stack.as();
      const phone = await readFile(fixtures.phoneMp4);
      const cases = [
        { file: new Blob(['just some notes, not a video\n'.repeat(200)]), name: 'holiday.mp4', status: 415, code: 'UNSUPPORTED_VIDEO_TYPE' },
        { file: new Blob([await readFile(fixtures.tone)]), name: 'song.mp4', status: 422, code: 'NO_VIDEO_STREAM' },
        // ffmpeg writes the index (moov) last: the first half of the file has frames but no index.
        { file: new Blob([phone.subarray(0, phone.length / 2)]), name: 'cut.mp4', status: 422, code: 'VIDEO_UNREADABLE' },
        { file: new Blob([]), name: 'empty.mp4', status: 422, code: 'VIDEO_EMPTY' },
      ];
      for (const { file, name, status, code } of cases) {
        const reply = await postVideo(stack, user, file, name);
        assert.equal(reply.status, status, `${name}: ${JSON.stringify(reply.body)}`);
        assert.equal((reply.body.details as { code: string }).code, code);
        assert.equal(reply.body.statusCode, status);
      }
      assert.deepEqual(await storedUnder(stack, userPrefix(user.userId)), { objects: [], multipartUploads: [] });
      const [{ n } = { n: -1 }] = await stack.sql<{ n: number }[]>`select count(*)::int as n from videos where user_id = ${user.userId}`;
      assert.equal(n, 0);
      assert.deepEqual(await uploadScratchLeft(), []);
    });

    it('refuses a request without the file, one that is not multipart, and one without a token', async () => {
      const user = await stack.as();
      const auth = { authorization: `Bearer ${user.token}` };
      const form = new FormData();
      form.append('video', new Blob(['x']), 'clip.mp4');
      const cases: { init: { body: Blob | FormData | string; headers?: Record<string, string> }; status: number; code: string }[] = [
        { init: { body: form }, status: 400, code: 'FILE_MISSING' },
        { init: { body: JSON.stringify({ file: 'clip.mp4' }), headers: { 'content-type': 'application/json' } }, status: 415, code: 'MULTIPART_REQUIRED' },
        {
          init: { body: '--x\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\nabc', headers: { 'content-type': 'multipart/form-data; boundary=x' } },
          status: 400,
          code: 'MALFORMED_MULTIPART',
        },
      ];
      // Bodies that end inside the file part: the parser fails while the file streams (it once crashed the process).
      const head = '--x\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\nContent-Type: video/mp4\r\n\r\n';
      const phoneStart = (await readFile(fixtures.phoneMp4)).subarray(0, 5000);
      for (const body of [new Blob([head, phoneStart]), new Blob([head])]) {
        cases.push({ init: { body, headers: { 'content-type': 'multipart/form-data; boundary=x' } }, status: 400, code: 'MALFORMED_MULTIPART' });
      }
      for (const { init, status, code } of cases) {
        const response = await fetch(`${stack.url}${UPLOAD_PATH}`, { method: 'POST', ...init, headers: { ...auth, ...init.headers } });
        const body = (await response.json()) as { details?: { code?: string } };
        assert.equal(response.status, status, JSON.stringify(body));
        assert.equal(body.details?.code, code);
      }
      const anonymous = await fetch(`${stack.url}${UPLOAD_PATH}`, { method: 'POST', body: form });
      assert.equal(anonymous.status, 401);
      assert.deepEqual(await storedUnder(stack, userPrefix(user.userId)), { objects: [], multipartUploads: [] });
      assert.deepEqual(await uploadScratchLeft(), []);
    });
  });
}

it('documents the upload as a multipart form with a binary `file`', async () => {
  const stack = await startGenerationStack({ worker: false });
  try {
    const doc = (await (await fetch(`${stack.url}/openapi.json`)).json()) as {
      paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: { properties: Record<string, { format?: string }> } }> }; responses: Record<string, unknown> } }>;
    };
    const post = doc.paths[UPLOAD_PATH]?.post;
    assert.equal(post?.requestBody.content['multipart/form-data']?.schema.properties.file?.format, 'binary');
    assert.deepEqual(Object.keys(post?.responses ?? {}).sort(), ['200', '201', '400', '401', '413', '415', '422', '503']);
  } finally {
    await stack.stop();
  }
});
