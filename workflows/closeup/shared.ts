import { ActivityFailure, ApplicationFailure, TimeoutFailure, upsertSearchAttributes, type ActivityOptions } from '@temporalio/workflow';
import { searchAttributes } from '../search-attributes.js';
import type { JobStatus, Stage } from './contract.js';

/** Read-model writes: quick, and retried until PostgreSQL is back. */
export const jobActivityOptions: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
};

export const stageActivityId = (status: JobStatus) => `status:${status}`;

/** Keeps the Web UI's filters current: status always, stage when it changes. */
export function trackStatus(status: JobStatus, stage?: Stage | 'delivery'): void {
  const currentStage = stage ?? (status === 'failed' ? undefined : status);
  upsertSearchAttributes([
    { key: searchAttributes.status, value: status },
    ...(currentStage ? [{ key: searchAttributes.stage, value: currentStage }] : []),
  ]);
}

const JS_ERROR_NAMES = new Set(['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'AggregateError']);

/** The code and message recorded on a failed job: the provider's code when an activity failed with one. */
export function failureOf(error: unknown): { code: string; message: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    // An activity that threw a plain JS error (not a ProviderError) arrives typed by its class name.
    const code = cause.type && !JS_ERROR_NAMES.has(cause.type) ? cause.type : 'UNEXPECTED_ERROR';
    return { code, message: cause.message };
  }
  if (cause instanceof TimeoutFailure) return { code: 'ACTIVITY_TIMEOUT', message: cause.message };
  return { code: 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) };
}
