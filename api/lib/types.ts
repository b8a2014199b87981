import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { Config } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import type { Sql } from '../../db/client.js';
import type { PhotoValidator, Storage } from '../../providers/ports.js';
import type { JobStore } from '../../db/jobs/store.js';
import type { PipelineDefinition } from '../../pipelines/types.js';
import type { JobEventHub } from '../jobs/event-hub.js';
import type { ApiMetrics } from '../metrics/registry.js';
import type { SignedInUser } from '../../lib/auth/supabase-token.js';

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
  /** This app's Prometheus series (GET /metrics), in a registry of its own. */
  metrics: ApiMetrics;
  /** Checks a signed-in user's access token (api/lib/require-user.ts); one JWKS cache per process. */
  verifyUser: (token: string | undefined) => Promise<SignedInUser>;
  /** Every pipeline the app serves (pipelines/index.ts; tests add throwaway ones). */
  pipelines: readonly PipelineDefinition[];
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    requestId: string;
    logger: Logger;
    /** The signed-in user: set by requireUser on the routes that use it, absent elsewhere. */
    user: SignedInUser;
  };
}

export type AppOpenAPI = OpenAPIHono<AppEnv>;
