import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import sharp from 'sharp';
import { clipOutputOptions } from '../../lib/media/clip-format.js';
import { probe } from '../../lib/media/ffmpeg.js';
import { folderStorage } from '../../test/support/folder-storage.js';
import { testConfig } from '../../test/support/harness.js';
import { decodeErrors, ffmpegChildren, makeClip } from '../../test/support/media.js';
import { createLocalLipsyncGenerator } from '../../providers/lipsync/local.js';
import { ensureBrandClips } from '../../lib/media/stitching/brand-clips.js';
import { createStitchingActivities, type StitchedVideo, type StitchingDeps } from './stitching.activities.js';

const quietEnvironment = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

const failsWith = (type: string) => (error: unknown) => error instanceof ApplicationFailure && error.type === type && error.nonRetryable === true;

describe('stitchVideo activity', () => {
  let dir: string;
  let tempRoot: string;
  let mediaRoot: string;
  const storage = () => folderStorage(join(dir, 'storage'));
  const activities = (config: Partial<StitchingDeps['config']> = {}) =>
    createStitchingActivities({ storage: storage(), config: { ...testConfig(), MEDIA_ROOT: mediaRoot, ...config }, tempRoot });

  before(async () => {
    dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'stitch-activity-'));
    tempRoot = join(dir, 'tmp');
    // Relative, as the default `.data/media` is: paths handed to ffmpeg must still resolve.
    mediaRoot = relative(process.cwd(), join(dir, 'media'));
    await mkdir(tempRoot);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('puts the local lip-sync clip between the default brand clips by stream copy and stores video and thumbnail', async () => {
    const portrait = join(dir, 'portrait.jpg');
    await sharp({ create: { width: 720, height: 1280, channels: 3, background: '#c08060' } }).jpeg().toFile(portrait);
    const clip = join(dir, 'lipsync.mp4');
    await createLocalLipsyncGenerator(testConfig()).generate(
      { jobId: 3, portraitPath: portrait, portraitUrl: 'unused', answers: { gender: 'Male', attribute_love: 'Eyes', relationship_status: 'Single', vibe: 'Fun' }, outputPath: clip },
      { heartbeat: () => undefined, report: () => undefined, resumeFrom: undefined, signal: new AbortController().signal },
    );
    await storage().putFile('jobs/3/lipsync.mp4', clip, 'video/mp4');
    const env = quietEnvironment();
    const phases = new Set<string>();
    let beforeBrandClips = 0;
    env.on('heartbeat', (details: { phase: string }) => {
      phases.add(details.phase);
      // The first stitch renders the brand clips: the attempt must heartbeat while it does.
      if (!existsSync(join(mediaRoot, 'brand', 'intro-v1.mp4'))) beforeBrandClips += 1;
    });

    const video = (await env.run(activities().stitchVideo, { jobId: 3, clipKey: 'jobs/3/lipsync.mp4' })) as StitchedVideo;

    assert.equal(video.strategy, 'copy');
    assert.match(video.videoKey, /^jobs\/3\/video-[0-9a-f-]{36}\.mp4$/);
    assert.match(video.thumbnailKey, /^jobs\/3\/thumbnail-[0-9a-f-]{36}\.jpg$/);
    assert.deepEqual([video.width, video.height], [720, 1280]);
    assert.ok(Math.abs(video.durationSeconds - 9) < 0.1, `2 s intro + 5 s clip + 2 s outro, got ${video.durationSeconds}`);
    assert.deepEqual([...phases].sort(), ['copy', 'prepare', 'thumbnail']);
    assert.ok(beforeBrandClips > 0, 'a heartbeat while the brand clips render');
    assert.deepEqual(await readdir(tempRoot), [], 'scratch folder removed');

    const stored = join(dir, 'storage', video.videoKey);
    const media = await probe(stored);
    assert.equal(media.bytes, video.bytes);
    assert.equal(media.audioStreams, 1);
    assert.equal(await decodeErrors(stored), '');
    assert.equal((await sharp(join(dir, 'storage', video.thumbnailKey)).metadata()).format, 'jpeg');

    // The default brand clips were rendered once and are reused.
    const intro = join(mediaRoot, 'brand', 'intro-v1.mp4');
    const renderedAt = (await stat(intro)).mtimeMs;
    const second = (await quietEnvironment().run(activities().stitchVideo, { jobId: 3, clipKey: 'jobs/3/lipsync.mp4' })) as StitchedVideo;
    assert.notEqual(second.videoKey, video.videoKey);
    assert.equal((await stat(intro)).mtimeMs, renderedAt);
  });

  it('uses a configured intro and normalises clips that do not match', async () => {
    const intro = join(dir, 'landscape-intro.mp4');
    await makeClip(intro, { width: 1280, height: 720, fps: 25, seconds: 0.6 });
    const clip = join(dir, 'portrait-clip.mp4');
    await makeClip(clip, { width: 720, height: 1280, fps: 30, seconds: 0.6 });
    await storage().putFile('jobs/4/lipsync.mp4', clip, 'video/mp4');

    const video = (await quietEnvironment().run(activities({ BRAND_INTRO_PATH: intro }).stitchVideo, { jobId: 4, clipKey: 'jobs/4/lipsync.mp4' })) as StitchedVideo;

    assert.equal(video.strategy, 'reencode');
    assert.deepEqual([video.width, video.height], [720, 1280]);
    assert.ok(Math.abs(video.durationSeconds - 3.2) < 0.1, `0.6 s intro + 0.6 s clip + 2 s outro, got ${video.durationSeconds}`);
    assert.equal(await decodeErrors(join(dir, 'storage', video.videoKey)), '');
  });

  it('fails the stage without retrying when the clip is not a video', async () => {
    await storage().putBuffer('jobs/5/lipsync.mp4', Buffer.from('<html>error</html>'), 'video/mp4');
    await assert.rejects(quietEnvironment().run(activities().stitchVideo, { jobId: 5, clipKey: 'jobs/5/lipsync.mp4' }), failsWith('STITCH_INPUT_UNREADABLE'));
    assert.deepEqual(await readdir(tempRoot), []);
  });

  it('names a configured brand clip that does not exist', async () => {
    await assert.rejects(
      quietEnvironment().run(activities({ BRAND_OUTRO_PATH: join(dir, 'missing.mp4') }).stitchVideo, { jobId: 5, clipKey: 'jobs/4/lipsync.mp4' }),
      failsWith('STITCH_BRAND_CLIP_MISSING'),
    );
  });

  it('kills ffmpeg and removes its scratch files when cancelled mid-stitch', async () => {
    const clip = join(dir, 'long-clip.mp4');
    await makeClip(clip, { width: 1280, height: 720, fps: 30, seconds: 4 });
    await storage().putFile('jobs/6/lipsync.mp4', clip, 'video/mp4');
    const env = quietEnvironment();
    env.on('heartbeat', (details: { phase: string }) => {
      if (details.phase === 'encode') env.cancel();
    });

    await assert.rejects(env.run(activities().stitchVideo, { jobId: 6, clipKey: 'jobs/6/lipsync.mp4' }), CancelledFailure);

    assert.deepEqual(await ffmpegChildren(), []);
    assert.deepEqual(await readdir(tempRoot), []);
    assert.deepEqual(await readdir(join(dir, 'storage', 'jobs', '6')), ['lipsync.mp4'], 'nothing uploaded');
  });

  it('renders the default brand clips once when jobs start together', async () => {
    const config = { MEDIA_ROOT: join(dir, 'fresh-media') };
    const [first, second] = await Promise.all([ensureBrandClips(config), ensureBrandClips(config)]);
    assert.deepEqual(first, second);
    assert.deepEqual((await readdir(join(config.MEDIA_ROOT, 'brand'))).sort(), ['intro-v1.mp4', 'outro-v1.mp4'], 'no temp files left');
    const intro = await probe(first.introPath);
    const reference = join(dir, 'format-reference.mp4');
    await makeClip(reference, { width: 720, height: 1280, fps: 30, seconds: 1, outputOptions: clipOutputOptions() });
    assert.equal(intro.video?.extradataHash, (await probe(reference)).video?.extradataHash, 'brand clips share the clip format');
  });
});
