import { createPhotoValidator } from '../../providers/photo-validation/create-photo-validator.js';
import { createStorage } from '../../providers/storage/create-storage.js';
import type { Config } from '../../lib/config.js';
import type { AppDeps } from './types.js';

/** The API's dependencies, with the providers configuration names; the process owns the connections it passes in. */
export function createAppDeps(config: Config, core: Pick<AppDeps, 'logger' | 'sql' | 'temporal'>): AppDeps {
  return { config, ...core, storage: createStorage(config), photoValidator: createPhotoValidator(config) };
}
