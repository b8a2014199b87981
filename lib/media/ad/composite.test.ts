import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { makeTwoToneClip, readFrame, redDepth } from '../../../test/support/display-clips.js';
import { isProviderError } from '../../../test/support/provider-errors.js';
import { texturedJpeg } from '../../../test/support/images.js';
import { decodeErrors, ffmpegChildren, makeClip } from '../../../test/support/media.js';
import { probe, type MediaProbe } from '../ffmpeg.js';
import { extractThumbnail } from '../thumbnail.js';
import { END_CARD_SECONDS, composeAd, fitLines, type ComposeAdOptions } from './composite.js';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

/** A voice-over stand-in: a 1 kHz tone at about −13 dBFS RMS (a loud, steady voice), AAC in .m4a. */
async function makeVoice(path: string, seconds: number): Promise<void> {
  await run(FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=0.3*sin(2*PI*1000*t):s=24000:d=${seconds}`, '-c:a', 'aac', path]);
}

/** Mean volume in dB of the audio between `from` and `from + seconds`, through `filter` first. */
async function meanVolume(path: string, from: number, seconds: number, filter = 'anull'): Promise<number> {
  const { stderr } = await run(FFMPEG, ['-hide_banner', '-ss', String(from), '-t', String(seconds), '-i', path, '-map', '0:a', '-af', `${filter},volumedetect`, '-f', 'null', '-']);
  return Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)?.[1] ?? -Infinity);
}

/** The mp4's top-level boxes in file order. */
function topLevelBoxes(file: Buffer): string[] {
  const boxes: string[] = [];
  for (let offset = 0; offset + 8 <= file.length; ) {
    let size = file.readUInt32BE(offset);
    boxes.push(file.toString('latin1', offset + 4, offset + 8));
    if (size === 1) size = Number(file.readBigUInt64BE(offset + 8));
    if (size < 8) break;
    offset += size;
  }
  return boxes;
}

describe('ad compositing', () => {
  let dir: string;
  let count = 0;
  const paths = { visuals: '', silentVisuals: '', grey: '', voice: '', shortVoice: '', product: '' };
  before(async () => {
    dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'ad-composite-'));
    Object.assign(paths, {
      visuals: join(dir, 'visuals.mp4'),
      silentVisuals: join(dir, 'silent.mp4'),
      grey: join(dir, 'grey.mp4'),
      voice: join(dir, 'voice.m4a'),
      shortVoice: join(dir, 'short-voice.m4a'),
      product: join(dir, 'product.jpg'),
    });
    await Promise.all([
      // Landscape and shorter than the voice: cropped to cover, and looped.
      makeClip(paths.visuals, { width: 320, height: 180, fps: 25, seconds: 1 }),
      makeClip(paths.silentVisuals, { width: 180, height: 320, fps: 24, seconds: 4, silent: true }),
      run(FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0x404040:s=180x320:r=30:d=3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', paths.grey]),
      makeVoice(paths.voice, 2),
      makeVoice(paths.shortVoice, 1),
      texturedJpeg(400, 300).then((jpeg) => writeFile(paths.product, jpeg)),
    ]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const outputs = (): Pick<ComposeAdOptions, 'outputPath' | 'thumbnailPath'> => {
    count += 1;
    return { outputPath: join(dir, `ad-${count}.mp4`), thumbnailPath: join(dir, `ad-${count}.jpg`) };
  };
  const ad = (changes: Partial<ComposeAdOptions> = {}): ComposeAdOptions => ({
    visualsPath: paths.visuals,
    voicePath: paths.shortVoice,
    lines: [{ text: 'Stay hydrated', startSeconds: 0, endSeconds: 1 }],
    ctaText: 'Buy Now!',
    productName: 'EcoWater Bottle',
    width: 180,
    height: 320,
    ...outputs(),
    ...changes,
  });

  /** What every ad must be: H.264 High yuv420p at 30 fps + one AAC track, moov first, decodable, voice + end card long. */
  const assertPlayableAd = async (path: string, voiceSeconds: number, size: { width: number; height: number }): Promise<MediaProbe> => {
    const media = await probe(path);
    assert.equal(media.video?.codec, 'h264');
    assert.equal(media.video?.pixelFormat, 'yuv420p');
    assert.equal(media.video?.frameRate, '30/1');
    assert.deepEqual([media.video?.width, media.video?.height], [size.width, size.height]);
    assert.equal(media.audio?.codec, 'aac');
    assert.equal(media.audioStreams, 1);
    assert.ok(media.durationSeconds >= voiceSeconds + END_CARD_SECONDS - 0.05, `duration ${media.durationSeconds}`);
    assert.ok(Math.abs(media.durationSeconds - (voiceSeconds + END_CARD_SECONDS)) < 0.1, `duration ${media.durationSeconds}`);
    assert.ok(Math.abs((media.video?.durationSeconds ?? 0) - media.durationSeconds) < 0.1, 'the picture lasts as long as the sound');
    const boxes = topLevelBoxes(await readFile(path));
    assert.ok(boxes.indexOf('moov') >= 0 && boxes.indexOf('moov') < boxes.indexOf('mdat'), `faststart: ${boxes.join(' ')}`);
    assert.equal(await decodeErrors(path), '', 'decodes without errors');
    return media;
  };

  it('makes a 1080×1920 ad as long as the voice plus the end card, with a thumbnail, progress rising to 1', async () => {
    const out = outputs();
    const fractions: number[] = [];
    const result = await composeAd({ ...ad(out), width: 1080, height: 1920, voicePath: paths.voice, productImagePath: paths.product, onProgress: (fraction) => fractions.push(fraction) });

    const media = await assertPlayableAd(out.outputPath, 2, { width: 1080, height: 1920 });
    assert.deepEqual(result, { durationSeconds: media.durationSeconds, bytes: media.bytes, width: 1080, height: 1920 });
    const thumbnail = await sharp(out.thumbnailPath).metadata();
    assert.deepEqual([thumbnail.format, thumbnail.width, thumbnail.height], ['jpeg', 1080, 1920]);
    assert.ok(fractions.length >= 2, `${fractions.length} progress reports`);
    assert.ok(fractions.every((fraction, index) => fraction > 0 && fraction <= 1 && (index === 0 || fraction > fractions[index - 1]!)), fractions.join());
    assert.equal(fractions.at(-1), 1);
  });

  it('makes another size when asked, with or without a product image and whether or not the visuals have sound', async () => {
    const landscape = ad({ width: 320, height: 180, productImagePath: paths.product });
    const portrait = ad({ visualsPath: paths.silentVisuals, width: 240, height: 426 });
    await Promise.all([composeAd(landscape), composeAd(portrait)]);
    await assertPlayableAd(landscape.outputPath, 1, { width: 320, height: 180 });
    await assertPlayableAd(portrait.outputPath, 1, { width: 240, height: 426 });
  });

  it('draws each line only while it is on, whatever characters it holds', async () => {
    const text = `It's "100%" \\ better: 50% off; [now] {really} <b>&amp; 🚀🔥 🇮🇳 %{pts} 'quoted'`;
    const job = ad({ visualsPath: paths.grey, voicePath: paths.voice, lines: [{ text, startSeconds: 0.5, endSeconds: 1.5 }] });
    await composeAd(job);
    await assertPlayableAd(job.outputPath, 2, { width: 180, height: 320 });

    /** The brightest pixel of the caption band (12–40 % down) at `seconds`: white text on grey, or grey alone. */
    const brightest = async (seconds: number) => {
      const frame = join(dir, `frame-${count}-${seconds}.png`);
      await extractThumbnail(job.outputPath, frame, seconds);
      const { channels } = await sharp(frame).extract({ left: 0, top: 38, width: 180, height: 90 }).stats();
      return Math.max(...channels.slice(0, 3).map((channel) => channel.max));
    };
    assert.ok((await brightest(1)) > 200, 'white text while the line is on');
    assert.ok((await brightest(0.2)) < 100, 'plain grey before it');
    assert.ok((await brightest(1.8)) < 100, 'plain grey after it');
  });

  it('ducks the music under the voice and lets it back up for the end card', async () => {
    const job = ad({ visualsPath: paths.silentVisuals, voicePath: paths.voice });
    await composeAd(job);
    // Below 450 Hz only the bed (a chord from 220 Hz) is heard, not the 1 kHz "voice".
    const bedOnly = 'lowpass=f=450,lowpass=f=450';
    const underVoice = await meanVolume(job.outputPath, 0.8, 1, bedOnly);
    const onEndCard = await meanVolume(job.outputPath, 2.7, 0.7, bedOnly);
    assert.ok(onEndCard > -40, `the bed is audible on the end card (${onEndCard} dB)`);
    assert.ok(onEndCard - underVoice >= 10, `ducked by ${onEndCard - underVoice} dB`);
    const voice = await meanVolume(job.outputPath, 0.8, 1);
    assert.ok(voice - underVoice >= 15, `the voice (${voice} dB) stands over the bed (${underVoice} dB)`);
  });

  it('covers the frame with visuals of non-square pixels as a player shows them', async () => {
    const anamorphic = join(dir, 'anamorphic.mp4');
    // Stored 320×720 with 2:1 pixels: shown 640×720, wider than 9:16, so the cover crop takes the
    // sides and keeps the whole height (red to a quarter of it). Read as square pixels, 320×720 is
    // narrower than 9:16 and the crop would cut the top and bottom (red to 18 %).
    await makeTwoToneClip(anamorphic, { width: 320, height: 720, seconds: 1, sar: '2/1', redFraction: 0.25 });
    const job = ad({ visualsPath: anamorphic, lines: [] });

    await composeAd(job);

    await assertPlayableAd(job.outputPath, 1, { width: 180, height: 320 });
    const frame = await readFrame(job.outputPath, 0.5);
    const depth = redDepth(frame, 90);
    assert.ok(Math.abs(depth - 80) <= 4, `red to ${depth} px of 320: 80 expected (59 if the pixels were taken as square)`);
  });

  it('stops when aborted: ffmpeg is killed and nothing is left in the output folders', async () => {
    const folder = join(dir, 'aborted');
    await mkdir(folder);
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const job = ad({ voicePath: paths.voice, width: 720, height: 1280, outputPath: join(folder, 'ad.mp4'), thumbnailPath: join(folder, 'ad.jpg') });

    await assert.rejects(
      composeAd({ ...job, signal: controller.signal, onProgress: () => controller.abort(reason) }),
      (error) => error === reason,
    );
    assert.deepEqual(await ffmpegChildren(), []);
    assert.deepEqual(await readdir(folder), []);
  });

  it('refuses a voice-over without sound as a permanent input error', async () => {
    const job = ad({ voicePath: paths.silentVisuals });
    await assert.rejects(composeAd(job), isProviderError('COMPOSITE_INPUT_UNREADABLE', false, (error) => assert.match(error.message, /voice-over has no audio/)));
    await assert.rejects(composeAd({ ...job, voicePath: paths.product }), isProviderError('COMPOSITE_INPUT_UNREADABLE', false));
  });
});

describe('ad line timing', () => {
  const line = (text: string, startSeconds: number, endSeconds: number) => ({ text, startSeconds, endSeconds });

  it('keeps lines that fit the voice, in order, each ending where the next begins', () => {
    const lines = [line('Second', 2, 4), line('First', 0, 2.5), line('   ', 4, 5), line('Backwards', 5, 4)];
    assert.deepEqual(fitLines(lines, 10), [line('First', 0, 2), line('Second', 2, 4)]);
  });

  it('squeezes lines timed for a longer ad into the voice-over, so every one is seen', () => {
    const lines = [line('Hook', 0, 5), line('Body', 5, 12), line('Buy', 12, 15)];
    assert.deepEqual(fitLines(lines, 12), [line('Hook', 0, 4), line('Body', 4, 9.6), line('Buy', 9.6, 12)]);
  });
});
