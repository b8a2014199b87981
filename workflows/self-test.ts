import { proxyActivities } from '@temporalio/workflow';
import type { SelfTestActivities, SelfTestRecord } from '../activities/self-test.js';

const { recordSelfTest } = proxyActivities<SelfTestActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5 },
});

/** Proves the whole path: whoever started this reaches Temporal, a worker runs the activity, PostgreSQL keeps the row. */
export async function selfTestWorkflow(request: { id: string; requestedAt: string }): Promise<SelfTestRecord> {
  return recordSelfTest(request);
}
