/**
 * The one format of every clip reelflow renders itself (local lip-sync, default brand clips).
 * Identical encoder settings give identical stream parameters and H.264 extradata, so these clips
 * concatenate by stream copy; the portrait size matches the normalised selfie.
 */
export const CLIP_FORMAT = {
  width: 720,
  height: 1280,
  fps: 30,
  /** mp4 track timescale: pinned so every clip has the same time base (1/15360). */
  timescale: 15360,
  sampleRate: 48000,
  channels: 2,
  audioBitrate: '128k',
} as const;

/** Output options for a clip in CLIP_FORMAT; deterministic (no timestamps or version strings in the file). */
export function clipOutputOptions(): string[] {
  return [
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '21', '-profile:v', 'high', '-level:v', '4.0',
    '-pix_fmt', 'yuv420p', '-r', String(CLIP_FORMAT.fps), '-video_track_timescale', String(CLIP_FORMAT.timescale),
    '-c:a', 'aac', '-b:a', CLIP_FORMAT.audioBitrate, '-ar', String(CLIP_FORMAT.sampleRate), '-ac', String(CLIP_FORMAT.channels),
    '-map_metadata', '-1', '-fflags', '+bitexact', '-movflags', '+faststart',
  ];
}

/**
 * A soft sustained chord as an aevalsrc source (stereo, CLIP_FORMAT's rate), faded in and out:
 * a background bed that is the same every time.
 */
export function chordSource(frequencies: readonly number[], seconds: number, volume: number): string {
  const tones = frequencies.map((hz) => `sin(2*PI*${hz}*t)`).join('+');
  const expression = `${(volume / frequencies.length).toFixed(4)}*(${tones})`;
  const fadeOut = Math.max(0, seconds - 1);
  return (
    `aevalsrc=exprs=${expression}|${expression}:channel_layout=stereo:sample_rate=${CLIP_FORMAT.sampleRate}:duration=${seconds},` +
    `afade=t=in:d=0.5,afade=t=out:st=${fadeOut}:d=${Math.min(1, seconds)}`
  );
}
