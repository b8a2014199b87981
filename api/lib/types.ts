import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import type { Sql } from '../../db/client.js';
import type { PhotoValidator, Storage } from '../../providers/ports.js';

/** What the API's handlers are given; built once by api/main.ts (or a test). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  sql: Sql;
  temporal: Client;
  storage: Storage;
  photoValidator: PhotoValidator;
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    requestId: string;
    logger: Logger;
  };
}

export type AppOpenAPI = OpenAPIHono<AppEnv>;
