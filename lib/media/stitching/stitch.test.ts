import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { clipOutputOptions } from '../clip-format.js';
import { probe, type MediaProbe } from '../ffmpeg.js';
import { makeTwoToneClip, pictureSpan, readFrame, toneGrid } from '../../../test/support/display-clips.js';
import { decodeErrors, ffmpegChildren, makeClip } from '../../../test/support/media.js';
import { WHATSAPP_MAX_VIDEO_BYTES, encodeTarget, streamCopyBlockers } from './plan.js';
import { stitchClips, writeThumbnail, type StitchOptions, type StitchProgress } from './stitch.js';

describe('stitching', () => {
  let dir: string;
  let count = 0;
  before(async () => {
    dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'stitch-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const outputs = (): Pick<StitchOptions, 'outputPath' | 'workDir'> & { thumbnailPath: string } => {
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
    await writeThumbnail(result.thumbnailFrame, out.thumbnailPath);
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

  describe('clips a player shows turned or stretched', () => {
    const upright = [
      ['red', 'red', 'red', 'red'],
      ['red', 'red', 'red', 'red'],
      ['blue', 'blue', 'blue', 'blue'],
      ['blue', 'blue', 'blue', 'blue'],
    ];

    it('does not stream-copy a clip stored upside down beside an upright one: both play upright', async () => {
      const clip = { width: 720, height: 1280, seconds: 1, outputOptions: clipOutputOptions() };
      const intro = join(dir, 'two-tone-intro.mp4');
      const turned = join(dir, 'two-tone-180.mp4');
      await makeTwoToneClip(intro, clip);
      await makeTwoToneClip(turned, { ...clip, rotate: 180 });
      // Same encoder settings: the stored streams match down to the H.264 headers; only the display matrix differs.
      assert.equal((await probe(turned)).video?.extradataHash, (await probe(intro)).video?.extradataHash);
      assert.deepEqual(toneGrid(await readFrame(turned, 0.5, { stored: true })), [...upright].reverse(), 'the fixture is stored upside down');
      assert.deepEqual(toneGrid(await readFrame(turned, 0.5)), upright, 'and its display matrix turns it upright');
      const out = outputs();

      const result = await stitchClips({ inputs: [intro, turned], referenceIndex: 1, ...out });

      assert.equal(result.strategy, 'reencode');
      assert.deepEqual(result.blockers, ['input 2 is shown turned 180°']);
      await assertWhatsAppReady(out.outputPath);
      assert.deepEqual([result.width, result.height], [720, 1280]);
      assert.deepEqual(toneGrid(await readFrame(out.outputPath, 0.5)), upright, 'the intro');
      assert.deepEqual(toneGrid(await readFrame(out.outputPath, 1.5)), upright, 'the clip stored upside down');
    });

    it('re-encodes a clip stored 1280×720 and shown a quarter turn round as the portrait it is', async () => {
      const intro = join(dir, 'portrait-intro.mp4');
      const sideways = join(dir, 'sideways.mp4');
      await makeTwoToneClip(intro, { width: 720, height: 1280, seconds: 1 });
      await makeTwoToneClip(sideways, { width: 1280, height: 720, seconds: 1, rotate: 90 });
      const stored = await readFrame(sideways, 0.5, { stored: true });
      assert.deepEqual([stored.width, stored.height], [1280, 720], 'the fixture is stored landscape');
      const shown = await readFrame(sideways, 0.5);
      assert.deepEqual([shown.width, shown.height, toneGrid(shown)], [720, 1280, upright], 'and shown as an upright portrait');
      const out = outputs();

      const result = await stitchClips({ inputs: [intro, sideways], referenceIndex: 1, ...out });

      assert.equal(result.strategy, 'reencode');
      await assertWhatsAppReady(out.outputPath);
      assert.deepEqual([result.width, result.height], [720, 1280], 'the portrait the reference clip shows');
      const frame = await readFrame(out.outputPath, 1.5);
      assert.deepEqual([frame.width, frame.height], [720, 1280]);
      assert.deepEqual(toneGrid(frame), upright, 'the clip fills the frame, upright');
      assert.deepEqual(pictureSpan(frame, 640), { from: 0, to: 719 }, 'no bars');
      assert.deepEqual(toneGrid(await readFrame(out.outputPath, 0.5)), upright, 'the intro');
    });

    it('shows a clip with non-square pixels at its displayed aspect', async () => {
      const reference = join(dir, 'square-pixels.mp4');
      const anamorphic = join(dir, 'anamorphic.mp4');
      await makeTwoToneClip(reference, { width: 1280, height: 720, seconds: 1 });
      // Stored 720×576 with 4:3 pixels: shown 960×576 (5:3), which fits 1280×720 as 1200×720.
      await makeTwoToneClip(anamorphic, { width: 720, height: 576, seconds: 1, sar: '4/3' });
      const out = outputs();

      const result = await stitchClips({ inputs: [reference, anamorphic], referenceIndex: 0, ...out });

      assert.equal(result.strategy, 'reencode');
      await assertWhatsAppReady(out.outputPath);
      const frame = await readFrame(out.outputPath, 1.5);
      const { from, to } = pictureSpan(frame, 100);
      assert.ok(Math.abs(to - from + 1 - 1200) <= 4, `picture ${from}…${to}: ${to - from + 1} wide, 1200 expected (900 if the pixels were taken as square)`);
      assert.deepEqual(toneGrid(frame).map((row) => row.slice(1, 3)), upright.map((row) => row.slice(1, 3)));
    });

    it('takes the frame size from a turned reference with non-square pixels', async () => {
      const turned = join(dir, 'anamorphic-turned.mp4');
      await makeTwoToneClip(turned, { width: 720, height: 576, seconds: 1, sar: '4/3', rotate: 270 });
      const out = outputs();

      const result = await stitchClips({ inputs: [turned, turned], referenceIndex: 0, ...out });

      assert.equal(result.strategy, 'reencode');
      assert.deepEqual([result.width, result.height], [576, 960]);
      const frame = await readFrame(out.outputPath, 0.5);
      assert.deepEqual([frame.width, frame.height], [576, 960]);
      assert.deepEqual(pictureSpan(frame, 480), { from: 0, to: 575 }, 'fills the frame: no bars');
      assert.deepEqual(toneGrid(frame), upright);
    });
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
  const video = {
    codec: 'h264', profile: 'High', width: 720, height: 1280, pixelFormat: 'yuv420p', frameRate: '30/1', timeBase: '1/15360', durationSeconds: 5, extradataHash: 'SHA256:a',
    rotation: 0, pixelAspect: 1, displayWidth: 720, displayHeight: 1280,
  };
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

  it('keeps stream copy for matching upright clips, and refuses it for a turned clip or other pixel shapes', () => {
    assert.deepEqual(streamCopyBlockers([clip(), clip()]), [], 'the fast path');
    assert.deepEqual(streamCopyBlockers([clip(), clip({ video: { rotation: 180 } })]), ['input 2 is shown turned 180°']);
    assert.deepEqual(streamCopyBlockers([clip({ video: { rotation: 180 } }), clip({ video: { rotation: 180 } })]), [
      'input 1 is shown turned 180°',
      'input 2 is shown turned 180°',
    ]);
    assert.deepEqual(streamCopyBlockers([clip(), clip({ video: { rotation: 90, displayWidth: 1280, displayHeight: 720 } })]), [
      'input 2 is shown turned 90°',
      'input 2 video displayWidth 1280 ≠ 720',
      'input 2 video displayHeight 720 ≠ 1280',
    ]);
    assert.deepEqual(streamCopyBlockers([clip(), clip({ video: { pixelAspect: 4 / 3, displayWidth: 960 } })]), [
      'input 2 video displayWidth 960 ≠ 720',
      `input 2 video pixelAspect ${4 / 3} ≠ 1`,
    ]);
    const anamorphic = { pixelAspect: 4 / 3, displayWidth: 960 };
    assert.deepEqual(streamCopyBlockers([clip({ video: anamorphic }), clip({ video: anamorphic })]), [], 'the same pixel shape throughout copies');
  });

  it('targets the reference clip as displayed, scaled down to 1280×720 in its orientation and at most 30 fps', () => {
    const shown = (width: number, height: number) => ({ width, height, displayWidth: width, displayHeight: height });
    assert.deepEqual(encodeTarget({ ...video, ...shown(1080, 1920), frameRate: '60/1' }), { width: 720, height: 1280, fps: '30/1' });
    assert.deepEqual(encodeTarget({ ...video, ...shown(1920, 1080), frameRate: '30000/1001' }), { width: 1280, height: 720, fps: '30000/1001' });
    assert.deepEqual(encodeTarget({ ...video, ...shown(480, 640), frameRate: '25/1' }), { width: 480, height: 640, fps: '25/1' });
    const sideways = { width: 1280, height: 720, rotation: 90, displayWidth: 720, displayHeight: 1280 };
    assert.deepEqual(encodeTarget({ ...video, ...sideways }), { width: 720, height: 1280, fps: '30/1' });
    const anamorphic = { width: 720, height: 576, pixelAspect: 4 / 3, displayWidth: 960, displayHeight: 576 };
    assert.deepEqual(encodeTarget({ ...video, ...anamorphic }), { width: 960, height: 576, fps: '30/1' });
  });
});
