import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { makeTwoToneClip } from '../../test/support/display-clips.js';
import { makeClip } from '../../test/support/media.js';
import { probe } from './ffmpeg.js';
import { readMp4Movie } from './mp4-tracks.js';

const run = promisify(execFile);

describe('reading an MP4 movie header in process', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'mp4-tracks-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('sees one unturned H.264 track and one AAC track in a faststart file, as long as ffprobe says', async () => {
    const path = join(dir, 'plain.mp4');
    await makeClip(path, { width: 320, height: 568, fps: 30, seconds: 1.5, outputOptions: ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-movflags', '+faststart'] });

    const movie = await readMp4Movie(path);

    assert.deepEqual(movie?.tracks, [
      { handler: 'vide', sampleEntry: 'avc1', audioObjectType: undefined, identityMatrix: true },
      { handler: 'soun', sampleEntry: 'mp4a', audioObjectType: 0x40, identityMatrix: true },
    ]);
    assert.ok(Math.abs(movie!.durationSeconds - (await probe(path)).durationSeconds) < 0.05, `${movie!.durationSeconds} s`);
  });

  it('tells a turned clip and MP3 audio apart from a ready file', async () => {
    const turned = join(dir, 'turned.mp4');
    await makeTwoToneClip(turned, { width: 320, height: 568, seconds: 1, rotate: 180 });
    const mp3 = join(dir, 'mp3.mp4');
    await run(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=10:d=1', '-f', 'lavfi', '-i', 'sine=d=1', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'libmp3lame', mp3]);

    const [turnedMovie, mp3Movie] = await Promise.all([readMp4Movie(turned), readMp4Movie(mp3)]);

    assert.equal(turnedMovie?.tracks.find((track) => track.handler === 'vide')?.identityMatrix, false);
    assert.equal(mp3Movie?.tracks.find((track) => track.handler === 'soun')?.audioObjectType, 0x6b, 'MPEG-1 audio, not AAC');
  });

  it('gives up on a file that is not an MP4', async () => {
    const path = join(dir, 'not.mp4');
    await run(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=d=0.5', path.replace('.mp4', '.wav')]);
    assert.equal(await readMp4Movie(path.replace('.mp4', '.wav')), undefined);
  });
});
