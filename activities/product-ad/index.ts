import { createJobStore } from '../../db/jobs/store.js';
import type { ActivityDeps } from '../deps.js';
import { createProductAdMediaActivities } from './media.activities.js';
import { createScriptActivities } from './script.activities.js';

/** The product-ad pipeline's activities (video_gen uses the generation pipeline's generateVideo). */
export function createProductAdActivities({ sql, config, providers }: ActivityDeps) {
  const store = createJobStore(sql);
  return {
    ...createScriptActivities({ sql, store, writer: providers.textWriter, usdPerMillionTokens: { input: config.LLM_USD_PER_MILLION_INPUT_TOKENS, output: config.LLM_USD_PER_MILLION_OUTPUT_TOKENS } }),
    ...createProductAdMediaActivities({ storage: providers.storage, speech: providers.speech, store, usdPerMillionCharacters: config.TTS_USD_PER_MILLION_CHARACTERS }),
  };
}

export type ProductAdActivities = ReturnType<typeof createProductAdActivities>;
