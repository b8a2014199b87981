import type { Sql } from '../db/client.js';
import type { Config } from '../lib/config.js';
import type { Logger } from '../lib/logger.js';
import type { Providers } from '../providers/index.js';

/** Everything an activity may touch, injected so tests and the worker wire the same code to real services. */
export interface ActivityDeps {
  sql: Sql;
  config: Config;
  logger: Logger;
  providers: Providers;
  workerIdentity: string;
}
