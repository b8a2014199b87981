import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freshMobile, startCloseupStack, type CloseupStack } from '../support/closeup-stack.js';

/** The seed's eight scenarios (shared/seeds/closeup-submission-scenarios.md), against real Temporal, PostgreSQL and ffmpeg. */
describe('Close-Up submission scenarios', { timeout: 600_000 }, () => {
  let stack: CloseupStack;
  before(async () => {
    stack = await startCloseupStack();
  });
  after(() => stack.stop());

  it('1. new user: otp_sent, verified, then the job runs every stage to sent', async () => {
    const mobile = freshMobile();
    const submitted = await stack.submit({ mobile_number: mobile });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    assert.equal(submitted.body.status, 'otp_sent');
    assert.equal(submitted.body.message, 'OTP sent successfully');
    assert.equal(submitted.body.mobile_number, mobile);
    const jobId = submitted.body.job_id as number;
    const token = submitted.body.tracking_token as string;
    assert.ok(Number.isInteger(jobId) && token.length >= 32);
    assert.equal(await stack.jobStatus(jobId), 'awaiting_otp');

    const verified = await stack.verify(mobile, await stack.codeFor(mobile));
    assert.deepEqual(verified, { status: 200, body: { status: 'verified', message: 'Verification successful', job_id: jobId } });

    assert.equal(await stack.waitForStatus(jobId, ['sent', 'failed']), 'sent');
    const view = await stack.job(jobId, token);
    assert.equal(view.status, 200);
    const timeline = (view.body.timeline as { status: string; at: string }[]).map((event) => event.status);
    assert.deepEqual(timeline, ['awaiting_otp', 'queued', 'photo_processing', 'photo_done', 'lipsync_processing', 'lipsync_done', 'stitching', 'uploaded', 'sent']);
    for (const event of view.body.timeline as { at: string }[]) assert.match(event.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$/);
    const video = await stack.app.request(new URL(view.body.video_url as string).pathname + new URL(view.body.video_url as string).search);
    assert.equal(video.status, 200);
    assert.equal(video.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await video.arrayBuffer());
    assert.equal(bytes.subarray(4, 8).toString(), 'ftyp', 'a real mp4');
  });
});
