import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { testSql } from '../../test/support/harness.js';
import { typicalSeconds } from './jobs.js';

const sql = testSql();
after(() => sql.end());

/** Rolled back: the estimate is read from jobs this transaction made, invisible to every other test. */
class Rollback extends Error {}

describe('typicalSeconds', () => {
  it('averages the newest completed jobs of the kind, and gives nothing until there are enough', async () => {
    await sql
      .begin('isolation level repeatable read', async (tx) => {
        const account = `estimate-${Date.now()}`;
        await tx`insert into accounts (id, dust_balance) values (${account}, 0)`;
        const addJob = async (type: string, seconds: number, status = 'completed') => {
          const [job] = await tx<{ id: number }[]>`
            insert into jobs (pipeline, owner, status, workflow_id, created_at, updated_at)
            values ('generation', ${account}, ${status}, 'estimate-test', now() - make_interval(secs => ${seconds}), now())
            returning id`;
          await tx`
            insert into generation_jobs (job_id, account_id, generation_type, prompt, duration_seconds, resolution, aspect_ratio, cost_dust)
            values (${job!.id}, ${account}, ${type}, 'p', 5, 'sd_480p', '16:9', 0)`;
        };
        await addJob('image_to_video', 30);
        await addJob('image_to_video', 50);
        assert.equal(await typicalSeconds(tx, { type: 'image_to_video' }, 2, 3), undefined, 'two samples are not enough');
        await addJob('image_to_video', 999, 'failed');
        await addJob('image_to_video', 70);
        const seconds = await typicalSeconds(tx, { type: 'image_to_video' }, 3, 3);
        assert.ok(seconds !== undefined && Math.abs(seconds - 50) < 1, `got ${seconds}`);
        // Narrowed to one length: the 5 s jobs here, none of 15 s yet.
        assert.ok(Math.abs((await typicalSeconds(tx, { type: 'image_to_video', durationSeconds: 5, resolution: 'sd_480p' }, 3, 3))! - 50) < 1);
        assert.equal(await typicalSeconds(tx, { type: 'image_to_video', durationSeconds: 15 }, 3, 3), undefined);
        throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
  });
});
