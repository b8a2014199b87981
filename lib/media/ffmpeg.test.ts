import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ffmpegChildren, makeClip } from '../../test/support/media.js';
import { ffmpeg, probe, runFfmpeg, type FfmpegProgress } from './ffmpeg.js';

describe('ffmpeg', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'ffmpeg-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('probes what stitching compares', async () => {
    const path = join(dir, 'clip.mp4');
    await makeClip(path, { width: 320, height: 240, fps: 25, seconds: 1, timescale: 90000 });
    const media = await probe(path);
    assert.equal(media.videoStreams, 1);
    assert.equal(media.audioStreams, 1);
    assert.ok(media.bytes > 1000);
    assert.ok(Math.abs(media.durationSeconds - 1) < 0.1, `duration ${media.durationSeconds}`);
    assert.deepEqual(
      { ...media.video, extradataHash: undefined, durationSeconds: undefined },
      {
        codec: 'h264', profile: 'Constrained Baseline', width: 320, height: 240, pixelFormat: 'yuv420p', frameRate: '25/1', timeBase: '1/90000', extradataHash: undefined, durationSeconds: undefined,
        rotation: 0, pixelAspect: 1, displayWidth: 320, displayHeight: 240,
      },
    );
    assert.match(media.video?.extradataHash ?? '', /^SHA256:[0-9a-f]{64}$/);
    assert.equal(media.audio?.codec, 'aac');
    assert.equal(media.audio?.sampleRate, 48000);
    assert.equal(media.audio?.channels, 1);
  });

  it('rejects a file that is not media', async () => {
    const path = join(dir, 'notes.mp4');
    await writeFile(path, 'not a video');
    await assert.rejects(probe(path));
  });

  it('reports progress as a fraction of the expected duration', async () => {
    const seen: FfmpegProgress[] = [];
    const command = ffmpeg().input('testsrc2=s=640x360:r=30:d=3').inputOptions(['-f', 'lavfi']).outputOptions(['-c:v', 'libx264', '-preset', 'ultrafast']).output(join(dir, 'progress.mp4'));
    await runFfmpeg(command, { durationSeconds: 3, onProgress: (progress) => seen.push(progress) });
    assert.ok(seen.length > 0);
    assert.ok((seen.at(-1)?.fraction ?? 0) > 0.9, JSON.stringify(seen.at(-1)));
  });

  it('kills ffmpeg when aborted and rejects with the abort reason once it is gone', async () => {
    const controller = new AbortController();
    // Endless: only the abort ends it.
    const command = ffmpeg().input('testsrc2=s=640x360:r=30').inputOptions(['-f', 'lavfi']).outputOptions(['-f', 'null']).output('-');
    const reason = new Error('job cancelled');
    const running = runFfmpeg(command, { signal: controller.signal, onProgress: () => controller.abort(reason) });
    await assert.rejects(running, (error) => error === reason);
    assert.deepEqual(await ffmpegChildren(), []);
  });

  it('does not start ffmpeg when the signal is already aborted', async () => {
    let started = false;
    const command = ffmpeg().input('testsrc2=d=1').inputOptions(['-f', 'lavfi']).outputOptions(['-f', 'null']).output('-').on('start', () => (started = true));
    await assert.rejects(runFfmpeg(command, { signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.equal(started, false);
  });
});
