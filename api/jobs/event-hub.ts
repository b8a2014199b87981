import type { Sql } from '../../db/client.js';
import { JOB_EVENTS_CHANNEL } from '../../db/jobs/store.js';
import type { Logger } from '../../lib/logger.js';

/**
 * This process's one LISTEN on the job events channel (payload `<job id>:<seq>`, see
 * db/jobs/store.ts), fanned out by job id. A notification only says "the log moved": subscribers
 * re-read the log themselves, which gives order and no loss.
 */
export interface JobEventHub {
  /**
   * Calls `onNotify(seq)` for each event committed for `jobId`, and `onNotify(RESYNC)` when
   * notifications may have been missed (the LISTEN (re)connected). Returns the unsubscribe.
   */
  subscribe(jobId: number, onNotify: (seq: number) => void): () => void;
  /**
   * Calls `onNotify(jobId, seq)` for every event committed for any job (never RESYNC: what was
   * missed while the LISTEN reconnected is gone). Returns the unsubscribe.
   */
  subscribeAll(onNotify: (jobId: number, seq: number) => void): () => void;
  /** Stops listening; later subscriptions are never notified. */
  close(): Promise<void>;
}

/** The seq a subscriber is given when it must re-read the log from where it was. */
export const RESYNC = Number.POSITIVE_INFINITY;

/** How long to wait before listening again after LISTEN itself failed. */
const RETRY_MS = 5_000;
/** How long close() waits for the UNLISTEN. */
const CLOSE_WAIT_MS = 2_000;

type ListenHandle = Awaited<ReturnType<Sql['listen']>>;

/**
 * Listens lazily on the first subscribe (apps that never stream nor count job metrics hold no
 * LISTEN connection) and
 * keeps listening until close(). postgres.js re-issues LISTEN on its own after a dropped
 * connection and then calls onlisten again: every subscriber is told to resync, since the
 * notifications of the gap are gone. The first onlisten resyncs too: a subscriber that read the
 * log before LISTEN was in place may have missed an event committed in between.
 */
export function createJobEventHub(sql: Sql, logger: Logger): JobEventHub {
  const subscribers = new Map<number, Set<(seq: number) => void>>();
  const allSubscribers = new Set<(jobId: number, seq: number) => void>();
  let listening: Promise<ListenHandle | undefined> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const tell = (jobId: number, notify: () => void) => {
    try {
      notify();
    } catch (error) {
      logger.error({ err: error, jobId }, 'job event subscriber threw');
    }
  };
  const deliver = (jobId: number, seq: number) => {
    // A copy: a subscriber may unsubscribe (its stream ended) while being told.
    for (const onNotify of [...(subscribers.get(jobId) ?? [])]) tell(jobId, () => onNotify(seq));
  };
  const resyncAll = () => {
    for (const jobId of [...subscribers.keys()]) deliver(jobId, RESYNC);
  };

  const wanted = () => subscribers.size > 0 || allSubscribers.size > 0;

  function start(): void {
    let connects = 0;
    // After a reconnect postgres.js's unlisten() no longer removes this callback: `closed` mutes it.
    const onNotify = (payload: string) => {
      if (closed) return;
      const [jobId, seq] = payload.split(':').map(Number);
      if (!Number.isSafeInteger(jobId) || !Number.isSafeInteger(seq)) return;
      deliver(jobId!, seq!);
      for (const onEvery of [...allSubscribers]) tell(jobId!, () => onEvery(jobId!, seq!));
    };
    const onListen = () => {
      if (closed) return;
      connects += 1;
      if (connects > 1) logger.warn({ channel: JOB_EVENTS_CHANNEL, jobs: subscribers.size }, 'job events LISTEN reconnected; streams re-read their logs');
      resyncAll();
    };
    listening = sql.listen(JOB_EVENTS_CHANNEL, onNotify, onListen).catch((error: unknown) => {
      logger.error({ err: error, channel: JOB_EVENTS_CHANNEL }, 'job events LISTEN failed; streams fall back to their keepalive re-reads');
      listening = undefined;
      if (!closed && wanted()) {
        retry = setTimeout(() => {
          retry = undefined;
          if (!closed && !listening && wanted()) start();
        }, RETRY_MS).unref();
      }
      return undefined;
    });
  }

  return {
    subscribe(jobId, onNotify) {
      if (closed) return () => {};
      let set = subscribers.get(jobId);
      if (!set) subscribers.set(jobId, (set = new Set()));
      // Wrapped: the same function subscribed twice stays two subscriptions.
      const entry = (seq: number) => onNotify(seq);
      set.add(entry);
      if (!listening && !retry) start();
      return () => {
        set.delete(entry);
        if (set.size === 0 && subscribers.get(jobId) === set) subscribers.delete(jobId);
      };
    },

    subscribeAll(onNotify) {
      if (closed) return () => {};
      const entry = (jobId: number, seq: number) => onNotify(jobId, seq);
      allSubscribers.add(entry);
      if (!listening && !retry) start();
      return () => allSubscribers.delete(entry);
    },

    async close() {
      closed = true;
      clearTimeout(retry);
      subscribers.clear();
      allSubscribers.clear();
      const unlistened = listening?.then((handle) => handle?.unlisten());
      listening = undefined;
      // A LISTEN still connecting (database unreachable) must not hold up a shutdown.
      await Promise.race([unlistened, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    },
  };
}
