import type { Worker } from '@temporalio/worker';

/**
 * Runs workers of one process until all have stopped: when one stops (a shutdown signal stops them
 * all; a fatal error stops one), the others are shut down too, so the process never keeps polling
 * half of its queues. Rejects with the first worker's error, after every worker has stopped.
 */
export async function runTogether(workers: readonly Worker[]): Promise<void> {
  const stopOthers = () => {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  const runs = workers.map((worker) => worker.run().finally(stopOthers));
  const results = await Promise.allSettled(runs);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}
