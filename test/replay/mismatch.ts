import { relative } from 'node:path';
import type { temporal } from '@temporalio/proto';
import { HISTORIES_DIR, type Fixture } from './fixtures.js';
import { eventTypeName } from './history-json.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export const VERSIONING_DOCS = 'https://docs.temporal.io/develop/typescript/versioning';

/**
 * The first history event the replayer could not match, when its message names one: core says
 * e.g. "… HistoryEvent(id: 11, ActivityTaskScheduled) …" or "… event 11 …". Undefined otherwise.
 */
export function mismatchedEventId(message: string): number | undefined {
  const match = /HistoryEvent\(id: (\d+)/.exec(message) ?? /\bevent(?:[ _]id)?[:= ]+(\d+)/i.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** What the current code did where the history has that event, when core says (its state machine: "ActivityMachine does not handle …"). */
export function currentCommand(message: string): string | undefined {
  const match = /(\w+?)Machine does not handle/.exec(message);
  return match?.[1];
}

/** An event in a line: its id, type and what identifies it (activity type and id, timer, child workflow, signal, marker). */
export function describeEvent(event: HistoryEvent): string {
  const type = eventTypeName(event.eventType);
  const scheduled = event.activityTaskScheduledEventAttributes;
  const child = event.startChildWorkflowExecutionInitiatedEventAttributes;
  const what = scheduled
    ? `activity ${scheduled.activityType?.name} (activity id ${scheduled.activityId})`
    : event.timerStartedEventAttributes
      ? `timer ${event.timerStartedEventAttributes.timerId}`
      : child
        ? `child workflow ${child.workflowType?.name} (${child.workflowId})`
        : event.workflowExecutionSignaledEventAttributes
          ? `signal ${event.workflowExecutionSignaledEventAttributes.signalName}`
          : event.markerRecordedEventAttributes
            ? `marker ${event.markerRecordedEventAttributes.markerName}`
            : undefined;
  return `event ${String(event.eventId)} ${type}${what ? `: ${what}` : ''}`;
}

/**
 * What a developer reads when a committed history no longer replays: which fixture, the first
 * mismatching event, why it matters (runs of this type open at deploy time would be stuck) and how
 * to version the change.
 */
export function explainReplayFailure(fixture: Fixture, error: Error): string {
  const path = relative(process.cwd(), `${HISTORIES_DIR}/${fixture.file}`);
  const id = mismatchedEventId(error.message);
  const event = id === undefined ? undefined : fixture.history.events?.find((candidate) => Number(candidate.eventId) === id);
  const firstMismatch = event ? describeEvent(event) : id === undefined ? 'not named by the replayer (see its message below)' : `event ${id}`;
  return [
    `${fixture.workflowType} no longer replays the recorded history ${path}.`,
    `First mismatching event: ${firstMismatch}.`,
    ...(currentCommand(error.message) ? [`Where the history has it, the current code does: ${currentCommand(error.message)}.`] : []),
    `Replayer: ${error.name}: ${error.message}`,
    '',
    `This change is not backward compatible: ${fixture.workflowType} runs that are open when it deploys (a job waiting for`,
    'its OTP, a render in progress, a delivery retrying) would replay into it and stop with a nondeterminism error.',
    'To change workflow logic safely, version it (the ids stay in the code until no run that started before it is open):',
    "  if (patched('my-change-id')) { /* new code */ } else { /* old code, as recorded */ }",
    "  later, once every older run has closed: deprecatePatch('my-change-id') and the new code alone, then remove it.",
    `See ${VERSIONING_DOCS}.`,
    `Keep this history: rename it (e.g. ${fixture.file.replace(/\.json$/, '')}-before-my-change-id.json) so it keeps proving the old path`,
    'replays, then record the new path: npx tsx test/replay/record.ts (docs/replay.md).',
  ].join('\n');
}
