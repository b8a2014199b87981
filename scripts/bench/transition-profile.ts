import { tsToMs } from '@temporalio/common/lib/time.js';
import type { temporal } from '@temporalio/proto';
import { eventTypeName } from '../../test/replay/history-json.js';
import { otpVerifiedSignal } from '../../workflows/closeup/contract.js';

/**
 * The stage transitions of a Close-Up submission workflow, read from its Temporal history, and
 * where each one's wall time went. A transition runs from the end of one stage's work to the
 * moment the next stage's activity is scheduled (status recorded, event published, next activity
 * scheduled — what issue 15 times); how long that activity then waits for a worker is kept apart
 * (`pickupMs`), since on a busy machine it is the CPU queue rather than orchestration.
 */

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface Transition {
  name: string;
  /** From the end of the previous stage to the next stage's activity (or child workflow) scheduled. */
  ms: number;
  /** From that schedule to a worker starting it (undefined for the child workflow). */
  pickupMs: number | undefined;
  /** The transition's milliseconds by what the workflow was waiting for (see `segmentOf`). */
  segments: Map<string, number>;
}

/** The stage activities the transitions run between (the job-record activities are what they cost). */
const STAGES = ['validatePhoto', 'generateLipsync', 'stitchVideo'] as const;

/**
 * What the gap before `event` was spent on: waiting for a worker to poll a task, a workflow task
 * on the worker (workflow code, local activities), an activity running (the job-record writes
 * to PostgreSQL), or the server between one event and the next.
 */
function segmentOf(event: HistoryEvent, activityNames: Map<string, string>): string {
  const type = eventTypeName(event.eventType);
  const activity = (id: unknown) => activityNames.get(String(id)) ?? '?';
  if (type === 'WORKFLOW_TASK_STARTED') return 'workflow task: waits for a worker';
  if (type === 'WORKFLOW_TASK_COMPLETED') return 'workflow task: on the worker';
  if (type === 'ACTIVITY_TASK_STARTED') return `activity ${activity(event.activityTaskStartedEventAttributes?.scheduledEventId)}: waits for a worker`;
  if (type === 'ACTIVITY_TASK_COMPLETED') return `activity ${activity(event.activityTaskCompletedEventAttributes?.scheduledEventId)}: runs`;
  return `server: ${type.toLowerCase().replaceAll('_', ' ')}`;
}

/** The stage transitions of one submission workflow's history; empty for one that did not reach them. */
export function transitionsOf(events: HistoryEvent[]): Transition[] {
  const at = (event: HistoryEvent) => tsToMs(event.eventTime);
  const names = new Map<string, string>();
  const index = new Map<string, { scheduled?: HistoryEvent; started?: HistoryEvent; completed?: HistoryEvent }>();
  const entry = (name: string) => index.get(name) ?? (index.set(name, {}), index.get(name)!);
  let verified: HistoryEvent | undefined;
  let childInitiated: HistoryEvent | undefined;
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      names.set(String(event.eventId), scheduled.activityType?.name ?? '');
      entry(scheduled.activityType?.name ?? '').scheduled ??= event;
    }
    const startedOf = event.activityTaskStartedEventAttributes?.scheduledEventId;
    if (startedOf != null) entry(names.get(String(startedOf)) ?? '').started ??= event;
    const completedOf = event.activityTaskCompletedEventAttributes?.scheduledEventId;
    if (completedOf != null) entry(names.get(String(completedOf)) ?? '').completed ??= event;
    if (event.workflowExecutionSignaledEventAttributes?.signalName === otpVerifiedSignal.name) verified ??= event;
    if (event.startChildWorkflowExecutionInitiatedEventAttributes) childInitiated ??= event;
  }
  const [photo, lipsync, stitching] = STAGES.map((name) => index.get(name));
  const pairs: [string, HistoryEvent | undefined, HistoryEvent | undefined, HistoryEvent | undefined][] = [
    ['verified -> photo check', verified, photo?.scheduled, photo?.started],
    ['photo -> lip-sync', photo?.completed, lipsync?.scheduled, lipsync?.started],
    ['lip-sync -> stitching', lipsync?.completed, stitching?.scheduled, stitching?.started],
    ['stitching -> delivery', stitching?.completed, childInitiated, undefined],
  ];
  // Event times in order: an activity's started event is written when it completes, after events that came meanwhile.
  const timeline = [...events].sort((a, b) => at(a) - at(b) || Number(a.eventId) - Number(b.eventId));
  return pairs.flatMap(([name, from, to, pickedUp]) => {
    if (!from || !to) return [];
    const segments = new Map<string, number>();
    let previous = at(from);
    for (const event of timeline) {
      const time = at(event);
      if (time <= at(from) || time > at(to) || event === from) continue;
      const segment = segmentOf(event, names);
      segments.set(segment, (segments.get(segment) ?? 0) + (time - previous));
      previous = time;
    }
    return [{ name, ms: at(to) - at(from), pickupMs: pickedUp ? at(pickedUp) - at(to) : undefined, segments }];
  });
}
