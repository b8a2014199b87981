import { createPhotoValidator } from '../../providers/photo-validation/create-photo-validator.js';
import { createStorage } from '../../providers/storage/create-storage.js';
import { createJobStore } from '../../db/jobs/store.js';
import type { Config } from '../../lib/config.js';
import { PIPELINES } from '../../pipelines/index.js';
import { createJobEventHub } from '../jobs/event-hub.js';
import { createApiMetrics } from '../metrics/registry.js';
import { userTokenVerifier } from './require-user.js';
import type { AppDeps } from './types.js';

/**
 * The API's dependencies, with the providers configuration names; the process owns the
 * connections it passes in (and closes the hub's LISTEN with `deps.hub.close()`).
 */
export function createAppDeps(
  config: Config,
  core: Pick<AppDeps, 'logger' | 'sql' | 'temporal'> & Partial<Pick<AppDeps, 'storage' | 'photoValidator' | 'pipelines' | 'verifyUser'>>,
): AppDeps {
  return {
    config,
    storage: createStorage(config),
    photoValidator: createPhotoValidator(config),
    pipelines: PIPELINES,
    verifyUser: userTokenVerifier(config),
    ...core,
    store: createJobStore(core.sql),
    hub: createJobEventHub(core.sql, core.logger),
    metrics: createApiMetrics(),
  };
}
