import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADVANCED, transitionOf, type StatusEvent } from './job-transitions.js';

const TERMINAL = new Set(['sent', 'otp_expired', 'failed']);
const isTerminal = (status: string) => TERMINAL.has(status);

/** A log from [status, stage, seconds after the first event] rows. */
const log = (...rows: [string, string | null, number][]): StatusEvent[] =>
  rows.map(([status, stage, seconds], i) => ({ seq: i + 1, status, stage, createdAt: new Date(Date.UTC(2026, 0, 1) + seconds * 1000) }));

/** The transition of every prefix: what each event meant when it was committed. */
const replay = (events: StatusEvent[]) => events.map((_, i) => transitionOf(events.slice(0, i + 1), isTerminal));

describe('job transitions for metrics', () => {
  it("times each Close-Up stage from its entry to the next stage's, the last one to the job's end", () => {
    const transitions = replay(
      log(
        ['awaiting_otp', null, 0],
        ['queued', null, 40],
        ['photo_processing', 'photo_processing', 41],
        ['photo_done', 'photo_processing', 43],
        ['lipsync_processing', 'lipsync_processing', 44],
        ['lipsync_done', 'lipsync_processing', 64],
        ['stitching', 'stitching', 65],
        ['uploaded', 'stitching', 70],
        ['uploaded', 'delivery', 70.5],
        ['sent', 'delivery', 72],
      ),
    );
    assert.deepEqual(transitions[0], { started: true });
    assert.equal(transitions.filter((t) => t.started).length, 1);
    assert.deepEqual(
      transitions.flatMap((t) => (t.leftStage ? [t.leftStage] : [])),
      [
        { stage: 'photo_processing', seconds: 3, outcome: ADVANCED },
        { stage: 'lipsync_processing', seconds: 21, outcome: ADVANCED },
        { stage: 'stitching', seconds: 5.5, outcome: ADVANCED },
        { stage: 'delivery', seconds: 1.5, outcome: 'sent' },
      ],
    );
    assert.deepEqual(transitions.flatMap((t) => (t.ended ? [t.ended] : [])), ['sent']);
  });

  it('a job that ends without a stage (an unanswered OTP) ends and times nothing', () => {
    const transitions = replay(log(['awaiting_otp', null, 0], ['awaiting_otp', null, 5], ['otp_expired', null, 600]));
    assert.deepEqual(transitions.at(-1), { started: false, ended: 'otp_expired' });
  });

  it('a failure ends the stage with outcome failed; a retry revives the job and times the stage afresh from its re-entry', () => {
    const transitions = replay(
      log(
        ['queued', null, 0],
        ['lipsync_processing', 'lipsync_processing', 1],
        ['failed', 'lipsync_processing', 31],
        ['queued', 'lipsync_processing', 100],
        ['lipsync_processing', 'lipsync_processing', 101],
        ['lipsync_done', 'lipsync_processing', 111],
        ['stitching', 'stitching', 112],
      ),
    );
    assert.deepEqual(transitions[2], { started: false, ended: 'failed', leftStage: { stage: 'lipsync_processing', seconds: 30, outcome: 'failed' } });
    assert.deepEqual(transitions[3], { started: false }, 'the revival is neither an end nor a stage left');
    assert.deepEqual(transitions[6]?.leftStage, { stage: 'lipsync_processing', seconds: 12, outcome: ADVANCED });
  });

  it('a second terminal status after the first is not a second end', () => {
    const transitions = replay(log(['queued', null, 0], ['failed', null, 1], ['sent', null, 2]));
    assert.equal(transitions[1]?.ended, 'failed');
    assert.equal(transitions[2]?.ended, undefined);
  });
});
