import { createJobStore } from '../../db/jobs/store.js';
import type { ActivityDeps } from '../deps.js';
import { createDubbingFinishActivities } from './finish.activities.js';
import { createDubbingLipsyncActivities } from './lipsync.activities.js';
import { createDubbingSpeechActivities } from './speech.activities.js';

/** The dubbing pipeline's activities, wired to the worker's dependencies. */
export function createDubbingActivities({ sql, config, providers }: ActivityDeps) {
  const store = createJobStore(sql);
  const { storage } = providers;
  return {
    ...createDubbingSpeechActivities({ storage, speech: providers.speech, usdPerMillionCharacters: config.TTS_USD_PER_MILLION_CHARACTERS }),
    ...createDubbingLipsyncActivities({ storage, dubber: providers.dubber, store, usdPerPredictionSecond: config.PREDICTION_USD_PER_SECOND }),
    ...createDubbingFinishActivities({ sql, store, storage }),
  };
}

export type DubbingActivities = ReturnType<typeof createDubbingActivities>;
