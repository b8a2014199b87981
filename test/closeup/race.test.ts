import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findOrCreateUser } from '../../api/closeup/users.js';
import { createSql, type Sql } from '../../db/client.js';
import { phoneIndex } from '../../lib/phone-crypto.js';
import { freshMobile, startCloseupStack, type CloseupStack } from '../support/closeup-stack.js';

/**
 * A new number seen by many requests at once: exactly one user, one verification row, one job.
 * Repeated, because the race it guards (a read in the snapshot of a do-nothing insert) shows only
 * when another request commits the same user mid-statement.
 */
describe('first sight of a number, concurrently', { timeout: 300_000 }, () => {
  let stack: CloseupStack;
  /** A wider pool than the stack's, so more calls race inside the database at once. */
  let wide: Sql;
  const mobiles: string[] = [];

  before(async () => {
    stack = await startCloseupStack();
    wide = createSql(stack.config.DATABASE_URL, { max: 20 });
  });

  after(async () => {
    // The jobs park waiting for their OTP; end their runs (worker first, so it has no task in hand)
    // so nothing outlives the test.
    await stack.stopWorker();
    const runs = await stack.sql<{ workflow_id: string; run_id: string }[]>`
      select j.workflow_id, j.run_id from video_jobs j join users u on u.id = j.user_id
      where u.phone_index in ${stack.sql(mobiles.map((mobile) => phoneIndex(keys(), `+91${mobile}`)))}`;
    await Promise.all(
      runs.map((run) => stack.temporal.workflow.getHandle(run.workflow_id, run.run_id).terminate('race test done').catch(() => undefined)),
    );
    await wide?.end();
    await stack?.stop();
  });

  const keys = () => ({ encryptionKey: stack.config.PHONE_ENCRYPTION_KEY, indexKey: stack.config.PHONE_HASH_KEY });

  it('50 parallel findOrCreateUser calls for one new number: one id, one users row, one verification row', async () => {
    for (let round = 0; round < 5; round++) {
      const e164 = `+91${freshMobile()}`;
      const users = await Promise.all(Array.from({ length: 50 }, () => findOrCreateUser(wide, keys(), e164)));
      assert.equal(new Set(users.map((user) => user.id)).size, 1, `round ${round}`);
      assert.ok(users.every((user) => !user.verified));
      const [counts] = await wide<{ users: number; verifications: number }[]>`
        select count(*)::int as users, (select count(*)::int from user_verification v join users u on u.id = v.user_id where u.phone_index = ${phoneIndex(keys(), e164)}) as verifications
        from users where phone_index = ${phoneIndex(keys(), e164)}`;
      assert.deepEqual({ ...counts }, { users: 1, verifications: 1 }, `round ${round}`);
    }
  });

  it('12 rounds of 20 simultaneous submissions from a new number: all otp_sent, one job id, one job', async () => {
    for (let round = 0; round < 12; round++) {
      const mobile = freshMobile();
      mobiles.push(mobile);
      const answers = await Promise.all(Array.from({ length: 20 }, () => stack.submit({ mobile_number: mobile })));
      const odd = answers.find((answer) => answer.status !== 200 || answer.body.status !== 'otp_sent');
      assert.equal(odd, undefined, `round ${round}: ${JSON.stringify(odd)}`);
      assert.equal(new Set(answers.map((answer) => answer.body.job_id)).size, 1, `round ${round}`);
      assert.equal(await stack.jobsOfMobile(mobile), 1, `round ${round}`);
    }
  });
});
