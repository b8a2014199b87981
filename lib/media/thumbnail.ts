import { ffmpeg, runFfmpeg } from './ffmpeg.js';

/**
 * Writes one frame of `videoPath`, `atSeconds` in, as a JPEG at `thumbnailPath` (ffmpeg's `-q:v 3`,
 * the frame's own size). Seeking decodes every frame since the last keyframe, so early is cheap.
 * Rejects when ffmpeg fails or `signal` aborts.
 */
export async function extractThumbnail(videoPath: string, thumbnailPath: string, atSeconds: number, signal?: AbortSignal): Promise<void> {
  const command = ffmpeg()
    .input(videoPath)
    .inputOptions(['-ss', Math.max(0, atSeconds).toFixed(3)])
    .outputOptions(['-frames:v', '1', '-q:v', '3'])
    .output(thumbnailPath);
  await runFfmpeg(command, signal ? { signal } : {});
}
