import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { freshMobile, startCloseupStack, type CloseupStack } from '../support/closeup-stack.js';
import { texturedJpeg } from '../support/images.js';

const ACTIVE = ['queued', 'photo_processing', 'photo_done', 'lipsync_processing', 'lipsync_done', 'stitching', 'uploaded', 'sent'] as const;

/** The OTP rules of issue 3, with a 3-second expiry and a 1-second resend cooldown so time can pass in a test. */
describe('OTP gate', { timeout: 600_000 }, () => {
  let stack: CloseupStack;
  before(async () => {
    stack = await startCloseupStack({ env: { OTP_EXPIRY_MINUTES: '0.05', OTP_RESEND_COOLDOWN_SECONDS: '1' } });
  });
  after(() => stack.stop());

  async function newJob(mobile = freshMobile()) {
    const submitted = await stack.submit({ mobile_number: mobile });
    assert.equal(submitted.body.status, 'otp_sent', JSON.stringify(submitted.body));
    return { mobile, jobId: submitted.body.job_id as number, token: submitted.body.tracking_token as string, code: await stack.codeFor(mobile) };
  }

  it('texts a 6-digit code and stores only its hash', async () => {
    const { jobId, code } = await newJob();
    assert.match(code, /^\d{6}$/);
    const [otp] = await stack.sql`select code_hash from user_otp where job_id = ${jobId}`;
    assert.equal((otp?.code_hash as Buffer).length, 32);
    assert.ok(!(otp?.code_hash as Buffer).toString('latin1').includes(code));
  });

  it('expires: the right code after the expiry answers 410, and the job ends otp_expired', async () => {
    const { mobile, jobId, code } = await newJob();
    await sleep(3200);
    const late = await stack.verify(mobile, code);
    assert.equal(late.status, 410, JSON.stringify(late.body));
    assert.equal(late.body.error, 'OtpExpired');
    assert.equal(await stack.waitForStatus(jobId, ['otp_expired'], 15_000), 'otp_expired');
    const after = await stack.verify(mobile, code);
    assert.equal(after.status, 410);
  });

  it('allows three wrong tries; the fourth, even with the right code, answers 429', async () => {
    const { mobile, code } = await newJob();
    const wrong = code === '000000' ? '111111' : '000000';
    for (const left of [2, 1, 0]) {
      const attempt = await stack.verify(mobile, wrong);
      assert.equal(attempt.status, 400);
      assert.equal(attempt.body.error, 'InvalidOtp');
      assert.equal(attempt.body.attempts_left, left);
    }
    const fourth = await stack.verify(mobile, code);
    assert.equal(fourth.status, 429);
    assert.equal(fourth.body.error, 'TooManyAttempts');
  });

  it('counts attempts atomically: 12 parallel wrong tries get exactly three 400s', async () => {
    const { mobile, code } = await newJob();
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = await Promise.all(Array.from({ length: 12 }, () => stack.verify(mobile, wrong)));
    const statuses = answers.map((answer) => answer.status).sort();
    assert.deepEqual(statuses, [400, 400, 400, ...Array(9).fill(429)]);
  });

  it('is single use: the same code again finds the number verified, and the job moved on', async () => {
    const { mobile, jobId, code } = await newJob();
    assert.equal((await stack.verify(mobile, code)).status, 200);
    const reuse = await stack.verify(mobile, code);
    assert.equal(reuse.status, 409);
    assert.equal(reuse.body.error, 'AlreadyVerified');
    assert.ok(ACTIVE.includes((await stack.waitForStatus(jobId, [...ACTIVE])) as (typeof ACTIVE)[number]));
    await stack.waitForStatus(jobId, ['sent', 'failed']);
  });

  it('resend: 429 inside the cooldown with retry_after_seconds; afterwards a new code that replaces the old one', async () => {
    const { mobile, jobId, code: first } = await newJob();
    const early = await stack.postJson('/api/v1/auth/resend-otp', { mobile_number: mobile });
    assert.equal(early.status, 429);
    assert.equal(early.body.error, 'TooManyRequests');
    assert.ok((early.body.retry_after_seconds as number) >= 1);

    await sleep(1100);
    const requestedAt = Date.now();
    const resent = await stack.postJson('/api/v1/auth/resend-otp', { mobile_number: mobile });
    assert.deepEqual(resent, { status: 200, body: { status: 'otp_sent', message: 'New OTP sent successfully!', job_id: jobId } });
    const second = await stack.codeFor(mobile, requestedAt);
    if (second !== first) {
      const old = await stack.verify(mobile, first);
      assert.equal(old.status, 400, 'the previous code stopped working');
    }
    assert.equal((await stack.verify(mobile, second)).status, 200);
    await stack.waitForStatus(jobId, ['sent', 'failed']);
  });

  it('caps sends per number per hour', async () => {
    const { mobile } = await newJob();
    for (let send = 2; send <= stack.config.OTP_MAX_SENDS_PER_HOUR; send++) {
      await sleep(1050);
      assert.equal((await stack.postJson('/api/v1/auth/resend-otp', { mobile_number: mobile })).status, 200);
    }
    await sleep(1050);
    const capped = await stack.postJson('/api/v1/auth/resend-otp', { mobile_number: mobile });
    assert.equal(capped.status, 429);
    assert.ok((capped.body.retry_after_seconds as number) > 60, 'waits for the hour window, not the cooldown');
  });

  it('re-submission while the OTP is pending: same job, new form and photo, fresh code, new tracking token', async () => {
    const { mobile, jobId, token, code: first } = await newJob();
    await sleep(1100);
    const requestedAt = Date.now();
    const again = await stack.submit({ mobile_number: mobile, vibe: 'Adventure', photo: await texturedJpeg(1000, 1300) });
    assert.equal(again.body.status, 'otp_sent');
    assert.equal(again.body.job_id, jobId);
    const second = await stack.codeFor(mobile, requestedAt);
    if (second !== first) assert.equal((await stack.verify(mobile, first)).status, 400, 'the previous code stopped working');
    assert.equal((await stack.job(jobId, token)).status, 404, 'the replaced submission’s token no longer reads the job');
    assert.equal((await stack.verify(mobile, second)).status, 200);
    await stack.waitForStatus(jobId, ['sent', 'failed']);
    const [job] = await stack.sql`select vibe from video_jobs where id = ${jobId}`;
    assert.equal(job?.vibe, 'Adventure');
    const view = await stack.job(jobId, again.body.tracking_token as string);
    assert.equal(view.body.status, 'sent');
    assert.equal(await stack.jobsOfMobile(mobile), 1);
  });
});

/** With the default 10-minute expiry: under load, 20 queued requests must not outlive a 3-second code. */
describe('OTP gate under concurrency', { timeout: 600_000 }, () => {
  let stack: CloseupStack;
  before(async () => {
    stack = await startCloseupStack();
  });
  after(() => stack.stop());

  it('20 simultaneous submissions from one new number make exactly one job', async () => {
    const mobile = freshMobile();
    const answers = await Promise.all(Array.from({ length: 20 }, () => stack.submit({ mobile_number: mobile })));
    assert.deepEqual([...new Set(answers.map((answer) => answer.status))], [200], JSON.stringify(answers.find((a) => a.status !== 200)?.body));
    assert.deepEqual([...new Set(answers.map((answer) => answer.body.status))], ['otp_sent']);
    assert.equal(new Set(answers.map((answer) => answer.body.job_id)).size, 1);
    assert.equal(await stack.jobsOfMobile(mobile), 1);
  });

  it('20 simultaneous submissions from one verified number: one video_created, 19 pending, one job', async () => {
    const mobile = freshMobile();
    const submitted = await stack.submit({ mobile_number: mobile });
    const jobId = submitted.body.job_id as number;
    const code = await stack.codeFor(mobile);
    assert.equal((await stack.verify(mobile, code)).status, 200);
    await stack.waitForStatus(jobId, ['sent', 'failed']);
    const answers = await Promise.all(Array.from({ length: 20 }, () => stack.submit({ mobile_number: mobile })));
    const outcomes = answers.map((answer) => answer.body.status).sort();
    assert.deepEqual(outcomes, ['pending', ...Array(18).fill('pending'), 'video_created'].sort());
    assert.equal(new Set(answers.map((answer) => answer.body.job_id)).size, 1);
    assert.equal(await stack.jobsOfMobile(mobile), 2);
    await stack.waitForStatus(answers[0]!.body.job_id as number, ['sent', 'failed']);
  });
});
