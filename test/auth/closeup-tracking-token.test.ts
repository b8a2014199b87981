import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freshMobile, startCloseupStack } from '../support/closeup-stack.js';

let stack: Awaited<ReturnType<typeof startCloseupStack>>;
before(async () => {
  // No worker: the jobs wait for their OTPs; who may read them is all that is tested.
  stack = await startCloseupStack({ worker: false });
});
after(() => stack?.stop());

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await stack.app.request(path, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('a Close-Up tracking token on another job', () => {
  it('is 404 on the job, its events and the engine’s stream, exactly as an unknown job; no token is 401; the job’s own token reads it', async () => {
    const [mine, theirs] = await Promise.all([stack.submit({ mobile_number: freshMobile() }), stack.submit({ mobile_number: freshMobile() })]);
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
    const token = String(mine.body.tracking_token);
    const [other] = await stack.sql<{ key: string }[]>`select key::text from jobs where id = ${Number(theirs.body.job_id)}`;

    const theirId = Number(theirs.body.job_id);
    const unknownId = theirId + 1_000_000;
    for (const [label, path, headers] of [
      ['query', `/api/v1/video/jobs/${theirId}?tracking_token=${token}`, {}],
      ['header', `/api/v1/video/jobs/${theirId}`, { 'x-tracking-token': token }],
      ['events', `/api/v1/video/jobs/${theirId}/events?tracking_token=${token}`, {}],
    ] as const) {
      const refused = await get(path, headers);
      assert.equal(refused.status, 404, `${label} ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.error, 'NotFound');
      const unknown = await get(path.replace(String(theirId), String(unknownId)), headers);
      assert.deepEqual({ ...unknown, body: { ...unknown.body, message: '' } }, { ...refused, body: { ...refused.body, message: '' } }, `${label}: another’s job and no job look alike`);
    }
    for (const ref of [theirId, other!.key]) {
      const refused = await get(`/api/v1/jobs/${ref}/events?tracking_token=${token}`);
      assert.equal(refused.status, 404, `engine stream by ${ref}`);
      assert.equal(refused.body.statusCode, 404);
    }
    const anonymous = await get(`/api/v1/video/jobs/${theirId}`);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error, 'Unauthorized');
    assert.equal((await get(`/api/v1/video/jobs/${Number(mine.body.job_id)}?tracking_token=${token}`)).status, 200);
  });
});
