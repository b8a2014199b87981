import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { failureOf } from './failure.js';

const failedActivity = (cause: Error) => new ActivityFailure('activity failed', 'stitchVideo', '11', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'worker', cause);

describe('failureOf', () => {
  it('records a provider code as the job’s last_error_code', () => {
    assert.deepEqual(failureOf(failedActivity(ApplicationFailure.nonRetryable('model retired', 'GROQ_400'))), { code: 'GROQ_400', message: 'model retired' });
  });

  it('records a plain JS error from an activity as UNEXPECTED_ERROR, not as its class name', () => {
    for (const type of ['Error', 'TypeError']) {
      assert.equal(failureOf(failedActivity(ApplicationFailure.create({ message: 'boom', type }))).code, 'UNEXPECTED_ERROR');
    }
  });

  it('names timeouts', () => {
    assert.equal(failureOf(failedActivity(new TimeoutFailure('timed out', undefined, TimeoutType.START_TO_CLOSE))).code, 'ACTIVITY_TIMEOUT');
  });
});
