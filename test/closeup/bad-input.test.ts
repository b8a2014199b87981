import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closeupWorkflowId } from '../../workflows/closeup/contract.js';
import { freshMobile } from '../support/closeup-stack.js';
import { SUBMIT, startBadInputKit, validFields, type BadInputKit } from '../support/bad-input-kit.js';

/**
 * Bad input never gets past the door: every refusal is a 4xx in the one error shape, names what
 * was wrong, and leaves no user, no job and no workflow behind. Requests go over real HTTP
 * (@hono/node-server on loopback, see ../support/bad-input-kit.ts). The submission form's
 * refusals are in bad-input-submit.test.ts; here the OTP, admin and job-read endpoints, and the
 * number spellings that are valid.
 */

describe('Close-Up bad input', { timeout: 300_000 }, () => {
  let kit: BadInputKit;
  let { stack, selfie, request, postJson, submitForm, admin, refused, usersWithNumber, nothingCreated } = {} as BadInputKit;
  before(async () => {
    kit = await startBadInputKit();
    ({ stack, selfie, request, postJson, submitForm, admin, refused, usersWithNumber, nothingCreated } = kit);
  });
  after(() => kit?.stop());

  describe('POST /api/v1/auth/verify-otp and resend-otp', () => {
    it('refuses malformed JSON, a missing or 5-digit otp and a bad number', async () => {
      const mobile = freshMobile();
      const verify = '/api/v1/auth/verify-otp';
      await refused(await postJson(verify, `{"mobile_number": "${mobile}", "otp": `), 400, /^Malformed JSON in request body$/);
      await refused(await postJson(verify, JSON.stringify({ mobile_number: mobile })), 400, /^otp: otp is required$/);
      await refused(await postJson(verify, JSON.stringify({ mobile_number: mobile, otp: '12345' })), 400, /^otp: must be the 6-digit code$/);
      await refused(await postJson(verify, JSON.stringify({ mobile_number: '12345', otp: '123456' })), 400, /^mobile_number: must be an Indian mobile number/);
      await refused(await postJson(verify, JSON.stringify([mobile, '123456'])), 400, /^json: Invalid input: expected object, received array$/);
      // Well-formed but nothing pending: a plain 404 that does not create the user it looked for.
      await refused(await postJson(verify, JSON.stringify({ mobile_number: mobile, otp: '123456' })), 404, /No OTP is pending/);
      await nothingCreated(`+91${mobile}`);
    });

    it('refuses resend-otp for a bad number', async () => {
      const mobile = freshMobile();
      const resend = '/api/v1/auth/resend-otp';
      await refused(await postJson(resend, JSON.stringify({ mobile_number: '+447911123456' })), 400, /^mobile_number: must be an Indian mobile number/);
      await refused(await postJson(resend, JSON.stringify({})), 400, /^mobile_number: mobile_number is required$/);
      await refused(await postJson(resend, JSON.stringify({ mobile_number: mobile })), 404, /No OTP is pending/);
      await nothingCreated(`+91${mobile}`);
    });
  });

  describe('admin endpoints', () => {
    const LIST = '/api/v1/video-jobs/list';
    const UPDATE = '/api/v1/video-jobs/update-job';

    it('answer 401 without a bearer token or with a wrong one', async () => {
      for (const path of [LIST, `${UPDATE}?job_id=1&status=queued`]) {
        const method = path === LIST ? 'GET' : 'PATCH';
        const none = await request(path, { method });
        assert.equal(none.headers.get('www-authenticate'), 'Bearer');
        await refused(none, 401, /admin bearer token is required/);
        await refused(await request(path, { method, headers: { authorization: 'Bearer not-the-admin-token' } }), 401, /admin bearer token is required/);
        await refused(await request(path, { method, headers: { authorization: stack.config.ADMIN_TOKEN } }), 401, /admin bearer token is required/);
      }
    });

    it('refuse a bad list query with 400', async () => {
      await refused(await admin(`${LIST}?status=bogus`), 400, /^status: must be one of awaiting_otp, queued/);
      await refused(await admin(`${LIST}?from_date=08-01-2026`), 400, /^from_date: from_date must be a date, YYYY-MM-DD/);
      await refused(await admin(`${LIST}?to_date=2026-13-01`), 400, /^to_date: to_date must be a real date$/);
      await refused(await admin(`${LIST}?from_date=2026-02-30`), 400, /^from_date: from_date must be a real date$/);
      await refused(await admin(`${LIST}?from_date=0000-01-01`), 400, /^from_date: from_date must be a real date$/);
      // The calendar's edges are real days: an answer, not a database error.
      for (const query of ['from_date=0001-01-01', 'to_date=9999-12-31']) {
        const edge = await admin(`${LIST}?${query}`);
        assert.equal(edge.status, 200, await edge.clone().text());
        // Other test files write jobs to the same database: the total is theirs to decide.
        assert.equal(typeof ((await edge.json()) as { total: number }).total, 'number');
      }
      await refused(await admin(`${LIST}?limit=0`), 400, /^limit: /);
      await refused(await admin(`${LIST}?limit=5000`), 400, /^limit: /);
      await refused(await admin(`${LIST}?limit=ten`), 400, /^limit: limit must be a number$/);
    });

    it('refuse a bad update-job with 400, an unknown job with 404', async () => {
      const patch = (query: string) => admin(`${UPDATE}${query}`, { method: 'PATCH' });
      await refused(await patch('?status=queued'), 400, /^job_id: job_id must be a number$/);
      await refused(await patch('?job_id=abc&status=queued'), 400, /^job_id: job_id must be a number$/);
      await refused(await patch('?job_id=1'), 400, /^status: status is required$/);
      await refused(await patch('?job_id=1&status=teleported'), 400, /^status must be one of awaiting_otp, queued/);
      await refused(await patch('?job_id=9007199254740991&status=queued'), 404, /^No job 9007199254740991\.$/);
    });
  });

  describe('GET /api/v1/video/jobs/{job_id}', () => {
    it('refuses a non-numeric id (400), a missing token (401) and a wrong one (404)', async () => {
      await refused(await request('/api/v1/video/jobs/abc?tracking_token=x'), 400, /^job_id: job_id must be a number$/);
      await refused(await request('/api/v1/video/jobs/1'), 401, /tracking_token/);
      await refused(await request('/api/v1/video/jobs/1/events'), 401, /tracking_token/);
      await refused(await request(`/api/v1/video/jobs/1?tracking_token=${'0'.repeat(43)}`), 404, /^No job 1 for this tracking token\.$/);
    });
  });

  it('answers an unknown route 404 in the error shape', async () => {
    await refused(await request('/api/v1/video/nothing-here'), 404, /^No route for GET \/api\/v1\/video\/nothing-here$/);
    await refused(await request(SUBMIT), 404, /^No route for GET \/api\/v1\/video\/submit$/);
  });

  it('left no workflow behind on this task queue', async () => {
    await nothingCreated();
  });

  describe('valid numbers', () => {
    it('maps 09876543210, +919876543210, 919876543210 and 98765 43210 spellings to one user and one job', async () => {
      const mobile = freshMobile();
      const spellings = [`0${mobile}`, `+91${mobile}`, `91${mobile}`, `${mobile.slice(0, 5)} ${mobile.slice(5)}`];
      const answers: { status: string; job_id: number; mobile_number: string; tracking_token: string }[] = [];
      for (const spelling of spellings) {
        const response = await submitForm(validFields(spelling), { bytes: selfie });
        const text = await response.text();
        assert.equal(response.status, 200, text);
        answers.push(JSON.parse(text) as (typeof answers)[number]);
      }
      assert.deepEqual(answers.map((answer) => [answer.status, answer.mobile_number, answer.job_id]), spellings.map(() => ['otp_sent', mobile, answers[0]!.job_id]));
      assert.equal(await usersWithNumber(`+91${mobile}`), 1);
      assert.equal(await stack.jobsOfMobile(mobile), 1);
      const [user] = await stack.sql<{ id: string }[]>`select user_id as id from video_jobs where id = ${answers[0]!.job_id}`;
      const description = await stack.temporal.workflow.getHandle(closeupWorkflowId(user!.id)).describe();
      assert.equal(description.status.name, 'RUNNING');

      // A real job read with a replaced or foreign token is a 404, like a job that does not exist.
      const jobId = answers[0]!.job_id;
      await refused(await request(`/api/v1/video/jobs/${jobId}?tracking_token=${answers[0]!.tracking_token}`), 404, /for this tracking token/);
      await refused(await request(`/api/v1/video/jobs/${jobId}/events`, { headers: { 'x-tracking-token': 'someone-elses' } }), 404, /for this tracking token/);
      const own = await request(`/api/v1/video/jobs/${jobId}`, { headers: { 'x-tracking-token': answers.at(-1)!.tracking_token } });
      assert.equal(own.status, 200);

      // The admin list's day filter counts in IST: the job is in today's list, not in yesterday's.
      const day = (offsetDays: number) => new Date(Date.now() + (5.5 * 60 + offsetDays * 24 * 60) * 60_000).toISOString().slice(0, 10);
      const listed = async (query: string) => {
        const response = await admin(`/api/v1/video-jobs/list?limit=1000&${query}`);
        assert.equal(response.status, 200);
        return ((await response.json()) as { jobs: { id: number }[] }).jobs.map((job) => job.id);
      };
      assert.ok((await listed(`from_date=${day(0)}&to_date=${day(0)}`)).includes(jobId));
      assert.ok(!(await listed(`to_date=${day(-1)}`)).includes(jobId));
      assert.ok(!(await listed(`from_date=${day(1)}`)).includes(jobId));
    });
  });
});
