import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { clipOutputOptions } from '../clip-format.js';
import { probe, type MediaProbe } from '../ffmpeg.js';
import { decodeErrors, ffmpegChildren, makeClip } from '../../../test/support/media.js';
import { WHATSAPP_MAX_VIDEO_BYTES, encodeTarget, streamCopyBlockers } from './plan.js';
import { stitchClips, type StitchOptions, type StitchProgress } from './stitch.js';

describe('stitching', () => {
  let dir: string;
  let count = 0;
  before(async () => {
    dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'stitch-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const outputs = (): Pick<StitchOptions, 'outputPath' | 'thumbnailPath' | 'workDir'> => {
    count += 1;
    return { outputPath: join(dir, `out-${count}.mp4`), thumbnailPath: join(dir, `thumb-${count}.jpg`), workDir: dir };
  };

  const assertWhatsAppReady = async (path: string): Promise<MediaProbe> => {
    const media = await probe(path);
    assert.equal(media.video?.codec, 'h264');
    assert.equal(media.video?.pixelFormat, 'yuv420p');
    assert.equal(media.audio?.codec, 'aac');
    assert.equal(media.audioStreams, 1, 'exactly one audio track');
    assert.ok(media.bytes <= WHATSAPP_MAX_VIDEO_BYTES, `${media.bytes} bytes`);
    assert.equal(await decodeErrors(path), '', 'decodes without errors');
    return media;
  };

  it('joins clips in the same format by stream copy', async () => {
    const clip = { width: 720, height: 1280, fps: 30, outputOptions: clipOutputOptions() };
    const inputs = [join(dir, 'a.mp4'), join(dir, 'b.mp4'), join(dir, 'c.mp4')];
    await makeClip(inputs[0]!, { ...clip, seconds: 1 });
    await makeClip(inputs[1]!, { ...clip, seconds: 1 });
    await makeClip(inputs[2]!, { ...clip, seconds: 1 });
    const out = outputs();
    const progress: StitchProgress[] = [];

    const result = await stitchClips({ inputs, referenceIndex: 1, ...out, onProgress: (step) => progress.push(step) });

    assert.equal(result.strategy, 'copy');
    assert.deepEqual(result.blockers, []);
    const media = await assertWhatsAppReady(out.outputPath);
    assert.ok(Math.abs(media.durationSeconds - 3) < 0.1, `duration ${media.durationSeconds}`);
    assert.deepEqual([result.width, result.height], [720, 1280]);
    assert.equal(result.bytes, media.bytes);
    assert.ok(progress.some((step) => step.phase === 'copy'));
    const thumbnail = await sharp(out.thumbnailPath).metadata();
    assert.deepEqual([thumbnail.format, thumbnail.width, thumbnail.height], ['jpeg', 720, 1280]);
  });

  it('normalises 720p and 1080p clips with different time bases and frame rates in one encode', async () => {
    const hd = join(dir, 'hd.mp4');
    const fullHd = join(dir, 'full-hd.mp4');
    await makeClip(hd, { width: 1280, height: 720, fps: 25, seconds: 1 });
    await makeClip(fullHd, { width: 1920, height: 1080, fps: 30, seconds: 1.5, timescale: 90000, silent: true });
    const [hdProbe, fullHdProbe] = await Promise.all([probe(hd), probe(fullHd)]);
    assert.equal(hdProbe.video?.timeBase, '1/12800');
    assert.equal(fullHdProbe.video?.timeBase, '1/90000');
    const out = outputs();

    const result = await stitchClips({ inputs: [hd, fullHd], referenceIndex: 1, ...out });

    assert.equal(result.strategy, 'reencode');
    assert.ok(result.blockers.some((blocker) => blocker.includes('width')));
    const media = await assertWhatsAppReady(out.outputPath);
    assert.deepEqual([media.video?.width, media.video?.height], [1280, 720]);
    assert.equal(media.video?.frameRate, '30/1');
    assert.ok(Math.abs(media.durationSeconds - 2.5) < 0.1, `duration ${media.durationSeconds}`);
  });

  it('re-encodes a result over 16 MB to fit', async () => {
    const noisy = join(dir, 'noise.mp4');
    await makeClip(noisy, { width: 640, height: 360, fps: 30, seconds: 0.7, noise: true });
    const input = await probe(noisy);
    assert.ok(input.bytes * 2 > WHATSAPP_MAX_VIDEO_BYTES, `fixture too small: ${input.bytes} bytes`);
    const out = outputs();

    const result = await stitchClips({ inputs: [noisy, noisy], referenceIndex: 0, ...out });

    assert.equal(result.strategy, 'reencode');
    assert.match(result.blockers.join(), /over the 16000000-byte limit/);
    const media = await assertWhatsAppReady(out.outputPath);
    assert.ok(Math.abs(media.durationSeconds - 1.4) < 0.1, `duration ${media.durationSeconds}`);
  });

  it('lowers the bitrate until the file fits a tight limit', async () => {
    const noisy = join(dir, 'noise-tight.mp4');
    await makeClip(noisy, { width: 640, height: 360, fps: 30, seconds: 1, noise: true });
    const out = outputs();

    // Noise overshoots the capped first encode at this limit (VBV is not exact), so the retry path runs.
    const result = await stitchClips({ inputs: [noisy], referenceIndex: 0, ...out, maxBytes: 300_000 });

    assert.equal(result.strategy, 'reencode');
    assert.ok((await stat(out.outputPath)).size <= 300_000);
  });

  it('kills ffmpeg when aborted mid-encode', async () => {
    const long = join(dir, 'long.mp4');
    await makeClip(long, { width: 1280, height: 720, fps: 30, seconds: 4 });
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const out = outputs();

    const stitching = stitchClips({
      inputs: [long, long],
      referenceIndex: 0,
      ...out,
      strategy: 'reencode',
      signal: controller.signal,
      onProgress: () => controller.abort(reason),
    });

    await assert.rejects(stitching, (error) => error === reason);
    assert.deepEqual(await ffmpegChildren(), []);
  });
});

describe('stitch plan', () => {
  const video = { codec: 'h264', profile: 'High', width: 720, height: 1280, pixelFormat: 'yuv420p', frameRate: '30/1', timeBase: '1/15360', durationSeconds: 5, extradataHash: 'SHA256:a' };
  const audio = { codec: 'aac', profile: 'LC', sampleRate: 48000, channels: 2, extradataHash: 'SHA256:b' };
  const clip = (changes: { video?: Partial<typeof video>; audio?: Partial<typeof audio> | null } = {}): MediaProbe => ({
    bytes: 1,
    durationSeconds: 5,
    video: { ...video, ...changes.video },
    audio: changes.audio === null ? undefined : { ...audio, ...changes.audio },
    videoStreams: 1,
    audioStreams: changes.audio === null ? 0 : 1,
  });

  it('allows stream copy only when every stream parameter and the codec headers match', () => {
    assert.deepEqual(streamCopyBlockers([clip(), clip(), clip()]), []);
    assert.deepEqual(streamCopyBlockers([clip(), clip({ video: { extradataHash: 'SHA256:c' } })]), ['input 2 video extradataHash SHA256:c ≠ SHA256:a']);
    assert.deepEqual(streamCopyBlockers([clip(), clip({ video: { timeBase: '1/90000' } })]), ['input 2 video timeBase 1/90000 ≠ 1/15360']);
    assert.deepEqual(streamCopyBlockers([clip(), clip({ audio: { sampleRate: 44100 } })]), ['input 2 audio sampleRate 44100 ≠ 48000']);
    assert.deepEqual(streamCopyBlockers([clip(), clip({ audio: null })]), ['input 2 has 0 audio streams']);
    assert.deepEqual(streamCopyBlockers([clip({ video: { codec: 'hevc' } }), clip({ video: { codec: 'hevc' } })]), [
      'input 1 video is hevc, not h264',
      'input 2 video is hevc, not h264',
    ]);
  });

  it('targets the reference clip, scaled down to 1280×720 in its orientation and at most 30 fps', () => {
    assert.deepEqual(encodeTarget({ ...video, width: 1080, height: 1920, frameRate: '60/1' }), { width: 720, height: 1280, fps: '30/1' });
    assert.deepEqual(encodeTarget({ ...video, width: 1920, height: 1080, frameRate: '30000/1001' }), { width: 1280, height: 720, fps: '30000/1001' });
    assert.deepEqual(encodeTarget({ ...video, width: 480, height: 640, frameRate: '25/1' }), { width: 480, height: 640, fps: '25/1' });
  });
});
