import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGenerationStack, type GenerationClient, type GenerationStack } from '../support/generation-stack.js';
import { sseEvents } from '../support/job-streams.js';

let stack: GenerationStack;
let owner: GenerationClient;
let jobId: string;

before(async () => {
  stack = await startGenerationStack();
  owner = await stack.as();
  const accepted = await owner.generate({ prompt: 'streamed to a browser' });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  jobId = String(accepted.body.job_id);
  await owner.waitFor(jobId, ['completed']);
});
after(() => stack?.stop());

const eventsUrl = (token: string) => `${stack.url}/videos/jobs/${jobId}/events?access_token=${encodeURIComponent(token)}`;

describe('the generation event stream for EventSource (no Authorization header)', () => {
  it('streams the owner’s job with ?access_token= alone', async () => {
    const events = await sseEvents(eventsUrl(owner.token));
    assert.deepEqual([...new Set(events.filter((event) => event.kind === 'status').map((event) => event.status))], ['queued', 'starting', 'processing', 'completed']);
  });

  it('answers 401 to a wrong token in the query and 403 to another user’s', async () => {
    const wrong = await fetch(eventsUrl(`${owner.token}x`));
    assert.equal(wrong.status, 401);
    assert.deepEqual(((await wrong.json()) as { details: unknown }).details, { problem: 'bad_signature' });
    const stranger = await stack.as();
    const forbidden = await fetch(eventsUrl(stranger.token));
    assert.equal(forbidden.status, 403);
    assert.equal(((await forbidden.json()) as { error: string }).error, 'Forbidden');
  });

  it('takes the query token on the event stream only', async () => {
    const status = await fetch(`${stack.url}/videos/jobs/${jobId}/status?access_token=${encodeURIComponent(owner.token)}`);
    assert.equal(status.status, 401);
    assert.deepEqual(((await status.json()) as { details: unknown }).details, { problem: 'missing' });
  });

  it('documents access_token, not Close-Up’s tracking_token, on the route', async () => {
    const doc = (await (await fetch(`${stack.url}/openapi.json`)).json()) as { paths: Record<string, { get: { parameters: { name: string; in: string }[] } }> };
    const parameters = doc.paths['/videos/jobs/{job}/events']!.get.parameters.map((parameter) => `${parameter.in}:${parameter.name}`).sort();
    assert.deepEqual(parameters, ['header:last-event-id', 'path:job', 'query:access_token', 'query:since']);
  });
});
