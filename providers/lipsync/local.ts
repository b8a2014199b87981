import { rm } from 'node:fs/promises';
import type { Config } from '../../lib/config.js';
import { CLIP_FORMAT, chordSource, clipOutputOptions } from '../../lib/media/clip-format.js';
import { configureFfmpeg, ffmpeg, runFfmpeg } from '../../lib/media/ffmpeg.js';
import { fittingFontSize, renderTextImage } from '../../lib/media/text-image.js';
import type { LipsyncGenerator, SubmissionAnswers } from '../ports.js';

/**
 * The offline lip-sync adapter: no lips move. It renders the portrait into a real portrait clip
 * (slow zoom, a caption from the form's answers, a soft chord) in the format the brand clips use,
 * so stitching can stream-copy it. Same inputs, same bytes.
 */

export const LOCAL_CLIP_SECONDS = 5;

const MAX_ANSWER_LENGTH = 24;

/** "Smile · Dating · Romance" from the answers that describe the person's wish. */
export function captionFor(answers: SubmissionAnswers): string {
  return [answers.attribute_love, answers.relationship_status, answers.vibe]
    .map((answer) => answer.replace(/\s+/g, ' ').trim())
    .filter((answer) => answer.length > 0)
    .map((answer) => (answer.length > MAX_ANSWER_LENGTH ? `${answer.slice(0, MAX_ANSWER_LENGTH - 1)}…` : answer))
    .join(' · ');
}

function motionFilter(): string {
  const { width, height, fps } = CLIP_FORMAT;
  const frames = LOCAL_CLIP_SECONDS * fps;
  // Zoom on a 2× canvas so the sub-pixel crop steps stay smooth; drift towards the upper third (faces).
  return (
    `[0:v]scale=${width * 2}:${height * 2}:force_original_aspect_ratio=increase,crop=${width * 2}:${height * 2},setsar=1,` +
    `zoompan=z='1+0.08*on/${frames - 1}':x='(iw-iw/zoom)/2':y='(ih-ih/zoom)*0.4':d=${frames}:s=${width}x${height}:fps=${fps}[portrait];` +
    // The caption is one still frame that overlay repeats: decoded once, not per frame.
    `[portrait][1:v]overlay=format=auto,format=yuv420p[video]`
  );
}

export function createLocalLipsyncGenerator(config: Pick<Config, 'FFMPEG_PATH' | 'FFPROBE_PATH'>): LipsyncGenerator {
  configureFfmpeg(config);
  return {
    name: 'local',
    async generate(input, progress) {
      const { width, height } = CLIP_FORMAT;
      const caption = captionFor(input.answers);
      const captionPath = `${input.outputPath}.caption.png`;
      try {
        await renderTextImage(
          {
            width,
            height,
            shadeFromY: height - 300,
            lines: [{ text: caption, y: height - 120, fontSize: fittingFontSize(caption, width - 80, 44) }],
          },
          captionPath,
        );
        const command = ffmpeg()
          .input(input.portraitPath)
          .input(captionPath)
          .input(chordSource([220, 277.18, 329.63], LOCAL_CLIP_SECONDS, 0.12))
          .inputOptions(['-f', 'lavfi'])
          .complexFilter(motionFilter())
          .outputOptions(['-map', '[video]', '-map', '2:a', '-t', String(LOCAL_CLIP_SECONDS), ...clipOutputOptions()])
          .output(input.outputPath);
        await runFfmpeg(command, {
          signal: progress.signal,
          durationSeconds: LOCAL_CLIP_SECONDS,
          onProgress: ({ fraction }) => {
            progress.heartbeat({ generator: 'local', fraction });
            if (fraction !== undefined) progress.report(fraction);
          },
        });
        return {};
      } finally {
        await rm(captionPath, { force: true });
      }
    },
  };
}
