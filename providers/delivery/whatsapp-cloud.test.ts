import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { GRAPH_ERRORS, startWhatsAppCloudFake, type GraphAnswer, type WhatsAppCloudFake } from '../../test/fakes/whatsapp-cloud.js';
import { ProviderError, toActivityFailure } from '../provider-error.js';
import { createWhatsAppCloudDelivery, type WhatsAppCloudOptions } from './whatsapp-cloud.js';

const PHONE_NUMBER_ID = '106540352242922';
const TOKEN = 'EAAG-test-token';

describe('WhatsApp Cloud API delivery adapter', () => {
  let fake: WhatsAppCloudFake;
  let videoPath: string;
  before(async () => {
    fake = await startWhatsAppCloudFake({ phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN });
    const folder = await mkdtemp(join(process.env.REELFLOW_TEST_SCRATCH ?? tmpdir(), 'whatsapp-cloud-'));
    videoPath = join(folder, 'final.mp4');
    await writeFile(videoPath, Buffer.concat([Buffer.from('\0\0\0\x18ftypisom\0\0\x02\0isomiso2'), Buffer.alloc(200_000, 7)]));
  });
  after(() => fake.close());

  const adapter = (overrides: Partial<WhatsAppCloudOptions> = {}) =>
    createWhatsAppCloudDelivery({
      baseUrl: fake.url,
      phoneNumberId: PHONE_NUMBER_ID,
      accessToken: TOKEN,
      templateName: 'closeup_video_ready',
      templateLang: 'en',
      ...overrides,
    });

  async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
    const error = await promise.then(
      () => assert.fail('expected a ProviderError'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ProviderError, String(error));
    return error;
  }

  function failure(answer: GraphAnswer, overrides: Partial<WhatsAppCloudOptions> = {}): Promise<ProviderError> {
    fake.script.messages.push(answer);
    return rejection(adapter(overrides).send({ jobId: 7, to: '+919876543210', video: { mediaId: 'unused' } }));
  }

  it('uploads the video as media, then sends the template with a VIDEO header and the job id', async () => {
    const delivery = adapter();
    assert.equal(delivery.repeatableSend, false);
    const { mediaId } = await delivery.uploadMedia!(videoPath);
    const upload = fake.uploads.at(-1);
    assert.deepEqual(upload && { id: upload.id, product: upload.messagingProduct, type: upload.type, fileType: upload.fileType, size: upload.size }, {
      id: mediaId,
      product: 'whatsapp',
      type: 'video/mp4',
      fileType: 'video/mp4',
      size: 200_024,
    });

    const { messageId } = await delivery.send({ jobId: 4242, to: '+919876543210', video: { mediaId } });
    const message = fake.messages.at(-1);
    assert.equal(message?.id, messageId);
    assert.deepEqual(message && { ...message, id: undefined }, {
      id: undefined,
      to: '+919876543210',
      templateName: 'closeup_video_ready',
      languageCode: 'en',
      headerVideo: { id: mediaId },
      bizOpaqueCallbackData: '4242',
    });
  });

  it('treats the throughput limit (130429) as retry-later, with a default backoff or the given Retry-After', async () => {
    const plain = await failure(GRAPH_ERRORS.throughput());
    assert.deepEqual([plain.code, plain.retryable, plain.retryAfterMs], ['WHATSAPP_130429', true, 5000]);
    const told = await failure(GRAPH_ERRORS.throughputRetryAfter(7));
    assert.deepEqual([told.code, told.retryable, told.retryAfterMs], ['WHATSAPP_130429', true, 7000]);
    const failureForTemporal = toActivityFailure(told);
    assert.ok(failureForTemporal instanceof ApplicationFailure);
    assert.equal(failureForTemporal.type, 'WHATSAPP_130429');
    assert.equal(failureForTemporal.nonRetryable, false);
    assert.equal(failureForTemporal.nextRetryDelay, 7000);
  });

  it('treats the pair rate limit (131056) as retry-later', async () => {
    const error = await failure(GRAPH_ERRORS.pairRateLimit());
    assert.deepEqual([error.code, error.retryable, error.retryAfterMs], ['WHATSAPP_131056', true, 10_000]);
  });

  it('fails at once, naming the Graph code, for an undeliverable recipient, a closed window, a missing template or a bad token', async () => {
    const undeliverable = await failure(GRAPH_ERRORS.undeliverable());
    assert.deepEqual([undeliverable.code, undeliverable.retryable], ['WHATSAPP_131026', false]);
    assert.match(undeliverable.message, /Message Undeliverable/);
    assert.match(undeliverable.message, /fbtrace_id/);
    const window = await failure(GRAPH_ERRORS.reEngagement());
    assert.deepEqual([window.code, window.retryable], ['WHATSAPP_131047', false]);
    const template = await rejection(adapter({ templateName: 'not_approved' }).send({ jobId: 7, to: '+919876543210', video: { mediaId: fake.uploads[0]!.id } }));
    assert.deepEqual([template.code, template.retryable], ['WHATSAPP_132001', false]);
    const token = await rejection(adapter({ accessToken: 'expired' }).uploadMedia!(videoPath));
    assert.deepEqual([token.code, token.retryable], ['WHATSAPP_190', false]);
  });

  it('retries server errors, with or without a Graph error body', async () => {
    const graph = await failure(GRAPH_ERRORS.internal());
    assert.deepEqual([graph.code, graph.retryable], ['WHATSAPP_1', true]);
    const gateway = await failure({ status: 502, body: '<html>Bad Gateway</html>' });
    assert.deepEqual([gateway.code, gateway.retryable], ['WHATSAPP_502', true]);
    fake.script.media.push({ status: 503, body: { error: { message: 'Service temporarily unavailable', type: 'OAuthException', code: 2, fbtrace_id: 'x' } } });
    const upload = await rejection(adapter().uploadMedia!(videoPath));
    assert.deepEqual([upload.code, upload.retryable], ['WHATSAPP_2', true]);
  });

  it('times out on a hanging Graph API as a retryable error', async () => {
    const error = await failure('hang', { sendTimeoutMs: 300 });
    assert.deepEqual([error.code, error.retryable], ['WHATSAPP_TIMEOUT', true]);
  });
});
