/** A status event of a job's log, as the job metrics read it. */
export interface StatusEvent {
  seq: number;
  status: string;
  stage: string | null;
  createdAt: Date;
}

/** What one status event means for the job metrics. */
export interface Transition {
  /** The job's first event: it was created. */
  started: boolean;
  /** The job reached this terminal status (it was not already in one). */
  ended?: string;
  /** The job left a stage with this event: which, after how long, and how (`advanced` or the status it ended in). */
  leftStage?: { stage: string; seconds: number; outcome: string };
}

/** The stage outcome when the job went on to another stage. */
export const ADVANCED = 'advanced';

/**
 * Reads the last of `events` (a job's status events up to it, in seq order) against the ones
 * before it. A stage is the `stage` column (entered by the stage kit); it lasts from the first
 * event of its unbroken run — not counting a run before a terminal event, which a retry revives
 * — to the event that enters another stage or ends the job. Statuses without a stage (`queued`,
 * `awaiting_otp`) are no stage. `isTerminal` is the pipeline's (with `failed`).
 */
export function transitionOf(events: readonly StatusEvent[], isTerminal: (status: string) => boolean): Transition {
  const current = events.at(-1);
  if (!current) return { started: false };
  const previous = events.at(-2);
  const transition: Transition = { started: previous === undefined };
  const ends = isTerminal(current.status);
  if (ends && (previous === undefined || !isTerminal(previous.status))) transition.ended = current.status;

  if (!previous || previous.stage === null || isTerminal(previous.status)) return transition;
  if (!ends && current.stage === previous.stage) return transition;
  let entry = previous;
  for (let i = events.length - 3; i >= 0; i--) {
    const earlier = events[i]!;
    if (earlier.stage !== previous.stage || isTerminal(earlier.status)) break;
    entry = earlier;
  }
  transition.leftStage = {
    stage: previous.stage,
    seconds: Math.max(0, (current.createdAt.getTime() - entry.createdAt.getTime()) / 1000),
    outcome: ends ? current.status : ADVANCED,
  };
  return transition;
}
