import type { Context } from 'hono';
import type { Tx } from '../db/client.js';
import type { JobRow } from '../db/jobs/types.js';
import type { ActivityDeps } from '../activities/deps.js';
import type { AppEnv, AppOpenAPI } from '../api/lib/types.js';

/**
 * One product's pipeline as the engine sees it: its workflows (exported by workflows/index.ts),
 * its activities, its routes and the few rules the generic parts need. Adding a pipeline is one of
 * these in pipelines/index.ts: the worker, the API, the admin endpoints and the event stream pick
 * it up from there.
 */
export interface PipelineDefinition {
  /** The `pipeline` column of its jobs and the ReelflowPipeline search attribute. */
  name: string;
  /** Workflow type names it runs (for the docs and a registry test). */
  workflows: readonly string[];
  /**
   * Loads its activity factory (a dynamic import, so the API process never loads activity code);
   * the worker builds the activities from its dependencies.
   */
  loadActivities?(): Promise<(deps: ActivityDeps) => object>;
  /** Its routes, mounted at the app's root. */
  router?: AppOpenAPI;
  /**
   * Whether the request may read this job and its event stream (admins always may). Close-Up
   * checks the tracking token; signed-in products will check the user.
   */
  canRead(c: Context<AppEnv>, job: JobRow): boolean | Promise<boolean>;
  /** Statuses after which nothing more happens besides `failed` (every pipeline's): event streams close after one. */
  terminalStatuses: readonly string[];
  /** The status an admin retry shows until the reset run writes its own. */
  retryStatus: string;
  /**
   * How the API records a cancel that no run answered (the run is terminated first): the status
   * the job ends in (default `failed`) and what must be undone with it, in the same transaction
   * (generation: the refund). A run that answers records its own.
   */
  cancellation?: { status: string; compensate?(tx: Tx, jobId: number): Promise<unknown> };
}
