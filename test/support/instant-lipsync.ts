import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../lib/config.js';
import { createLocalLipsyncGenerator } from '../../providers/lipsync/local.js';
import type { LipsyncGenerator } from '../../providers/ports.js';

let rendered: Promise<string> | undefined;

/**
 * The local lip-sync generator for tests where rendering is not what is tested: the first call in a
 * test process renders a real clip with ffmpeg (the local adapter), every later one copies it —
 * a real, playable H.264/AAC clip in milliseconds instead of seconds.
 */
export function instantLipsync(config: Config): LipsyncGenerator {
  const local = createLocalLipsyncGenerator(config);
  return {
    name: 'local',
    async generate(input, progress) {
      rendered ??= (async () => {
        const dir = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'instant-lipsync-'));
        const path = join(dir, 'clip.mp4');
        await local.generate({ ...input, outputPath: path }, progress);
        return path;
      })();
      rendered.catch(() => (rendered = undefined));
      await copyFile(await rendered, input.outputPath);
      progress.report(1);
      return {};
    },
  };
}
