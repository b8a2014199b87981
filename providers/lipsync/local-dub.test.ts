import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { probe } from '../../lib/media/ffmpeg.js';
import { makeSourceClip, meanVolume, toneLevel } from '../../test/dubbing/media.js';
import { isProviderError } from '../../test/support/provider-errors.js';
import { ffmpegChildren } from '../../test/support/media.js';
import type { ActivityProgress, DubRequest } from '../ports.js';
import { createLocalSpeechSynthesizer } from '../speech/local-speech.js';
import { createLocalVideoDubber, LOCAL_DUB_MODEL } from './local-dub.js';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';
const SOURCE_SECONDS = 6;
/** AAC frames and the mp4 edit list: a dub may differ from its source by a few tens of ms. */
const LENGTH_SLACK = 0.1;

const dubber = createLocalVideoDubber({ FFMPEG_PATH: process.env.FFMPEG_PATH, FFPROBE_PATH: process.env.FFPROBE_PATH });
const speech = createLocalSpeechSynthesizer({ espeakPath: process.env.ESPEAK_PATH ?? 'espeak-ng' });

let dir: string;
let sourcePath: string;
let shortVoice: string;
let longVoice: string;
before(async () => {
  dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'local-dub-'));
  sourcePath = join(dir, 'source.mp4');
  shortVoice = join(dir, 'short.m4a');
  longVoice = join(dir, 'long.m4a');
  await makeSourceClip(sourcePath, SOURCE_SECONDS);
  await speech.synthesize({ text: 'Hello there. Welcome to the show.', outputPath: shortVoice });
  await speech.synthesize({ text: 'This voice-over goes on and on, well past the end of the little clip it is laid on. '.repeat(3), outputPath: longVoice });
});
after(() => rm(dir, { recursive: true, force: true }));

function progress(signal = new AbortController().signal): ActivityProgress & { reported: number[] } {
  const reported: number[] = [];
  return { reported, heartbeat: () => undefined, report: (fraction) => void reported.push(fraction), resumeFrom: undefined, signal };
}

const request = (videoPath: string, audioPath: string, name: string, durationSeconds = SOURCE_SECONDS): DubRequest => ({
  jobId: 1,
  videoPath,
  videoUrl: 'http://unused.test/video.mp4',
  audioPath,
  audioUrl: 'http://unused.test/voice.m4a',
  durationSeconds,
  outputPath: join(dir, name),
});

describe('local dubber (ffmpeg)', () => {
  it('lays a shorter voice-over on the unchanged picture, padded with silence to the video’s length, the source’s tone gone', async () => {
    assert.ok((await probe(shortVoice)).durationSeconds < 3);
    const run = progress();
    const job = request(sourcePath, shortVoice, 'short-dub.mp4');
    assert.deepEqual(await dubber.dub(job, run), { model: LOCAL_DUB_MODEL });
    const [source, dub] = await Promise.all([probe(sourcePath), probe(job.outputPath)]);
    assert.ok(Math.abs(dub.durationSeconds - SOURCE_SECONDS) <= LENGTH_SLACK, `${dub.durationSeconds} s`);
    assert.equal(dub.videoStreams, 1);
    assert.equal(dub.audioStreams, 1);
    assert.equal(dub.audio?.codec, 'aac');
    // Stream-copied: the very same H.264 parameters.
    assert.equal(dub.video?.codec, 'h264');
    assert.equal(dub.video?.extradataHash, source.video?.extradataHash);
    assert.ok((await meanVolume(job.outputPath, { seconds: 1.5 })) > -40, 'speech at the start');
    assert.ok((await meanVolume(job.outputPath, { from: SOURCE_SECONDS - 2 })) < -80, 'silence in the padded tail');
    const [sourceTone, dubTone] = await Promise.all([toneLevel(sourcePath), toneLevel(job.outputPath)]);
    assert.ok(dubTone < sourceTone - 15, `440 Hz at ${dubTone} dB in the dub, ${sourceTone} dB in the source`);
    assert.equal(run.reported.at(-1), 1);
  });

  it('cuts a longer voice-over at the video’s length', async () => {
    assert.ok((await probe(longVoice)).durationSeconds > SOURCE_SECONDS + 2);
    const job = request(sourcePath, longVoice, 'long-dub.mp4');
    await dubber.dub(job, progress());
    const dub = await probe(job.outputPath);
    assert.ok(Math.abs(dub.durationSeconds - SOURCE_SECONDS) <= LENGTH_SLACK, `${dub.durationSeconds} s`);
    assert.ok((await meanVolume(job.outputPath, { from: SOURCE_SECONDS - 2 })) > -45, 'still speaking at the end');
  });

  it('re-encodes a picture an mp4 cannot carry as it is (VP9 in WebM) as H.264', async () => {
    const webm = join(dir, 'source.webm');
    await run(FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=4', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=4', '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', webm]);
    const job = request(webm, shortVoice, 'webm-dub.mp4', (await probe(webm)).durationSeconds);
    await dubber.dub(job, progress());
    const dub = await probe(job.outputPath);
    assert.equal(dub.video?.codec, 'h264');
    assert.equal(dub.video?.pixelFormat, 'yuv420p');
    assert.ok(Math.abs(dub.durationSeconds - 4) <= LENGTH_SLACK, `${dub.durationSeconds} s`);
  });

  it('refuses a source without a picture for good', async () => {
    await assert.rejects(dubber.dub(request(shortVoice, shortVoice, 'none.mp4'), progress()), isProviderError('DUB_SOURCE_NO_VIDEO', false));
  });

  it('stops ffmpeg when the job is cancelled and leaves no file', async () => {
    // A minute of MPEG-4 Part 2 (quick to make, not copyable): the dub re-encodes it, which takes a while.
    const long = join(dir, 'long-source.avi');
    await run(FFMPEG, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=30:d=60', '-c:v', 'mpeg4', '-q:v', '10', long]);
    const controller = new AbortController();
    // Cancelled once ffmpeg reports its first progress: surely mid-encode.
    const running = { ...progress(controller.signal), heartbeat: () => controller.abort(new Error('job cancelled')) };
    const pending = dubber.dub(request(long, shortVoice, 'cancelled.mp4', 60), running);
    await assert.rejects(pending, /job cancelled/);
    assert.deepEqual(await ffmpegChildren(), []);
    assert.deepEqual((await readdir(dir)).filter((name) => name.includes('cancelled')), []);
  });
});
