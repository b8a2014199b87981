import proto from '@temporalio/proto';
import type { AppDeps } from '../lib/types.js';

export type Check = { status: 'up' | 'down' | 'unknown'; latency_ms?: number; reason?: string };

const CHECK_TIMEOUT_MS = 2000;
/** A live worker re-polls at least every minute (long polls last 60 s). */
const POLLER_FRESHNESS_MS = 70_000;

async function timed(check: () => Promise<Check | void>): Promise<Check> {
  const started = performance.now();
  try {
    const result = await Promise.race([
      check(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref()),
    ]);
    return { ...(result ?? { status: 'up' }), latency_ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { status: 'down', reason: (error as Error).message.split('\n')[0] ?? 'unknown error' };
  }
}

export async function checkReadiness(deps: AppDeps) {
  const { connection } = deps.temporal;
  const [postgres, temporalServer] = await Promise.all([
    timed(async () => void (await deps.sql`select 1`)),
    // Under a deadline: the client would otherwise retry an unreachable server for about a minute after the answer.
    timed(async () => void (await connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => connection.workflowService.getSystemInfo({})))),
  ]);
  const worker: Check =
    temporalServer.status !== 'up'
      ? { status: 'unknown', reason: 'Temporal is down' }
      : await timed(async () => {
          const { pollers } = await connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () =>
            connection.workflowService.describeTaskQueue({
              namespace: deps.config.TEMPORAL_NAMESPACE,
              taskQueue: { name: deps.config.TEMPORAL_TASK_QUEUE },
              taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            }),
          );
          const freshest = Math.max(0, ...(pollers ?? []).map((poller) => Number(poller.lastAccessTime?.seconds ?? 0) * 1000));
          return Date.now() - freshest < POLLER_FRESHNESS_MS
            ? { status: 'up' }
            : { status: 'down', reason: `no worker has polled task queue ${deps.config.TEMPORAL_TASK_QUEUE} in the last ${POLLER_FRESHNESS_MS / 1000}s` };
        });
  return { postgres, temporal: temporalServer, worker };
}
