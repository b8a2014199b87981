import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import sharp from 'sharp';
import { probe } from '../../lib/media/ffmpeg.js';
import { testConfig } from '../../test/support/harness.js';
import { folderStorage } from '../../test/support/folder-storage.js';
import { ffmpegChildren } from '../../test/support/media.js';
import type { SubmissionAnswers } from '../ports.js';
import { createLipsyncActivities, type LipsyncClip } from '../../activities/closeup/lipsync.activities.js';
import { LOCAL_CLIP_SECONDS, captionFor, createLocalLipsyncGenerator } from './local.js';

const answers: SubmissionAnswers = { gender: 'Female', attribute_love: 'Smile', relationship_status: 'Dating', vibe: 'Romance' };

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

describe('local lip-sync', () => {
  let dir: string;
  let tempRoot: string;
  const storage = () => folderStorage(join(dir, 'storage'));
  const generator = createLocalLipsyncGenerator(testConfig());

  before(async () => {
    dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'lipsync-'));
    tempRoot = join(dir, 'tmp');
    await mkdir(tempRoot);
    // A normalised portrait as image intake makes it: a 720×1280 JPEG.
    const face = '<svg xmlns="http://www.w3.org/2000/svg" width="720" height="1280"><circle cx="360" cy="520" r="220" fill="#e0b090"/><circle cx="290" cy="470" r="24"/><circle cx="430" cy="470" r="24"/></svg>';
    const portrait = await sharp({ create: { width: 720, height: 1280, channels: 3, background: '#7fa3c8' } })
      .composite([{ input: Buffer.from(face) }])
      .jpeg()
      .toBuffer();
    await storage().putBuffer('jobs/7/portrait.jpg', portrait, 'image/jpeg');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('captions the video with the answers that describe the wish', () => {
    assert.equal(captionFor(answers), 'Smile · Dating · Romance');
    assert.equal(captionFor({ ...answers, relationship_status: '  ', vibe: 'A  very   long vibe that keeps going on' }), 'Smile · A very long vibe that k…');
  });

  it('renders the portrait into an H.264/AAC 720×1280 clip with sound, stored under the job', async () => {
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const fractions: number[] = [];
    env.on('heartbeat', (details: { generator: string; fraction: number }) => {
      assert.equal(details.generator, 'local');
      fractions.push(details.fraction);
    });
    const activities = createLipsyncActivities({ storage: storage(), generator, tempRoot });
    const clip = (await env.run(activities.generateLipsync, { jobId: 7, portraitKey: 'jobs/7/portrait.jpg', answers })) as LipsyncClip;

    assert.match(clip.clipKey, /^jobs\/7\/lipsync-[0-9a-f-]{36}\.mp4$/);
    assert.equal(clip.generator, 'local');
    assert.equal(clip.predictionId, undefined);
    assert.ok(fractions.length > 0 && fractions.at(-1) === 1, `progress ${fractions.join(',')}`);
    assert.deepEqual(await readdir(tempRoot), [], 'scratch folder removed');

    const stored = join(dir, 'storage', clip.clipKey);
    const media = await probe(stored);
    assert.equal(media.video?.codec, 'h264');
    assert.equal(media.video?.pixelFormat, 'yuv420p');
    assert.equal(media.video?.width, 720);
    assert.equal(media.video?.height, 1280);
    assert.equal(media.audioStreams, 1);
    assert.equal(media.audio?.codec, 'aac');
    assert.ok(Math.abs(media.durationSeconds - LOCAL_CLIP_SECONDS) < 0.1, `duration ${media.durationSeconds}`);

    // Same portrait and answers, same bytes: a retried attempt uploads an identical clip.
    const again = join(dir, 'again.mp4');
    await generator.generate(
      { jobId: 7, portraitPath: join(dir, 'storage', 'jobs/7/portrait.jpg'), portraitUrl: 'unused', answers, outputPath: again },
      { heartbeat: () => undefined, report: () => undefined, resumeFrom: undefined, signal: new AbortController().signal },
    );
    assert.equal(await sha256(again), await sha256(stored));
  });

  it('stops rendering when the activity is cancelled, leaving no ffmpeg and no scratch files', async () => {
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    env.once('heartbeat', () => env.cancel());
    const activities = createLipsyncActivities({ storage: storage(), generator, tempRoot });
    await assert.rejects(env.run(activities.generateLipsync, { jobId: 8, portraitKey: 'jobs/7/portrait.jpg', answers }), CancelledFailure);
    assert.deepEqual(await ffmpegChildren(), []);
    assert.deepEqual(await readdir(tempRoot), []);
    assert.equal(await storage().exists('jobs/8'), false, 'no clip uploaded');
  });
});
