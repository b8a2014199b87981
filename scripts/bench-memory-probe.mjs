// @ts-check
/**
 * Preloaded into a process a benchmark measures (`node --expose-gc --import tsx --import
 * ./scripts/bench-memory-probe.mjs <entry>`, spawned with an IPC channel). On the IPC message
 * `memory` it forces garbage collection in every thread, lets the heaps settle and answers with
 * process.memoryUsage() plus the heap used by its worker threads (the Temporal worker runs the
 * workflow sandboxes in one). Plain JavaScript because worker threads inherit `--import` but not
 * the tsx loader.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapStatistics } from 'node:v8';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

const channel = new BroadcastChannel('reelflow-bench-memory');
channel.unref();
const gc = /** @type {{ gc?: () => void }} */ (globalThis).gc;

if (isMainThread) {
  /** @type {Map<number, number>} heap used per worker thread */
  const threadHeaps = new Map();
  channel.onmessage = (event) => {
    const data = /** @type {MessageEvent<{ type: string; threadId: number; heapUsed: number }>} */ (event).data;
    if (data.type === 'heap') threadHeaps.set(data.threadId, data.heapUsed);
  };
  process.on('message', async (message) => {
    if (message !== 'memory') return;
    for (let round = 0; round < 3; round++) {
      gc?.();
      channel.postMessage({ type: 'collect' });
      await sleep(300);
    }
    const threadHeapUsed = [...threadHeaps.values()].reduce((sum, used) => sum + used, 0);
    process.send?.({ ...process.memoryUsage(), threadHeapUsed, threads: threadHeaps.size, gcForced: gc !== undefined });
  });
  // The channel must not keep the measured process alive once its own work is done.
  process.channel?.unref();
} else {
  channel.onmessage = (event) => {
    if (/** @type {MessageEvent<{ type: string }>} */ (event).data.type !== 'collect') return;
    gc?.();
    channel.postMessage({ type: 'heap', threadId, heapUsed: getHeapStatistics().used_heap_size });
  };
}
