import { resolve } from 'node:path';
import type { Flavor } from '../../lib/mv/flavor-schema.js';
import { FlavorBrokenError, FlavorNotFoundError, SHIPPED_FLAVORS_DIR, createFlavorCatalog, type FlavorCatalog } from '../../lib/mv/flavors.js';
import type { Config } from '../../lib/config.js';
import { ApiError } from '../lib/errors.js';

/** The repository's root: config/mv (the shipped flavors) is below it. */
const REPO_ROOT = resolve(SHIPPED_FLAVORS_DIR, '../..');

/**
 * MV_CONFIG_DIR as a folder: an absolute path as given, a relative one against the repository's
 * root (not the working directory), so the default `config/mv` is the shipped flavors wherever
 * the process was started from.
 */
export const flavorsDir = (config: Pick<Config, 'MV_CONFIG_DIR'>) => resolve(REPO_ROOT, config.MV_CONFIG_DIR);

// One catalog per folder and process: it keeps parsed files until they change.
const catalogs = new Map<string, FlavorCatalog>();

export function flavorCatalog(config: Pick<Config, 'MV_CONFIG_DIR'>): FlavorCatalog {
  const dir = flavorsDir(config);
  let catalog = catalogs.get(dir);
  if (!catalog) catalogs.set(dir, (catalog = createFlavorCatalog(dir)));
  return catalog;
}

/**
 * The flavor a request names (`config_flavor`; the default one when absent or empty), read afresh.
 * Throws ApiError 404 FlavorNotFound listing the flavors that load, or 422 FlavorBroken naming the
 * file and the reason.
 */
export async function requestedFlavor(config: Pick<Config, 'MV_CONFIG_DIR'>, name: string | undefined): Promise<Flavor> {
  try {
    return await flavorCatalog(config).get(name || undefined);
  } catch (error) {
    if (error instanceof FlavorNotFoundError) throw new ApiError(404, 'FlavorNotFound', error.message, { config_flavor: error.flavor, known_flavors: error.known });
    if (error instanceof FlavorBrokenError) throw new ApiError(422, 'FlavorBroken', error.message, { config_flavor: error.flavor, file: error.file, reason: error.reason });
    throw error;
  }
}
