import { writeAtomically } from '../../lib/atomic-write.js';
import { CLIP_FORMAT } from '../../lib/media/clip-format.js';
import { ffmpeg, probe, runFfmpeg } from '../../lib/media/ffmpeg.js';

/**
 * Encodes spoken WAV segments, in order, into one AAC track in an .m4a at `outputPath`: 48 kHz
 * stereo at CLIP_FORMAT's bitrate, the audio of every clip reelflow renders, so stitching can lay
 * the voice-over under a clip without a second resample. Written through a temporary file: a
 * failure or an abort (the signal's reason is rethrown once ffmpeg has exited) leaves no file.
 * Returns the result's duration in seconds, as ffprobe reads it.
 */
export async function encodeVoiceover(wavPaths: readonly string[], outputPath: string, signal?: AbortSignal): Promise<{ durationSeconds: number }> {
  if (wavPaths.length === 0) throw new Error('encodeVoiceover needs at least one WAV segment');
  let durationSeconds = 0;
  await writeAtomically(outputPath, async (temp) => {
    const command = ffmpeg();
    for (const path of wavPaths) command.input(path);
    // Segments from one voice share a format, but the concat filter needs it pinned to be sure.
    const format = `aformat=sample_fmts=fltp:sample_rates=${CLIP_FORMAT.sampleRate}:channel_layouts=stereo`;
    const segments = wavPaths.map((_, index) => `[${index}:a]${format}[s${index}]`).join(';');
    const labels = wavPaths.map((_, index) => `[s${index}]`).join('');
    command
      .complexFilter(`${segments};${labels}concat=n=${wavPaths.length}:v=0:a=1[voice]`)
      .outputOptions([
        '-map', '[voice]',
        '-c:a', 'aac', '-b:a', CLIP_FORMAT.audioBitrate, '-ar', String(CLIP_FORMAT.sampleRate), '-ac', String(CLIP_FORMAT.channels),
        '-map_metadata', '-1', '-fflags', '+bitexact', '-movflags', '+faststart',
        // The temporary name has no .m4a to guess from; ipod is ffmpeg's m4a muxer.
        '-f', 'ipod',
      ])
      .output(temp);
    await runFfmpeg(command, signal ? { signal } : {});
    durationSeconds = (await probe(temp)).durationSeconds;
  });
  return { durationSeconds };
}
