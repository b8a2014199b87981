import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VideoDelivery } from '../../providers/ports.js';
import { freshMobile, startCloseupStack, type CloseupStack } from '../support/closeup-stack.js';
import { flatImage } from '../support/images.js';

/**
 * The seed's eight scenarios (shared/seeds/closeup-submission-scenarios.md) and every row of its
 * summary table, against real Temporal, PostgreSQL, ffmpeg and the local providers.
 */
describe('Close-Up submission scenarios', { timeout: 900_000 }, () => {
  let stack: CloseupStack;
  // Delivery waits at this gate when a test closes it, so a job can be held at `uploaded`.
  let deliveryGate: Promise<void> | undefined;

  before(async () => {
    stack = await startCloseupStack({
      env: { OTP_EXPIRY_MINUTES: '0.05' },
      providers: ({ delivery: outbox }) => ({
        delivery: {
          ...outbox,
          async send(message, signal) {
            await deliveryGate;
            return outbox.send(message, signal);
          },
        } satisfies VideoDelivery,
      }),
    });
  });
  after(() => stack.stop());


  async function submitExpecting(mobile: string, status: string) {
    const response = await stack.submit({ mobile_number: mobile });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.status, status, JSON.stringify(response.body));
    assert.equal(response.body.mobile_number, mobile);
    return response.body as { job_id: number; tracking_token?: string; message: string };
  }

  it('1. new user: otp_sent, verified, then every stage in order to sent, with a playable video', async () => {
    const mobile = freshMobile();
    const submitted = await submitExpecting(mobile, 'otp_sent');
    assert.equal(submitted.message, 'OTP sent successfully');
    assert.ok(submitted.tracking_token && submitted.tracking_token.length >= 32);
    assert.equal(await stack.jobStatus(submitted.job_id), 'awaiting_otp');
    assert.equal(await stack.jobsOfMobile(mobile), 1, 'the job exists while the OTP is pending');

    const verified = await stack.verify(mobile, await stack.codeFor(mobile));
    assert.deepEqual(verified, { status: 200, body: { status: 'verified', message: 'Verification successful', job_id: submitted.job_id } });
    const [verification] = await stack.sql`
      select v.is_verified, v.verified_at from user_verification v join video_jobs j on j.user_id = v.user_id where j.id = ${submitted.job_id}`;
    assert.equal(verification?.is_verified, true);
    assert.ok(verification?.verified_at);

    assert.equal(await stack.waitForStatus(submitted.job_id, ['sent', 'failed']), 'sent');
    const view = await stack.job(submitted.job_id, submitted.tracking_token);
    assert.equal(view.status, 200);
    const timeline = view.body.timeline as { status: string; at: string }[];
    assert.deepEqual(
      timeline.map((event) => event.status),
      ['awaiting_otp', 'queued', 'photo_processing', 'photo_done', 'lipsync_processing', 'lipsync_done', 'stitching', 'uploaded', 'sent'],
    );
    for (const event of timeline) assert.match(event.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$/);
    const url = new URL(view.body.video_url as string);
    const video = await stack.app.request(url.pathname + url.search);
    assert.equal(video.status, 200);
    assert.equal(video.headers.get('content-type'), 'video/mp4');
    assert.equal(Buffer.from(await video.arrayBuffer()).subarray(4, 8).toString(), 'ftyp');
    const [asset] = await stack.sql`select storage_key from video_assets where job_id = ${submitted.job_id} and kind = 'selfie'`;
    assert.match(String(asset?.storage_key), new RegExp(`^jobs/${submitted.job_id}/selfie-`));
  });

  it('2. unverified user whose earlier OTP expired: otp_sent with a new job, then verified', async () => {
    const mobile = freshMobile();
    const first = await submitExpecting(mobile, 'otp_sent');
    assert.equal(await stack.waitForStatus(first.job_id, ['otp_expired'], 30_000), 'otp_expired');

    const second = await submitExpecting(mobile, 'otp_sent');
    assert.notEqual(second.job_id, first.job_id);
    assert.equal(await stack.jobsOfMobile(mobile), 2);
    const verified = await stack.verify(mobile, await stack.codeFor(mobile, Date.now() - 2000));
    assert.equal(verified.status, 200, JSON.stringify(verified.body));
    assert.equal(verified.body.job_id, second.job_id);
    assert.notEqual(await stack.waitForStatus(second.job_id, ['queued', 'photo_processing', 'photo_done', 'lipsync_processing', 'lipsync_done', 'stitching', 'uploaded', 'sent']), 'awaiting_otp');
    assert.equal(await stack.jobStatus(first.job_id), 'otp_expired', 'the expired job stays as it was');
  });

  it('3. verified user, first video: video_created without an OTP', async () => {
    const mobile = await stack.verifiedMobile();
    const sentBefore = stack.inbox.messages.length;
    const created = await submitExpecting(mobile, 'video_created');
    assert.equal(created.message, 'Video job created successfully');
    assert.ok(created.tracking_token);
    assert.equal(await stack.jobsOfMobile(mobile), 1);
    assert.equal(await stack.waitForStatus(created.job_id, ['sent', 'failed']), 'sent');
    assert.equal(stack.inbox.messages.length, sentBefore, 'no OTP was texted');
  });

  it('streams the job as server-sent events, one per change, and closes when it is sent', async () => {
    const mobile = await stack.verifiedMobile();
    const created = await submitExpecting(mobile, 'video_created');
    const response = await stack.app.request(`/api/v1/video/jobs/${created.job_id}/events?tracking_token=${created.tracking_token}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    // text() resolves only when the server closes the stream.
    const events = [...(await response.text()).matchAll(/^event: job\ndata: (.*)$/gm)].map((match) => JSON.parse(match[1]!) as { status: string; timeline: unknown[] });
    const statuses = events.map((event) => event.status);
    assert.equal(statuses.at(-1), 'sent');
    assert.ok(statuses.length >= 2, `one event per change, got ${statuses.join(', ')}`);
    assert.equal(new Set(statuses).size, statuses.length, 'no event repeats an unchanged job');
    assert.equal(events.at(-1)?.timeline.length, 8, 'the last event carries the whole timeline');
  });

  it('4. verified user with a video being processed: pending with the active job, nothing created', async () => {
    const mobile = await stack.verifiedMobile();
    const created = await submitExpecting(mobile, 'video_created');
    await stack.waitForStatus(created.job_id, ['photo_processing', 'photo_done', 'lipsync_processing', 'lipsync_done', 'stitching']);
    const pending = await submitExpecting(mobile, 'pending');
    assert.equal(pending.message, "You already have a video being processed. Please wait until it's complete.");
    assert.equal(pending.job_id, created.job_id);
    assert.equal(pending.tracking_token, undefined, 'a number alone must not reveal the job');
    assert.equal(await stack.jobsOfMobile(mobile), 1);
    assert.equal(await stack.waitForStatus(created.job_id, ['sent', 'failed']), 'sent');
  });

  it('5. verified user whose previous video is uploaded (still being sent) or sent: video_created', async () => {
    const mobile = await stack.verifiedMobile();
    let open!: () => void;
    deliveryGate = new Promise((resolve) => (open = resolve));
    const first = await submitExpecting(mobile, 'video_created');
    assert.equal(await stack.waitForStatus(first.job_id, ['uploaded', 'failed']), 'uploaded');

    // The slot frees at `uploaded`: WhatsApp delivery runs in a child workflow of its own.
    const second = await submitExpecting(mobile, 'video_created');
    assert.notEqual(second.job_id, first.job_id);
    assert.equal(await stack.jobStatus(first.job_id), 'uploaded');
    open();
    deliveryGate = undefined;
    assert.equal(await stack.waitForStatus(first.job_id, ['sent', 'failed']), 'sent');
    assert.equal(await stack.waitForStatus(second.job_id, ['sent', 'failed']), 'sent');

    const third = await submitExpecting(mobile, 'video_created');
    assert.equal(await stack.jobsOfMobile(mobile), 3);
    assert.equal(await stack.waitForStatus(third.job_id, ['sent', 'failed']), 'sent');
  });

  it('6. verified user whose previous video failed: video_created, the failed job stays failed', async () => {
    const mobile = await stack.verifiedMobile();
    const blank = await flatImage(900, 1200).jpeg().toBuffer();
    const rejected = await stack.submit({ mobile_number: mobile, photo: blank });
    assert.equal(rejected.body.status, 'video_created');
    const failedJob = rejected.body.job_id as number;
    assert.equal(await stack.waitForStatus(failedJob, ['failed', 'sent']), 'failed');
    const [failure] = await stack.sql`select failed_stage, last_error_code from video_jobs where id = ${failedJob}`;
    assert.deepEqual({ ...failure }, { failed_stage: 'photo_processing', last_error_code: 'REJECT_INVALID' });
    const [attempts] = await stack.sql`select count(*)::int as n from video_job_events where job_id = ${failedJob} and status = 'photo_processing'`;
    assert.equal(attempts?.n, 1, 'a rejected photo is not retried');

    const created = await submitExpecting(mobile, 'video_created');
    assert.notEqual(created.job_id, failedJob);
    assert.equal(await stack.jobStatus(failedJob), 'failed');
    assert.equal(await stack.waitForStatus(created.job_id, ['sent', 'failed']), 'sent');
  });

  it('7. second video while the first is queued: pending with the first job', async () => {
    const mobile = await stack.verifiedMobile();
    await stack.stopWorker();
    try {
      const first = await submitExpecting(mobile, 'video_created');
      assert.equal(await stack.jobStatus(first.job_id), 'queued');
      const second = await submitExpecting(mobile, 'pending');
      assert.equal(second.job_id, first.job_id);
      assert.equal(await stack.jobsOfMobile(mobile), 1);
    } finally {
      await stack.startWorker();
    }
  });

  it('8. second video after the first was sent: video_created, both jobs kept', async () => {
    const mobile = await stack.verifiedMobile();
    const first = await submitExpecting(mobile, 'video_created');
    assert.equal(await stack.waitForStatus(first.job_id, ['sent', 'failed']), 'sent');
    const second = await submitExpecting(mobile, 'video_created');
    assert.notEqual(second.job_id, first.job_id);
    const rows = await stack.sql`select id, status from video_jobs where id in ${stack.sql([first.job_id, second.job_id])} order by id`;
    assert.equal(rows.length, 2);
    assert.equal(rows[0]?.status, 'sent');
    assert.notEqual(rows[1]?.status, 'failed');
    assert.equal(await stack.waitForStatus(second.job_id, ['sent', 'failed']), 'sent');
  });
});
