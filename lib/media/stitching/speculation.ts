/**
 * Work started before it is known to be wanted: the stitch's stream copy and thumbnail begin
 * while the inputs are probed, since each costs a process start and side by side the copy path
 * pays for one. A speculation the probes rule out is discarded: killed, and waited for until its
 * process has exited, before anything else writes where it wrote.
 */

export interface Speculation {
  /** Settles when the work has finished (its process has exited); rejects as the work does. */
  done: Promise<void>;
  /** Aborts the work and waits until it has stopped; never rejects. */
  discard(): Promise<void>;
}

/** Starts `work` now with a signal that aborts on `signal` (the caller's) or on discard(). */
export function speculate(signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<void>): Speculation {
  const discarding = new AbortController();
  const done = work(signal ? AbortSignal.any([signal, discarding.signal]) : discarding.signal);
  // Observed here so work that fails before anyone awaits `done` is not an unhandled rejection.
  done.catch(() => undefined);
  return {
    done,
    discard: async () => {
      discarding.abort(new Error('speculative work discarded'));
      await done.catch(() => undefined);
    },
  };
}
