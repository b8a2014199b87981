import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/** Test media made by real ffmpeg from lavfi sources, and what tests ask of ffmpeg processes. */

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

export interface ClipSpec {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  /** mp4 video track timescale, i.e. the time base 1/timescale; ffmpeg's default when absent. */
  timescale?: number;
  /** Omit the audio track. */
  silent?: boolean;
  /** Full-frame noise at lossless quality: a few seconds make tens of megabytes. */
  noise?: boolean;
  /** Extra output options (e.g. to match the CLIP_FORMAT encoder settings). */
  outputOptions?: string[];
}

export async function makeClip(path: string, spec: ClipSpec): Promise<void> {
  const size = `${spec.width}x${spec.height}`;
  const video = spec.noise
    ? `color=c=gray:s=${size}:r=${spec.fps}:d=${spec.seconds},noise=alls=100:allf=t+u`
    : `testsrc2=s=${size}:r=${spec.fps}:d=${spec.seconds}`;
  const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', video];
  if (!spec.silent) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${spec.seconds}`);
  args.push(...(spec.outputOptions ?? ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...(spec.noise ? ['-qp', '0'] : []), '-c:a', 'aac']));
  if (spec.timescale) args.push('-video_track_timescale', String(spec.timescale));
  args.push('-t', String(spec.seconds), path);
  await run(FFMPEG, args);
}

/** Decodes every frame; resolves to ffmpeg's error output (empty for a clean file). */
export async function decodeErrors(path: string): Promise<string> {
  const { stderr } = await run(FFMPEG, ['-v', 'error', '-i', path, '-f', 'null', '-']);
  return stderr.trim();
}

/** ffmpeg processes whose parent is this process, running or not yet reaped. */
export async function ffmpegChildren(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid …"; comm may contain spaces, so split after the last ')'.
    const match = /^\d+ \((.*)\) \S (\d+)/s.exec(stat);
    if (match?.[1] === 'ffmpeg' && Number(match[2]) === process.pid) pids.push(Number(entry));
  }
  return pids;
}
