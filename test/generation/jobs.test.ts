import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probe } from '../../lib/media/ffmpeg.js';
import { startLoopbackServer, type LoopbackServer } from '../fakes/loopback.js';
import { startGenerationStack, type GenerationStack } from '../support/generation-stack.js';
import { pdfDocument, texturedJpeg } from '../support/images.js';

let stack: GenerationStack;
let scratch: string;
/** Where users' image_url points: a photo, a PDF named like a photo, nothing. */
let images: LoopbackServer;

before(async () => {
  const photo = await texturedJpeg(1200, 900);
  images = await startLoopbackServer((request, response) => {
    if (request.url === '/photo.jpg') response.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo);
    else if (request.url === '/fake.jpg') response.writeHead(200, { 'content-type': 'image/jpeg' }).end(pdfDocument());
    else response.writeHead(404).end();
  });
  stack = await startGenerationStack({ env: { REMOTE_FETCH_ALLOW_HOSTS: new URL(images.url).host } });
  scratch = await mkdtemp(join(tmpdir(), 'generation-test-'));
});
after(async () => {
  await stack?.stop();
  await images?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Downloads a URL the API handed out (a signed /media link) and probes the file. */
async function probeUrl(url: string) {
  const path = new URL(url).pathname + new URL(url).search;
  const response = await fetch(`${stack.url}${path}`);
  assert.equal(response.status, 200, `GET ${url}`);
  const file = join(scratch, `${Math.random().toString(36).slice(2)}.bin`);
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
  return probe(file);
}

describe('text-to-video, end to end', () => {
  it('accepts, debits 10 DUST, completes with a real 9:16 480p mp4 and the seed shapes', async () => {
    const user = await stack.as();
    assert.equal(await user.balance(), 100);
    const accepted = await user.generate({ aspect_ratio: '9:16', user_id: user.userId });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.equal(accepted.body.success, true);
    assert.equal(accepted.body.status, 'queued');
    assert.match(String(accepted.body.job_id), /^[0-9a-f-]{36}$/);
    // 240 s (the seed's figure) until recent jobs of the kind give a measured one.
    assert.ok(Number.isInteger(accepted.body.estimated_completion_seconds) && Number(accepted.body.estimated_completion_seconds) > 0);
    assert.equal(await user.balance(), 90);

    const jobId = String(accepted.body.job_id);
    const done = await user.waitFor(jobId, ['completed', 'failed']);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(done.progress, 1);

    const result = await user.get<{ success: boolean; video: Record<string, unknown>; generation_info: Record<string, unknown> }>(`/videos/jobs/${jobId}/result`);
    assert.equal(result.status, 200);
    assert.equal(result.body.success, true);
    const { video } = result.body;
    assert.equal(video.user_id, user.userId);
    assert.equal(video.generation_type, 'text_to_video');
    assert.equal(video.aspect_ratio, '9:16');
    assert.equal(video.resolution, 'sd_480p');
    assert.equal(video.is_favorited, false);
    assert.equal(video.source_image_url, null);
    assert.ok(Math.abs(Number(video.duration_seconds) - 5) < 0.2, `duration ${video.duration_seconds}`);
    assert.equal(typeof result.body.generation_info.model_used, 'string');
    assert.ok(Number(result.body.generation_info.generation_time_ms) > 0);

    const media = await probeUrl(String(video.url));
    assert.equal(media.video?.codec, 'h264');
    assert.equal(media.audio?.codec, 'aac');
    assert.ok(Math.abs((media.video?.width ?? 0) - 480) <= 1 && Math.abs((media.video?.height ?? 0) - 854) <= 1, `${media.video?.width}x${media.video?.height}`);
    assert.ok(Math.abs(media.durationSeconds - 5) < 0.2, `duration ${media.durationSeconds}`);
    const thumbnail = await probeUrl(String(video.thumbnail_url));
    assert.equal(thumbnail.video?.codec, 'mjpeg');

    assert.equal(await user.balance(), 90, 'a completed job keeps its debit');
  });
});

describe('image-to-video, end to end', () => {
  it('fetches the image, debits 8 DUST and animates it into a 16:9 480p mp4', async () => {
    const user = await stack.as();
    const imageUrl = `${images.url}/photo.jpg`;
    const accepted = await user.send('POST', '/videos/animate', { prompt: 'Make the scene breathe', image_url: imageUrl, duration: 'short', resolution: 'sd_480p' });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.ok(Number(accepted.body.estimated_completion_seconds) > 0);
    assert.equal(accepted.body.message, 'Video animation started. Use the job_id to check status.');
    assert.equal(await user.balance(), 92);
    const jobId = String(accepted.body.job_id);
    const done = await user.waitFor(jobId, ['completed', 'failed']);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    const result = await user.get<{ video: Record<string, unknown> }>(`/videos/jobs/${jobId}/result`);
    assert.equal(result.body.video.generation_type, 'image_to_video');
    assert.equal(result.body.video.source_image_url, imageUrl);
    const media = await probeUrl(String(result.body.video.url));
    assert.ok(Math.abs((media.video?.width ?? 0) - 854) <= 1 && Math.abs((media.video?.height ?? 0) - 480) <= 1, `${media.video?.width}x${media.video?.height}`);
    assert.ok(Math.abs(media.durationSeconds - 5) < 0.2);
    const listed = await user.get<{ videos: unknown[] }>('/videos?generation_type=image_to_video');
    assert.equal(listed.body.videos.length, 1);
  });

  it('fails a job whose image_url is not an image, names why, and refunds it', async () => {
    const user = await stack.as();
    const accepted = await user.send('POST', '/videos/animate', { prompt: 'x', image_url: `${images.url}/fake.jpg`, resolution: 'sd_480p' });
    const jobId = String(accepted.body.job_id);
    const failed = await user.waitFor(jobId, ['failed', 'completed']);
    assert.equal(failed.status, 'failed');
    assert.match(String(failed.error), /image/i);
    assert.equal(await user.balance(), 100);
  });

  it('fails a job whose image_url answers 404 with a short reason, not the server’s page', async () => {
    const user = await stack.as();
    const accepted = await user.send('POST', '/videos/animate', { prompt: 'x', image_url: `${images.url}/missing.jpg`, resolution: 'sd_480p' });
    const failed = await user.waitFor(String(accepted.body.job_id), ['failed', 'completed']);
    assert.equal(failed.error, 'Video generation failed: image_url could not be fetched: its server answered HTTP 404');
  });
});
