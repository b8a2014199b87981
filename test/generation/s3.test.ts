import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probe } from '../../lib/media/ffmpeg.js';
import type { S3Storage } from '../../providers/storage/s3.js';
import { startGenerationStack, type GenerationStack } from '../support/generation-stack.js';
import { s3TestEnv } from '../support/s3.js';

let stack: GenerationStack;
let scratch: string;

before(async () => {
  stack = await startGenerationStack({ env: s3TestEnv() });
  await (stack.providers.storage as S3Storage).ensureBucket();
  scratch = await mkdtemp(join(tmpdir(), 'generation-s3-'));
});
after(async () => {
  await stack?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('generation with S3 storage (MinIO)', () => {
  it('serves the video and thumbnail by presigned URLs, and deleting the video removes both objects', async () => {
    const user = await stack.as();
    const accepted = await user.generate({ prompt: 'stored in a bucket', aspect_ratio: '1:1' });
    const jobId = String(accepted.body.job_id);
    await user.waitFor(jobId, ['completed']);
    const { body } = await user.get<{ video: { id: string; url: string; thumbnail_url: string } }>(`/videos/jobs/${jobId}/result`);
    const { url, thumbnail_url: thumbnailUrl, id } = body.video;
    assert.match(url, /X-Amz-Signature=/, 'a presigned S3 URL');
    assert.ok(url.startsWith(process.env.S3_TEST_ENDPOINT!), url);

    const response = await fetch(url);
    assert.equal(response.status, 200);
    const file = join(scratch, 'video.mp4');
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    const media = await probe(file);
    assert.equal(media.video?.width, 480);
    assert.equal(media.video?.height, 480);
    assert.equal((await fetch(thumbnailUrl)).headers.get('content-type'), 'image/jpeg');

    const deleted = await user.delete(`/videos/${id}`);
    assert.deepEqual(deleted.body, { deleted_from_storage: true });
    assert.equal((await fetch(url)).status, 404, 'the object is gone from the bucket');
    assert.equal((await fetch(thumbnailUrl)).status, 404);
  });
});
