/**
 * What every pipeline shares with the engine: the job's identity in workflow inputs, the codes the
 * engine records, and the knobs a caller may tune. Workflow-safe (types and constants only).
 */
import { JOB_STORE_ERRORS } from '../../db/jobs/types.js';

export type { JobRef, JobWriter, StageChange, ProgressStep, FailureRecord, JobAsset } from '../../db/jobs/types.js';

/** Every job's status when it failed or was cancelled; each pipeline's own statuses add to it. */
export const FAILED = 'failed';

/** Error codes the engine itself records (providers add their own, e.g. GROQ_400). */
export const ENGINE_ERROR_CODES = {
  cancelled: 'CANCELLED_BY_ADMIN',
  foreignWrite: JOB_STORE_ERRORS.foreignWrite,
} as const;

/**
 * Timing knobs a job's starter passes in its workflow input (from configuration): tests shorten
 * them so a killed worker's activity is retried in seconds rather than half a minute.
 */
export interface JobTuning {
  /** Heartbeat timeout of long-running stage activities (lip-sync, stitching, delivery), ms. */
  heartbeatTimeoutMs?: number;
}

export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;

/** Activity id of a stage's entry record: an admin retry resets the run to just before it. */
export const stageActivityId = (stage: string) => `stage:${stage}`;
