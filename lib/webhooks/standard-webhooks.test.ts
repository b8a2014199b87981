import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { readBody, startLoopbackServer, type LoopbackServer } from '../../test/fakes/loopback.js';
import { isProviderError } from '../../test/support/provider-errors.js';
import { deliverWebhook, signWebhook } from './standard-webhooks.js';

const secret = `whsec_${Buffer.from('reelflow-webhook-test-secret-32by').toString('base64')}`;

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The three webhook-* headers as the receiver got them. */
function webhookHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[0].startsWith('webhook-') || entry[0] === 'content-type'));
}

describe('Standard Webhooks', () => {
  let receiver: LoopbackServer;
  let delivery: { secret: string; allowHosts: string[]; timeoutMs: number };
  const received: Received[] = [];

  before(async () => {
    receiver = await startLoopbackServer(async (request, response) => {
      const path = request.url ?? '/';
      received.push({ path, headers: webhookHeaders(request.headers), body: (await readBody(request)).toString() });
      if (path === '/ok') response.writeHead(204).end();
      else if (path === '/ok-chatty') response.writeHead(200).end('x'.repeat(1024 * 1024));
      else if (path === '/broken') response.writeHead(500).end('receiver crashed');
      else if (path === '/gone') response.writeHead(410).end();
      else if (path === '/bad') response.writeHead(400).end('what is this');
      else if (path === '/slow-down') response.writeHead(429, { 'retry-after': '30' }).end();
      else if (path === '/moved') response.writeHead(301, { location: '/ok' }).end();
      // '/hang' never answers.
    });
    delivery = { secret, allowHosts: [new URL(receiver.url).host], timeoutMs: 2000 };
  });
  after(() => receiver.close());

  it('signs as the spec’s reference library expects, with an independent HMAC to match', () => {
    const body = '{"type":"generation.completed"}';
    const headers = signWebhook({ id: 'msg_42_end', timestamp: 1_700_000_000, body, secret });
    assert.equal(headers['webhook-id'], 'msg_42_end');
    assert.equal(headers['webhook-timestamp'], '1700000000');
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`msg_42_end.1700000000.${body}`).digest('base64');
    assert.equal(headers['webhook-signature'], `v1,${expected}`);
  });

  it('uses a secret without the whsec_ prefix as its UTF-8 bytes', () => {
    const raw = 'a-raw-secret-of-thirty-two-chars!';
    const headers = signWebhook({ id: 'msg_1', timestamp: Math.floor(Date.now() / 1000), body: '{}', secret: raw });
    assert.doesNotThrow(() => new Webhook(`whsec_${Buffer.from(raw).toString('base64')}`).verify('{}', { ...headers }));
    assert.throws(() => signWebhook({ id: 'msg_1', timestamp: 1, body: '{}', secret: 'whsec_not base64!' }), isProviderError('WEBHOOK_BAD_SECRET', false));
    assert.throws(() => signWebhook({ id: 'msg.1', timestamp: 1, body: '{}', secret }), /contain no '\.'/);
  });

  it('delivers JSON the receiver verifies, under one id across attempts; a tampered body fails', async () => {
    received.length = 0;
    const payload = { type: 'generation.completed', data: { job_id: 'gen_1', note: 'naïve ✓' } };
    for (let attempt = 0; attempt < 2; attempt += 1) {
      assert.deepEqual(await deliverWebhook({ ...delivery, url: `${receiver.url}/ok`, id: 'msg_gen_1_end', payload }), { status: 204 });
    }
    assert.equal(received.length, 2);
    const verifier = new Webhook(secret);
    for (const { headers, body } of received) {
      assert.equal(headers['content-type'], 'application/json');
      assert.equal(headers['webhook-id'], 'msg_gen_1_end');
      assert.deepEqual(verifier.verify(body, headers), payload);
      assert.throws(() => verifier.verify(body.replace('gen_1', 'gen_2'), headers), WebhookVerificationError);
      assert.throws(() => new Webhook(`whsec_${Buffer.from('another-secret-entirely-32-bytes').toString('base64')}`).verify(body, headers), WebhookVerificationError);
    }
  });

  it('counts any 2xx as delivered without reading the answer', async () => {
    assert.deepEqual(await deliverWebhook({ ...delivery, url: `${receiver.url}/ok-chatty`, id: 'msg_2', payload: {} }), { status: 200 });
  });

  it('retries 5xx, 429 and timeouts; gives up on 410, other 4xx and redirects', async () => {
    const send = (path: string, timeoutMs = delivery.timeoutMs) => deliverWebhook({ ...delivery, timeoutMs, url: `${receiver.url}${path}`, id: 'msg_3', payload: {} });
    await assert.rejects(send('/broken'), isProviderError('WEBHOOK_500', true, (error) => assert.match(error.message, /receiver crashed/)));
    await assert.rejects(send('/slow-down'), isProviderError('WEBHOOK_429', true, (error) => assert.equal(error.retryAfterMs, 30_000)));
    await assert.rejects(send('/hang', 300), isProviderError('WEBHOOK_TIMEOUT', true));
    await assert.rejects(send('/gone'), isProviderError('WEBHOOK_GONE', false));
    await assert.rejects(send('/bad'), isProviderError('WEBHOOK_400', false));
    received.length = 0;
    await assert.rejects(send('/moved'), isProviderError('WEBHOOK_301', false));
    assert.deepEqual(received.map(({ path }) => path), ['/moved'], 'the redirect was not followed');
  });

  it('refuses a webhook_url on a private address unless allow-listed', async () => {
    received.length = 0;
    const refused = deliverWebhook({ ...delivery, allowHosts: [], url: `${receiver.url}/ok`, id: 'msg_4', payload: {} });
    await assert.rejects(refused, isProviderError('WEBHOOK_BLOCKED', false, (error) => assert.match(error.message, /^webhook_url's host is a loopback address/)));
    assert.deepEqual(received, []);
  });
});
