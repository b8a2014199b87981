import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { VideoMetadata } from '../../db/library/videos.js';

const run = promisify(execFile);

const number = z.preprocess((value) => (value === undefined || value === '' || value === 'N/A' ? undefined : Number(value)), z.number().finite().optional());

const ProbeSchema = z.object({
  streams: z.array(
    z.object({
      codec_type: z.string(),
      codec_name: z.string().optional(),
      width: number,
      height: number,
      avg_frame_rate: z.string().optional(),
      side_data_list: z.array(z.object({ rotation: number })).optional(),
    }),
  ),
  format: z.object({ duration: number, bit_rate: number, format_name: z.string().optional() }),
});

/** "30000/1001" → 29.97 (two decimals); 0 when unreadable. */
function framesPerSecond(rational: string | undefined): number {
  const [numerator, denominator] = (rational ?? '').split('/').map(Number);
  return numerator && denominator ? Math.round((numerator / denominator) * 100) / 100 : 0;
}

/**
 * A finished dub's library metadata (db/library/videos.ts VideoMetadata) and length, from
 * ffprobe's JSON. ffprobe gives the display matrix's rotation counterclockwise; the library keeps
 * it clockwise, and `resolution` as displayed. Rejects when ffprobe cannot read the file or it has
 * no video stream.
 */
export async function probeVideoMetadata(path: string, ffprobePath = 'ffprobe'): Promise<{ metadata: VideoMetadata; durationSeconds: number }> {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', path], { maxBuffer: 16 * 1024 * 1024 });
  const { streams, format } = ProbeSchema.parse(JSON.parse(stdout));
  const video = streams.find((stream) => stream.codec_type === 'video' && stream.width && stream.height);
  if (!video?.width || !video.height) throw new Error('no video stream');
  const audio = streams.find((stream) => stream.codec_type === 'audio');
  const counterclockwise = video.side_data_list?.find((data) => data.rotation !== undefined)?.rotation ?? 0;
  const rotation = (((-Math.round(counterclockwise / 90) * 90) % 360) + 360) % 360;
  const [shownWidth, shownHeight] = rotation % 180 === 0 ? [video.width, video.height] : [video.height, video.width];
  return {
    metadata: {
      resolution: `${shownWidth}x${shownHeight}`,
      width: shownWidth,
      height: shownHeight,
      fps: framesPerSecond(video.avg_frame_rate),
      codec: video.codec_name ?? 'unknown',
      bitrate: format.bit_rate === undefined ? null : Math.round(format.bit_rate),
      has_audio: audio !== undefined,
      audio_codec: audio?.codec_name ?? null,
      rotation,
      container: format.format_name ?? 'unknown',
    },
    durationSeconds: format.duration ?? 0,
  };
}
