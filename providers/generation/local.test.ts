import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import sharp from 'sharp';
import { probe } from '../../lib/media/ffmpeg.js';
import { textImageSvg } from '../../lib/media/text-image.js';
import { loadConfig } from '../../lib/config.js';
import { texturedJpeg } from '../../test/support/images.js';
import { ffmpegChildren } from '../../test/support/media.js';
import { frameSize, type GenerationSpec } from '../../workflows/generation/contract.js';
import type { ActivityProgress, GenerationRequest } from '../ports.js';
import { ProviderError } from '../provider-error.js';
import { LOCAL_FPS, createLocalVideoGenerator, titleLines } from './local.js';

const PROMPT = 'A cat playing piano in a smoky jazz club at midnight, neon lights reflecting on the wet street outside';

let dir: string;
let imagePath: string;
const generator = createLocalVideoGenerator(loadConfig());

function request(spec: Partial<GenerationSpec>, name: string): GenerationRequest {
  const full: GenerationSpec = { type: 'text_to_video', prompt: PROMPT, durationSeconds: 5, resolution: 'sd_480p', aspectRatio: '9:16', cameraFixed: false, referencePerson: null, sourceImageUrl: null, ...spec };
  return { jobId: 3, spec: full, ...frameSize(full.resolution, full.aspectRatio), imagePath, outputPath: join(dir, `${name}.mp4`) };
}

/** The audio's mean volume in dB, from ffmpeg's volumedetect (-91 is digital silence). */
async function meanVolume(path: string): Promise<number> {
  const { stderr } = await promisify(execFile)(process.env.FFMPEG_PATH || 'ffmpeg', ['-hide_banner', '-i', path, '-map', '0:a', '-af', 'volumedetect', '-f', 'null', '-']);
  return Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)?.[1] ?? -Infinity);
}

function progress(signal = new AbortController().signal): ActivityProgress & { fractions: number[]; beats: unknown[] } {
  const fractions: number[] = [];
  const beats: unknown[] = [];
  return { fractions, beats, heartbeat: (details) => void beats.push(details), report: (fraction) => void fractions.push(fraction), resumeFrom: undefined, signal };
}

/** Renders, then checks what every local video must be: H.264 yuv420p + AAC at the frame asked for, 5 s long, progress rising to 1. */
async function renderAndCheck(job: GenerationRequest, expected: { width: number; height: number; model: string }): Promise<number> {
  const run = progress();
  const started = performance.now();
  const { model } = await generator.generate(job, run);
  const elapsed = Math.round(performance.now() - started);

  assert.equal(model, expected.model);
  const media = await probe(job.outputPath);
  assert.equal(media.video?.codec, 'h264');
  assert.equal(media.video?.pixelFormat, 'yuv420p');
  assert.ok(Math.abs((media.video?.width ?? 0) - expected.width) <= 1, `width ${media.video?.width}`);
  assert.ok(Math.abs((media.video?.height ?? 0) - expected.height) <= 1, `height ${media.video?.height}`);
  assert.equal(media.video?.frameRate, `${LOCAL_FPS}/1`);
  assert.equal(media.audio?.codec, 'aac');
  const volume = await meanVolume(job.outputPath);
  assert.ok(volume > -45 && volume < -10, `a soft audible bed, not silence (mean ${volume} dB)`);
  assert.ok(Math.abs(media.durationSeconds - 5) <= 0.2, `duration ${media.durationSeconds}`);
  assert.ok(run.fractions.length > 1, `progress ${run.fractions.join(',')}`);
  assert.deepEqual(run.fractions, [...run.fractions].sort((a, b) => a - b), 'progress never goes back');
  assert.equal(run.fractions.at(-1), 1);
  assert.ok(run.beats.length > 0, 'heartbeats while rendering');
  return elapsed;
}

describe('local video generator', () => {
  before(async () => {
    dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'generation-local-'));
    imagePath = join(dir, 'source.jpg');
    await writeFile(imagePath, await texturedJpeg(1200, 1600));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('lays a long prompt out inside the frame, shrinking the font and cutting what cannot fit', async () => {
    const lines = titleLines(PROMPT, 480, 854);
    assert.ok(lines.length > 1 && lines.length < 10, `${lines.length} lines`);
    assert.equal(lines.map((line) => line.text).join(' '), PROMPT);
    // The drawn text's bounding box (sharp trims the transparent margin) stays inside the frame.
    const { info } = await sharp(Buffer.from(textImageSvg({ width: 480, height: 854, lines }))).trim().toBuffer({ resolveWithObject: true });
    const left = -(info.trimOffsetLeft ?? 0);
    const top = -(info.trimOffsetTop ?? 0);
    assert.ok(left > 0 && left + info.width < 480 && top > 0 && top + info.height < 854, `text box ${info.width}×${info.height} at ${left},${top}`);

    const endless = titleLines(`${'word '.repeat(2000)}end`, 854, 480);
    assert.ok((endless.at(-1)?.y ?? Infinity) < 480);
    assert.match(endless.at(-1)?.text ?? '', /…$/);
    assert.ok(titleLines('x'.repeat(300), 480, 480).every((line) => line.text.length < 300), 'a word longer than a line is split');
  });

  it('text_to_video: the prompt as a title, 9:16 at 480p, 5 s of H.264/AAC', async (t) => {
    const job = request({}, 'title');
    const ms = await renderAndCheck(job, { width: 480, height: 854, model: 'local/ffmpeg-title' });
    t.diagnostic(`5 s at 480×854 rendered in ${ms} ms`);
    assert.deepEqual((await readdir(dir)).sort(), ['source.jpg', 'title.mp4'], 'no title image or partial file left');
  });

  it('image_to_video: a slow zoom over the image, cover-cropped to 16:9', async (t) => {
    const job = request({ type: 'image_to_video', aspectRatio: '16:9' }, 'kenburns');
    const ms = await renderAndCheck(job, { width: 854, height: 480, model: 'local/ffmpeg-kenburns' });
    t.diagnostic(`5 s at 854×480 rendered in ${ms} ms`);
  });

  it('image_to_video with a fixed camera: the image still, 1:1; the same request gives the same bytes', async () => {
    const job = request({ type: 'image_to_video', aspectRatio: '1:1', cameraFixed: true }, 'still');
    await renderAndCheck(job, { width: 480, height: 480, model: 'local/ffmpeg-still' });
    const again = { ...job, outputPath: join(dir, 'still-again.mp4') };
    await generator.generate(again, progress());
    assert.ok((await readFile(again.outputPath)).equals(await readFile(job.outputPath)), 'a retried attempt stores an identical video');
  });

  it('refuses image_to_video without a source image, for good', async () => {
    const job = { ...request({ type: 'image_to_video' }, 'no-image'), imagePath: undefined };
    await assert.rejects(generator.generate(job, progress()), (error: unknown) => {
      assert.ok(error instanceof ProviderError && error.code === 'GENERATION_NO_SOURCE_IMAGE' && !error.retryable, String(error));
      return true;
    });
  });

  it('stops ffmpeg promptly when aborted, leaving no output and no partial file', async () => {
    const controller = new AbortController();
    const run = progress(controller.signal);
    const reason = new CancelledFailure('CANCELLED');
    let abortedAt = 0;
    const job = request({ durationSeconds: 15, resolution: 'hd_1080p' }, 'aborted');
    const rendering = generator.generate(job, {
      ...run,
      report: (fraction) => {
        if (abortedAt) return;
        abortedAt = performance.now();
        controller.abort(reason);
        run.report(fraction);
      },
    });
    await assert.rejects(rendering, (error: unknown) => error === reason);
    const stoppedIn = performance.now() - abortedAt;
    assert.ok(stoppedIn < 1500, `stopped ${Math.round(stoppedIn)} ms after the abort`);
    assert.deepEqual(await ffmpegChildren(), []);
    assert.ok(!(await readdir(dir)).some((name) => name.includes('aborted')), 'no output or partial file');
  });
});
