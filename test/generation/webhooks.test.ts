import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { readBody, startLoopbackServer, type LoopbackServer } from '../fakes/loopback.js';
import { startGenerationStack, type GenerationStack } from '../support/generation-stack.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

let stack: GenerationStack;
let receiver: LoopbackServer;
const received: Received[] = [];
/** How many deliveries the receiver fails with 500 before it accepts (per webhook-id). */
const failFirst = new Map<string, number>();

before(async () => {
  receiver = await startLoopbackServer(async (request, response) => {
    const body = (await readBody(request)).toString();
    const id = String(request.headers['webhook-id']);
    const failuresLeft = failFirst.get(id) ?? 0;
    const answered = failuresLeft > 0 ? 500 : 204;
    if (failuresLeft > 0) failFirst.set(id, failuresLeft - 1);
    received.push({ headers: request.headers, body, answered });
    response.writeHead(answered).end();
  });
  stack = await startGenerationStack({ env: { REMOTE_FETCH_ALLOW_HOSTS: new URL(receiver.url).host } });
});
after(async () => {
  await stack?.stop();
  await receiver?.close();
});

async function deliveriesOf(jobId: string, count: number, timeoutMs = 30_000): Promise<Received[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = received.filter((delivery) => delivery.body.includes(jobId));
    if (mine.length >= count) return mine;
    if (Date.now() > deadline) throw new Error(`${mine.length} of ${count} webhook deliveries for ${jobId}`);
    await sleep(50);
  }
}

/** Verifies the Standard Webhooks signature with the spec's reference library; returns the payload. */
function verified(delivery: Received): { type: string; data: Record<string, unknown> } {
  const verifier = new Webhook(stack.config.WEBHOOK_SIGNING_SECRET);
  const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [name, String(delivery.headers[name])]));
  return verifier.verify(delivery.body, headers) as { type: string; data: Record<string, unknown> };
}

describe('completion webhooks', () => {
  it('POSTs signed start and completed events, the video in the last, retrying with the same webhook-id', async () => {
    const user = await stack.as();
    const accepted = await user.generate({ prompt: 'hooked', webhook_url: `${receiver.url}/hook`, webhook_events_filter: ['start', 'completed'] });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const jobId = String(accepted.body.job_id);
    failFirst.set(`msg_${jobId}_completed`, 1);
    const deliveries = await deliveriesOf(jobId, 3);
    const start = deliveries.find((delivery) => verified(delivery).type === 'generation.started');
    assert.ok(start, 'a start event');
    const completed = deliveries.filter((delivery) => verified(delivery).type === 'generation.completed');
    assert.deepEqual(completed.map((delivery) => delivery.answered), [500, 204]);
    assert.equal(completed[0]?.headers['webhook-id'], completed[1]?.headers['webhook-id'], 'the id is stable across retries');
    const payload = verified(completed[1]!);
    assert.equal(payload.data.job_id, jobId);
    assert.equal(payload.data.status, 'completed');
    const video = payload.data.video as Record<string, unknown>;
    assert.equal(video.generation_type, 'text_to_video');
    assert.match(String(video.url), /^http/);
    assert.throws(() => new Webhook(stack.config.WEBHOOK_SIGNING_SECRET).verify(completed[1]!.body.replace('completed', 'failed'), {
      'webhook-id': String(completed[1]!.headers['webhook-id']),
      'webhook-timestamp': String(completed[1]!.headers['webhook-timestamp']),
      'webhook-signature': String(completed[1]!.headers['webhook-signature']),
    }));
  });

  it('sends only the events asked for, and tells a failure with its error', async () => {
    const user = await stack.as();
    const accepted = await user.generate({ prompt: 'doomed [fail]', webhook_url: `${receiver.url}/hook` });
    const jobId = String(accepted.body.job_id);
    const [delivery] = await deliveriesOf(jobId, 1);
    const payload = verified(delivery!);
    assert.equal(payload.type, 'generation.completed');
    assert.equal(payload.data.status, 'failed');
    assert.match(String(payload.data.error), /Model timeout/);
    await sleep(500);
    assert.equal(received.filter((entry) => entry.body.includes(jobId)).length, 1, 'no start event: only completed was asked for');
  });
});
