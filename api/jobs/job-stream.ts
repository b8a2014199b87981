import { eventsSince } from '../../db/jobs/queries.js';
import type { JobEvent } from '../../db/jobs/types.js';
import type { AppDeps } from '../lib/types.js';

/** Yielded when nothing happened for `keepaliveMs`: SSE writes a comment, WebSocket a message. */
export const KEEPALIVE: unique symbol = Symbol('keepalive');
export type JobStreamItem = JobEvent | typeof KEEPALIVE;

/** Keeps proxies from closing an idle stream. */
export const KEEPALIVE_MS = 15_000;

export interface JobStreamOptions {
  /** The last seq the client has (0: from the start). */
  since: number;
  /** The job's pipeline's terminal statuses: the stream ends after the job settles in one. */
  terminalStatuses: readonly string[];
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  keepaliveMs?: number;
}

/**
 * A job's events after `since`, in seq order, live: past ones from the log, then each new one as
 * it is committed. Notifications only wake the stream; what it sends is always read from the log,
 * so nothing is skipped or reordered, whatever the notifications did. When idle it yields
 * KEEPALIVE and re-reads the log (a notification lost without a reconnect costs one keepalive).
 *
 * Ends after an event whose status is terminal and that is the job's latest (a failed job that
 * was retried since goes on), immediately when the client already has that final event, when
 * the job does not exist, or on abort.
 *
 * Progress is shown monotonic: a progress event lower than the previous one of its stage is
 * skipped. A stage starts afresh when a status event enters it or revives the job from a
 * terminal status (an admin retry restarts its progress at 0).
 */
export async function* jobEventStream(
  deps: Pick<AppDeps, 'sql' | 'hub'>,
  jobId: number,
  options: JobStreamOptions,
): AsyncGenerator<JobStreamItem, void, undefined> {
  const { signal, terminalStatuses } = options;
  const keepaliveMs = options.keepaliveMs ?? KEEPALIVE_MS;
  const isTerminal = (status: string) => terminalStatuses.includes(status);
  let lastSeq = options.since;
  let pending = true;
  let wake: (() => void) | undefined;

  // Subscribed before the first read: an event committed after that read still wakes us.
  const unsubscribe = deps.hub.subscribe(jobId, (seq) => {
    if (seq <= lastSeq) return;
    pending = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);

  /** Resolves true when woken (notify or abort), false after keepaliveMs of silence. */
  const idle = () =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve(false);
      }, keepaliveMs);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve(true);
      };
    });

  const progressFloor = new Map<string | null, number>();
  let previous: { status: string; stage: string | null } | undefined;
  let firstRead = true;

  try {
    while (!signal.aborted) {
      if (!pending) {
        const woken = await idle();
        if (signal.aborted) return;
        if (!woken) {
          yield KEEPALIVE;
          pending = true;
        }
        continue;
      }
      pending = false;
      const events = await eventsSince(deps.sql, jobId, lastSeq);
      if (signal.aborted) return;

      if (events.length === 0) {
        // Caught up on the first read: the client may already have the final event (a reconnect).
        if (firstRead && (await isSettled(deps, jobId, lastSeq, isTerminal))) return;
        firstRead = false;
        continue;
      }
      firstRead = false;

      for (const event of events) {
        lastSeq = event.seq;
        if (event.kind === 'status') {
          const entersStage = previous !== undefined && previous.stage !== event.stage;
          const revives = previous !== undefined && isTerminal(previous.status) && !isTerminal(event.status);
          if (entersStage || revives) progressFloor.delete(event.stage);
        } else if (event.progress !== null) {
          const floor = progressFloor.get(event.stage);
          if (floor !== undefined && event.progress < floor) continue;
          progressFloor.set(event.stage, event.progress);
        }
        previous = { status: event.status, stage: event.stage };
        yield event;
        if (signal.aborted) return;
      }
      // The batch's last event is the job's latest as of this read.
      if (isTerminal(events.at(-1)!.status)) return;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}

/** Whether nothing more will come after `seq`: the job is gone, or terminal with no newer event. */
async function isSettled(deps: Pick<AppDeps, 'sql'>, jobId: number, seq: number, isTerminal: (status: string) => boolean): Promise<boolean> {
  const [job] = await deps.sql<{ status: string; event_seq: number }[]>`select status, event_seq from jobs where id = ${jobId}`;
  return !job || (isTerminal(job.status) && job.event_seq <= seq);
}
