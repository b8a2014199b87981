import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { OtpMessage, OtpSender } from '../../providers/ports.js';
import { ProviderError } from '../../providers/provider-error.js';
import { freshMobile, startCloseupStack, type CloseupStack } from '../../test/support/closeup-stack.js';
import { createOtpActivities } from './otp.activities.js';

/**
 * sendOtp texts a code at most once per reservation, as a user counts texts: an attempt that took
 * over from a worker that died mid-send does not text again (SMS gateways take no idempotency key;
 * a second text with a new code would make the first one wrong); a send the gateway refused is
 * given back and the next attempt texts.
 */
describe('sendOtp', { timeout: 120_000 }, () => {
  let stack: CloseupStack;
  before(async () => {
    stack = await startCloseupStack({ worker: false });
  });
  after(() => stack.stop());

  /** A job waiting for its code (its workflow parked: no worker runs) and a new reservation of it. */
  async function reservation(): Promise<{ jobId: number; otpId: number }> {
    const submitted = await stack.submit({ mobile_number: freshMobile() });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    const jobId = Number(submitted.body.job_id);
    const [row] = await stack.sql<{ otpId: number }[]>`
      insert into user_otp (user_id, job_id, max_attempts)
      select owner::uuid, id, 3 from jobs where id = ${jobId}
      returning id::int as "otpId"`;
    return { jobId, otpId: row!.otpId };
  }

  function activitiesWith(send: (message: OtpMessage) => Promise<unknown>) {
    const sender: OtpSender = { name: 'webhook', send: async (message) => (await send(message), {}) };
    const keys = { encryptionKey: stack.config.PHONE_ENCRYPTION_KEY, indexKey: stack.config.PHONE_HASH_KEY };
    return createOtpActivities({ sql: stack.sql, sender, phoneKeys: keys, otpExpiryMinutes: 5 });
  }

  it('does not text again when the attempt before died while the gateway was sending', async () => {
    const request = await reservation();
    const texts: OtpMessage[] = [];
    // The first worker hands the text to the gateway and never hears back (it is killed meanwhile).
    const dying = activitiesWith((message) => (texts.push(message), new Promise(() => {})));
    void dying.sendOtp(request);
    while (texts.length === 0) await sleep(20);

    const takeover = await activitiesWith(async (message) => void texts.push(message)).sendOtp(request);
    assert.deepEqual(takeover, { sent: true });
    assert.equal(texts.length, 1, 'one text for one code');
  });

  it('texts a new code when the gateway refused the first send, once', async () => {
    const request = await reservation();
    const refused = activitiesWith(async () => {
      throw new ProviderError('SMS_503', 'gateway unavailable', { retryable: true });
    });
    await assert.rejects(refused.sendOtp(request), /gateway unavailable/);
    const [afterRefusal] = await stack.sql<{ sent_at: Date | null }[]>`select sent_at from user_otp where id = ${request.otpId}`;
    assert.equal(afterRefusal?.sent_at, null, 'the claim is given back');

    const texts: OtpMessage[] = [];
    const working = activitiesWith(async (message) => void texts.push(message));
    assert.deepEqual(await working.sendOtp(request), { sent: true });
    assert.deepEqual(await working.sendOtp(request), { sent: true }, 'a repeated attempt');
    assert.equal(texts.length, 1);
    assert.match(texts[0]!.text, /^\d{6} is your Close-Up verification code/);
  });

  it('does not text a code superseded before it went out', async () => {
    const request = await reservation();
    await stack.sql`update user_otp set superseded_at = now() where id = ${request.otpId}`;
    const texts: OtpMessage[] = [];
    assert.deepEqual(await activitiesWith(async (message) => void texts.push(message)).sendOtp(request), { sent: false });
    assert.equal(texts.length, 0);
  });
});
