import { createJobStore } from '../../db/jobs/store.js';
import type { ActivityDeps } from '../deps.js';
import { createMvMediaActivities } from './media.activities.js';
import { createMvSceneActivities } from './scenes.activities.js';

/** The MV pipeline's activities: scene plans (TextWriter), character references (ImageGenerator), scene clips (VideoGenerator). */
export function createMvActivities({ sql, config, providers }: ActivityDeps) {
  return {
    ...createMvSceneActivities({ writer: providers.textWriter, usdPerMillionTokens: { input: config.LLM_USD_PER_MILLION_INPUT_TOKENS, output: config.LLM_USD_PER_MILLION_OUTPUT_TOKENS } }),
    ...createMvMediaActivities({ storage: providers.storage, images: providers.imageGenerator, videos: providers.videoGenerator, store: createJobStore(sql) }),
  };
}

export type MvActivities = ReturnType<typeof createMvActivities>;
