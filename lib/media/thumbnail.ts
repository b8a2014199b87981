import { SQUARE_PIXELS } from './display.js';
import { ffmpeg, runFfmpeg } from './ffmpeg.js';

/**
 * Writes one frame of `videoPath`, `atSeconds` in, as a JPEG at `thumbnailPath` (ffmpeg's `-q:v 3`)
 * as a player shows it: turned by the display matrix, in square pixels at the displayed size
 * (image viewers ignore a JPEG's pixel shape). Seeking decodes every frame since the last
 * keyframe, so early is cheap. Rejects when ffmpeg fails or `signal` aborts.
 */
export async function extractThumbnail(videoPath: string, thumbnailPath: string, atSeconds: number, signal?: AbortSignal): Promise<void> {
  const command = ffmpeg()
    .input(videoPath)
    .inputOptions(['-ss', Math.max(0, atSeconds).toFixed(3)])
    .outputOptions(['-vf', SQUARE_PIXELS, '-frames:v', '1', '-q:v', '3'])
    .output(thumbnailPath);
  await runFfmpeg(command, signal ? { signal } : {});
}
