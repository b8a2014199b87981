import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { testConfig } from '../../test/support/harness.js';
import { startSmsWebhookReceiver, startTwilioFake } from '../../test/fakes/sms.js';
import { ProviderError } from '../provider-error.js';
import { createOtpSender } from './index.js';
import { createTwilioOtpSender } from './twilio.js';
import { createWebhookOtpSender } from './webhook.js';

const TO = '+919876543210';
const TEXT = 'Your Close-Up code is 482913. It expires in 10 minutes.';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => assert.fail('expected a ProviderError'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
  return error;
}

describe('console OTP sender', () => {
  it('logs the message with its code under a clear marker, and masks the number', async () => {
    const { logger, lines } = capturingLogger();
    const sender = createOtpSender(testConfig({ SMS_PROVIDER: 'console' }), logger);
    assert.equal(sender.name, 'console');
    await sender.send({ to: TO, text: TEXT });
    const line = lines.find((entry) => String(entry.msg).startsWith('[console OTP]'));
    assert.ok(line, 'no [console OTP] log line');
    assert.equal(line.level, 30);
    assert.match(String(line.msg), /482913/);
    assert.equal(line.to, '+91******3210');
    assert.doesNotMatch(JSON.stringify(lines), /9876543210/);
  });

  it('is refused when NODE_ENV=production', () => {
    const { logger } = capturingLogger();
    const config = { ...testConfig({ SMS_PROVIDER: 'console' }), NODE_ENV: 'production' as const };
    assert.throws(() => createOtpSender(config, logger), /refused when NODE_ENV=production/);
  });
});

describe('webhook OTP sender', () => {
  const secret = 'sms-webhook-secret-for-tests';
  let receiver: Awaited<ReturnType<typeof startSmsWebhookReceiver>>;
  before(async () => (receiver = await startSmsWebhookReceiver({ secret })));
  after(() => receiver.close());

  it('posts {to, text} with a signature the receiver verifies', async () => {
    const sender = createOtpSender(testConfig({ SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: receiver.url, SMS_WEBHOOK_SECRET: secret }), pino({ level: 'silent' }));
    const result = await sender.send({ to: TO, text: TEXT });
    assert.deepEqual(receiver.received.at(-1), { to: TO, text: TEXT });
    assert.equal(result.providerMessageId, `sms-${receiver.received.length}`);
  });

  it('is rejected by the receiver when signed with another secret', async () => {
    const sender = createWebhookOtpSender({ url: receiver.url, secret: 'not-the-shared-secret' });
    const error = await providerError(sender.send({ to: TO, text: TEXT }));
    assert.equal(error.code, 'SMS_WEBHOOK_401');
    assert.equal(error.retryable, false);
    assert.equal(receiver.rejected.at(-1), 'bad signature');
  });

  it('signs the timestamp, so an old request is refused as a replay', async () => {
    const sender = createWebhookOtpSender({ url: receiver.url, secret, now: () => Date.now() - 10 * 60_000 });
    const error = await providerError(sender.send({ to: TO, text: TEXT }));
    assert.equal(error.code, 'SMS_WEBHOOK_401');
    assert.equal(receiver.rejected.at(-1), 'stale timestamp');
  });

  it('retries on 429 with the gateway retry-after and on 5xx; fails fast on other 4xx', async () => {
    const sender = createWebhookOtpSender({ url: receiver.url, secret });
    receiver.script.push({ status: 429, body: { error: 'slow down' }, headers: { 'retry-after': '7' } });
    const limited = await providerError(sender.send({ to: TO, text: TEXT }));
    assert.deepEqual([limited.code, limited.retryable, limited.retryAfterMs], ['SMS_WEBHOOK_429', true, 7000]);
    receiver.script.push({ status: 503, body: { error: 'down' } });
    const down = await providerError(sender.send({ to: TO, text: TEXT }));
    assert.deepEqual([down.code, down.retryable], ['SMS_WEBHOOK_503', true]);
    receiver.script.push({ status: 422, body: { error: 'unknown number' } });
    const refused = await providerError(sender.send({ to: TO, text: TEXT }));
    assert.deepEqual([refused.code, refused.retryable], ['SMS_WEBHOOK_422', false]);
  });

  it('times out on a gateway that never answers, as a retryable error', async () => {
    const sender = createWebhookOtpSender({ url: receiver.url, secret, timeoutMs: 300 });
    receiver.script.push('hang');
    const error = await providerError(sender.send({ to: TO, text: TEXT }));
    assert.deepEqual([error.code, error.retryable], ['SMS_WEBHOOK_TIMEOUT', true]);
  });
});

describe('Twilio OTP sender', () => {
  const accountSid = 'AC00000000000000000000000000000001';
  const authToken = 'twilio-token-for-tests';
  let twilio: Awaited<ReturnType<typeof startTwilioFake>>;
  before(async () => (twilio = await startTwilioFake({ accountSid, authToken, invalidNumbers: ['+911234500000'], unsubscribedNumbers: ['+919999900000'] })));
  after(() => twilio.close());
  const sender = () => createTwilioOtpSender({ baseUrl: twilio.url, accountSid, authToken, from: '+15005550006', timeoutMs: 2000 });

  it('sends through the Messages API and returns the message sid', async () => {
    const viaConfig = createOtpSender(
      testConfig({ SMS_PROVIDER: 'twilio', TWILIO_API_BASE_URL: twilio.url, TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM_NUMBER: '+15005550006' }),
      pino({ level: 'silent' }),
    );
    const result = await viaConfig.send({ to: TO, text: TEXT });
    const sent = twilio.sent.at(-1);
    assert.deepEqual(sent && { to: sent.to, from: sent.from, body: sent.body }, { to: TO, from: '+15005550006', body: TEXT });
    assert.equal(result.providerMessageId, sent?.sid);
  });

  it('names Twilio error codes and fails fast on invalid or unsubscribed numbers and bad credentials', async () => {
    const invalid = await providerError(sender().send({ to: '+911234500000', text: TEXT }));
    assert.deepEqual([invalid.code, invalid.retryable], ['TWILIO_21211', false]);
    assert.match(invalid.message, /not a valid phone number/);
    const unsubscribed = await providerError(sender().send({ to: '+919999900000', text: TEXT }));
    assert.deepEqual([unsubscribed.code, unsubscribed.retryable], ['TWILIO_21610', false]);
    const badAuth = await providerError(createTwilioOtpSender({ baseUrl: twilio.url, accountSid, authToken: 'wrong', from: '+15005550006' }).send({ to: TO, text: TEXT }));
    assert.deepEqual([badAuth.code, badAuth.retryable], ['TWILIO_20003', false]);
  });

  it('retries 429 (honouring retry-after) and 5xx, also when the body is not Twilio JSON', async () => {
    twilio.script.push({ status: 429, body: { code: 20429, message: 'Too Many Requests', more_info: 'https://www.twilio.com/docs/errors/20429', status: 429 }, headers: { 'retry-after': '3' } });
    const limited = await providerError(sender().send({ to: TO, text: TEXT }));
    assert.deepEqual([limited.code, limited.retryable, limited.retryAfterMs], ['TWILIO_20429', true, 3000]);
    twilio.script.push({ status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } });
    const failed = await providerError(sender().send({ to: TO, text: TEXT }));
    assert.deepEqual([failed.code, failed.retryable], ['TWILIO_20500', true]);
    twilio.script.push({ status: 502, body: 'Bad Gateway' });
    const gateway = await providerError(sender().send({ to: TO, text: TEXT }));
    assert.deepEqual([gateway.code, gateway.retryable], ['TWILIO_502', true]);
  });

  it('times out on a hanging API as a retryable error', async () => {
    twilio.script.push('hang');
    const error = await providerError(createTwilioOtpSender({ baseUrl: twilio.url, accountSid, authToken, from: '+15005550006', timeoutMs: 300 }).send({ to: TO, text: TEXT }));
    assert.deepEqual([error.code, error.retryable], ['TWILIO_TIMEOUT', true]);
  });
});
