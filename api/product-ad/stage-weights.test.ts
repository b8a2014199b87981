import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { testSql } from '../../test/support/harness.js';
import { DEFAULT_STAGE_WEIGHTS, measuredStageWeights } from './stage-weights.js';

const sql = testSql();
after(() => sql.end());

/** Rolled back: the weights are measured on jobs this transaction made, invisible to every other test. */
class Rollback extends Error {}

describe('measuredStageWeights', () => {
  it('weighs each stage by its mean measured time once enough ads completed, the defaults before', async () => {
    await sql
      .begin('isolation level repeatable read', async (tx) => {
        // Newest first in the window: three ads of 1 s script, 1 s voice, 4 s visuals, 4 s compositing.
        const addAd = async () => {
          const [job] = await tx<{ id: number }[]>`
            insert into jobs (pipeline, status, workflow_id, created_at) values ('product_ad', 'completed', 'weights-test', now() - interval '10 seconds') returning id`;
          const at = (seconds: number) => tx`now() - interval '10 seconds' + make_interval(secs => ${seconds})`;
          const steps: [number, string, string | null][] = [
            [1, 'pending', null],
            [2, 'processing', 'script_gen'],
            [3, 'processing', 'voice_gen'],
            [4, 'processing', 'video_gen'],
            [5, 'processing', 'compositing'],
            [6, 'completed', 'compositing'],
          ];
          const starts = [0, 0, 1, 2, 6, 10];
          for (const [index, [seq, status, stage]] of steps.entries()) {
            await tx`insert into job_events (job_id, seq, kind, status, stage, created_at) values (${job!.id}, ${seq}, 'status', ${status}, ${stage}, ${at(starts[index]!)})`;
          }
        };
        await addAd();
        await addAd();
        assert.deepEqual(await measuredStageWeights(tx, 2, 3), DEFAULT_STAGE_WEIGHTS, 'two ads are not enough');
        await addAd();
        const weights = await measuredStageWeights(tx, 3, 3);
        const expected = { script_gen: 0.1, voice_gen: 0.1, video_gen: 0.4, compositing: 0.4 };
        for (const [stage, share] of Object.entries(expected)) assert.ok(Math.abs(weights[stage as keyof typeof weights] - share) < 0.01, `${stage}: ${JSON.stringify(weights)}`);
        throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
  });
});
