/**
 * The engine's job model as the store reads and writes it. Shapes only: workflows import these
 * types (through workflows/engine/contract.ts), so nothing here may do I/O.
 */

/** A job as its workflows name it: the numeric id and the random key minted with it. */
export interface JobRef {
  id: number;
  key: string;
}

/**
 * The workflow run asking to write a job: its workflow id and run chain
 * (`workflowInfo().originalExecutionRunId`, which a reset keeps).
 */
export interface JobWriter {
  workflowId: string;
  originRunId: string;
  runId: string;
  /**
   * This write's number among the run's job writes (1, 2, … in the order the workflow issued
   * them; workflows/engine/kit.ts). Given, the store drops the write when the run already applied
   * a later one. Omitted (an activity writing on its own) it is not ordered.
   */
  writeSeq?: number;
}

export interface JobAsset {
  kind: string;
  key: string;
}

/** A status or stage change. `status` omitted keeps the current one (a stage entered mid-status). */
export interface StageChange {
  status?: string;
  stage?: string | null;
  detail?: Record<string, unknown>;
  assets?: JobAsset[];
  /** Added to the job's running cost, in US dollars. */
  costUsd?: number;
  /** The job gives up its concurrency slot (e.g. Close-Up at `uploaded`). */
  releaseSlot?: boolean;
  /**
   * A change within this stage: dropped whole when the job is in another one. That is a record
   * re-run after the job moved past it: a reset to a stage's entry also re-runs the previous
   * stage's last status, written in the same workflow task (workflows/engine/kit.ts advance).
   */
  withinStage?: string;
}

export interface ProgressStep {
  stage: string;
  /** 0–1 within the stage; a value not above the stage's current one is dropped. */
  progress: number;
  detail?: Record<string, unknown>;
}

export interface FailureRecord {
  stage: string;
  code: string;
  message: string;
}

export interface NewJob {
  /** From reserveJob when the caller needs the id before the job exists (e.g. for storage keys). */
  id?: number;
  key?: string;
  pipeline: string;
  owner: string | null;
  status: string;
  stage?: string | null;
  workflowId: string;
  originRunId?: string | null;
  runId?: string | null;
  /** At most one job per key holds its slot at a time (a unique index enforces it). */
  concurrencyKey?: string | null;
  detail?: Record<string, unknown>;
  assets?: JobAsset[];
}

export type EventKind = 'status' | 'progress';

export interface JobEvent {
  jobId: number;
  seq: number;
  kind: EventKind;
  status: string;
  stage: string | null;
  progress: number | null;
  detail: Record<string, unknown> | null;
  createdAt: Date;
}

export interface JobRow {
  id: number;
  key: string;
  pipeline: string;
  owner: string | null;
  status: string;
  stage: string | null;
  progress: number;
  failedStage: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  retryCount: number;
  costUsd: number;
  workflowId: string;
  originRunId: string | null;
  runId: string | null;
  childWorkflowIds: string[];
  failedWorkflowId: string | null;
  concurrencyKey: string | null;
  holdsSlot: boolean;
  eventSeq: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Error codes the store's refusals carry; activities fail non-retryably with them. */
export const JOB_STORE_ERRORS = {
  foreignWrite: 'JOB_FOREIGN_WRITE',
} as const;
