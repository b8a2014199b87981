import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { lockUser } from '../../api/closeup/otp-policy.js';
import { findOrCreateUser } from '../../api/closeup/users.js';
import { createCloseupJob } from '../../db/closeup/jobs.js';
import { createJobStore } from '../../db/jobs/store.js';
import { testConfig, testSql } from '../support/harness.js';
import { freshMobile } from '../support/closeup-stack.js';

/**
 * A submission holds its user's lock while it starts the workflow and writes the job; the
 * workflow's first activity may write the same job meanwhile. If the lock blocked rows that
 * reference the user, the two would wait on each other (PostgreSQL kills one: a 500).
 */
describe("the user's submission lock", () => {
  const config = testConfig();
  const sql = testSql(config);
  after(() => sql.end());

  it('does not hold up the job its own workflow creates meanwhile', async () => {
    const store = createJobStore(sql);
    const keys = { encryptionKey: config.PHONE_ENCRYPTION_KEY, indexKey: config.PHONE_HASH_KEY };
    const user = await findOrCreateUser(sql, keys, `+91${freshMobile()}`);
    const job = await store.reserve();
    await sql.begin(async (tx) => {
      await lockUser(tx, user.id);
      const workflowWrite = sql
        .begin((other) =>
          createCloseupJob(store, other, {
            job,
            userId: user.id,
            needsOtp: false,
            selfieKey: `jobs/${job.id}/selfie-x.jpg`,
            answers: { gender: 'male', attribute_love: 'Smile', relationship_status: 'Dating', vibe: 'Romance' },
            trackingTokenHash: Buffer.alloc(32),
            originRunId: randomUUID(),
          }),
        )
        .then(() => 'created' as const);
      assert.equal(await Promise.race([workflowWrite, sleep(3_000).then(() => 'blocked' as const)]), 'created');
    });
  });
});
