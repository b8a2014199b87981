import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import type { Sql } from '../../db/client.js';
import type { PhotoValidator, Storage } from '../../providers/ports.js';
import type { JobStore } from '../../db/jobs/store.js';
import type { PipelineDefinition } from '../../pipelines/types.js';
import type { JobEventHub } from '../jobs/event-hub.js';

/** What the API's handlers are given; built once by api/main.ts (or a test). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  sql: Sql;
  temporal: Client;
  storage: Storage;
  photoValidator: PhotoValidator;
  /** The one writer of the job read model (submissions, admin retry and cancel). */
  store: JobStore;
  /** This process's one LISTEN on job events, fanned out by job id. */
  hub: JobEventHub;
  /** Every pipeline the app serves (pipelines/index.ts; tests add throwaway ones). */
  pipelines: readonly PipelineDefinition[];
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    requestId: string;
    logger: Logger;
  };
}

export type AppOpenAPI = OpenAPIHono<AppEnv>;
