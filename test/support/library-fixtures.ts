import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Small real videos for the video library's tests, made by ffmpeg from lavfi sources (each a few
 * seconds, at most about 1 MB). What each one is, is part of its contract: tests assert on it.
 */

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

const ffmpeg = (args: string[]) => run(FFMPEG, ['-v', 'error', '-y', ...args]);

/**
 * A phone-style clip: H.264 stored 1920x1080 with a display matrix that turns it a quarter turn
 * counterclockwise (ffprobe `rotation=90`; clockwise 270, shown 1080x1920), variable frame rate
 * (30 fps with 3 of every 10 frames dropped: about 21.7 fps on average), AAC audio; 3 s.
 */
export async function makePhoneMp4(path: string): Promise<void> {
  const upright = `${path}.upright.mp4`;
  await ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30:duration=3',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=3',
    '-vf', "select='lt(mod(n\\,10)\\,7)'", '-fps_mode', 'vfr',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '40', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '48k', '-shortest', upright,
  ]);
  try {
    // FFmpeg 6+ sets the matrix with -display_rotation (counterclockwise degrees); 5.x only through
    // the `rotate` tag, which its muxer writes as the same counterclockwise matrix on stream copy.
    await ffmpeg(['-display_rotation', '90', '-i', upright, '-c', 'copy', path]).catch(() =>
      ffmpeg(['-i', upright, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', path]),
    );
  } finally {
    await rm(upright, { force: true });
  }
}

/** WebM: VP8 640x360 at 25 fps with Opus audio; 2 s. */
export async function makeWebm(path: string): Promise<void> {
  await ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=2',
    '-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000:duration=2',
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-c:a', 'libopus', '-b:a', '48k', '-f', 'webm', path,
  ]);
}

/** QuickTime (`ftyp` major brand `qt  `): H.264 640x480 at 24 fps with AAC audio; 2 s. */
export async function makeMov(path: string): Promise<void> {
  await ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=24:duration=2',
    '-f', 'lavfi', '-i', 'sine=frequency=550:sample_rate=48000:duration=2',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-f', 'mov', path,
  ]);
}

/** Audio only: a 440 Hz tone, AAC in an MP4 (.m4a) container; 2 s. */
export async function makeTone(path: string): Promise<void> {
  await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=2', '-c:a', 'aac', '-b:a', '64k', '-f', 'mp4', path]);
}

export interface LibraryFixtures {
  phoneMp4: string;
  webm: string;
  mov: string;
  tone: string;
}

/** Every fixture in `dir`: phone.mp4, clip.webm, clip.mov, tone.m4a. */
export async function makeLibraryFixtures(dir: string): Promise<LibraryFixtures> {
  const fixtures = { phoneMp4: join(dir, 'phone.mp4'), webm: join(dir, 'clip.webm'), mov: join(dir, 'clip.mov'), tone: join(dir, 'tone.m4a') };
  await Promise.all([makePhoneMp4(fixtures.phoneMp4), makeWebm(fixtures.webm), makeMov(fixtures.mov), makeTone(fixtures.tone)]);
  return fixtures;
}
