import { writeAtomically } from '../../lib/atomic-write.js';
import type { Config } from '../../lib/config.js';
import { CLIP_FORMAT } from '../../lib/media/clip-format.js';
import { configureFfmpeg, ffmpeg, probe, runFfmpeg } from '../../lib/media/ffmpeg.js';
import type { VideoDubber } from '../ports.js';
import { ProviderError } from '../provider-error.js';

/** What the local dubber reports as its model: no lips move. */
export const LOCAL_DUB_MODEL = 'local/ffmpeg-voiceover';

/** Video codecs an mp4 carries as they are: the picture is stream-copied, never re-encoded. */
const COPYABLE_VIDEO = new Set(['h264', 'hevc']);

/** The video options: a copy where the codec allows (HEVC tagged hvc1, as Apple players need), else H.264 at even sides. */
function videoOptions(codec: string): string[] {
  if (COPYABLE_VIDEO.has(codec)) return ['-c:v', 'copy', ...(codec === 'hevc' ? ['-tag:v', 'hvc1'] : [])];
  return ['-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p'];
}

/**
 * The offline dubber: ffmpeg lays the voice-over on the video — the picture unchanged (copied when
 * its codec fits an mp4, else re-encoded as H.264), the source's own audio dropped, the voice-over
 * as the one AAC track, cut at the video's length or padded with silence up to it (apad + -t), so
 * the dub is exactly as long as its source. Written through a temporary file: a failure or a
 * cancel (the signal's reason, once ffmpeg has exited) leaves nothing at outputPath. The same
 * inputs give the same bytes (so the library keeps a repeated dub once).
 */
export function createLocalVideoDubber(config: Pick<Config, 'FFMPEG_PATH' | 'FFPROBE_PATH'>): VideoDubber {
  configureFfmpeg(config);
  return {
    name: 'local',
    async dub(request, progress) {
      const source = await probe(request.videoPath).catch((error: unknown) => {
        throw new ProviderError('DUB_SOURCE_UNREADABLE', `the source video cannot be read: ${(error as Error).message}`, { retryable: false });
      });
      if (!source.video) throw new ProviderError('DUB_SOURCE_NO_VIDEO', 'the source video has no video stream', { retryable: false });
      const seconds = request.durationSeconds.toFixed(3);
      await writeAtomically(request.outputPath, async (temp) => {
        const command = ffmpeg()
          .input(request.videoPath)
          .input(request.audioPath)
          .outputOptions([
            '-map', '0:v:0', '-map', '1:a:0',
            ...videoOptions(source.video!.codec),
            '-af', 'apad',
            '-c:a', 'aac', '-b:a', CLIP_FORMAT.audioBitrate, '-ar', String(CLIP_FORMAT.sampleRate), '-ac', String(CLIP_FORMAT.channels),
            '-t', seconds,
            '-map_metadata', '-1', '-fflags', '+bitexact', '-movflags', '+faststart',
            // The temporary name has no .mp4 to guess the container from.
            '-f', 'mp4',
          ])
          .output(temp);
        await runFfmpeg(command, {
          signal: progress.signal,
          durationSeconds: request.durationSeconds,
          onProgress: ({ fraction }) => {
            progress.heartbeat({ dubber: 'local', fraction });
            if (fraction !== undefined) progress.report(fraction);
          },
        });
      });
      progress.report(1);
      return { model: LOCAL_DUB_MODEL };
    },
  };
}
