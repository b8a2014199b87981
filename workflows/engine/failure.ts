import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';

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
