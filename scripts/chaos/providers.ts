import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clipOutputOptions, CLIP_FORMAT } from '../../lib/media/clip-format.js';
import { GROQ_FAKE_KEY, GROQ_FAKE_MODEL, startGroqFake, type GroqFake } from '../../test/fakes/groq.js';
import { startPredictionsApiFake, type PredictionsApiFake, type PredictionStatus } from '../../test/fakes/predictions-api.js';
import { startSmsWebhookReceiver } from '../../test/fakes/sms.js';
import { startWhatsAppCloudFake, type WhatsAppCloudFake } from '../../test/fakes/whatsapp-cloud.js';
import { makeClip } from '../../test/support/media.js';

/**
 * The outside services of the chaos run, as the loopback fakes of test/fakes: one Replicate-style
 * predictions API for every model (lip-sync, dubbing, video generation), the WhatsApp Cloud API
 * and the SMS webhook gateway; Groq for photo validation when asked. They count what reached them,
 * which is where duplicates show, and, given a rate, answer 429 beyond it (counted too).
 */

const TOKEN = 'r8_chaos_token';
const PHONE_NUMBER_ID = '106540352242999';
const ACCESS_TOKEN = 'EAAG-chaos-token';
const APP_SECRET = 'meta-app-secret-chaos';
const SMS_SECRET = 'sms-webhook-secret-chaos-run';

export type ModelInput = Record<string, unknown>;

/** Requests per second each fake takes before it answers 429. */
export interface ProviderRates {
  groq: number;
  sms: number;
  whatsapp: number;
  predictions: number;
}

export interface ProviderOptions {
  /** `apiUrl` receives the WhatsApp status webhooks; `scratch` holds the model output clip. */
  apiUrl: string;
  scratch: string;
  /** Without it the fakes take any rate. */
  rates?: ProviderRates;
  /** 'groq': photos are validated by the Groq fake (PHOTO_VALIDATOR=groq); default: the local validator. */
  photoValidator?: 'groq' | 'local';
  /** The statuses a prediction's polls walk through (default: a few polls, for kills to land mid-run). */
  predictionPlan?: PredictionStatus[];
}

export interface ChaosProviders {
  predictions: PredictionsApiFake<ModelInput>;
  /** Only with `photoValidator: 'groq'`. */
  groq?: GroqFake;
  whatsapp: WhatsAppCloudFake;
  sms: Awaited<ReturnType<typeof startSmsWebhookReceiver>>;
  /** What the worker and API need to reach them. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startChaosProviders(options: ProviderOptions): Promise<ChaosProviders> {
  const limit = (name: keyof ProviderRates) => (options.rates ? { rateLimit: { perSecond: options.rates[name] } } : {});
  // In the stitcher's clip format, so Close-Up's stitching stream-copies: the run measures durability, not encoding.
  const clip = join(options.scratch, 'model-output.mp4');
  await makeClip(clip, { width: CLIP_FORMAT.width, height: CLIP_FORMAT.height, fps: CLIP_FORMAT.fps, seconds: 3, outputOptions: clipOutputOptions() });
  const predictions = await startPredictionsApiFake<ModelInput>({
    token: TOKEN,
    output: await readFile(clip),
    parseInput: (input) => (input && typeof input === 'object' ? { input: input as ModelInput } : { invalid: 'input must be an object' }),
    ...limit('predictions'),
  });
  // A few polls per prediction: long enough for kills and cancels to land while one runs.
  predictions.plan = options.predictionPlan ?? ['starting', 'processing', 'processing', 'processing', 'succeeded'];
  const whatsapp = await startWhatsAppCloudFake({
    phoneNumberId: PHONE_NUMBER_ID,
    accessToken: ACCESS_TOKEN,
    statusWebhook: { url: `${options.apiUrl}/api/v1/whatsapp/webhook`, appSecret: APP_SECRET },
    ...limit('whatsapp'),
  });
  const sms = await startSmsWebhookReceiver({ secret: SMS_SECRET, ...limit('sms') });
  const groq = options.photoValidator === 'groq' ? await startGroqFake(limit('groq')) : undefined;
  const env: Record<string, string> = {
    SMS_PROVIDER: 'webhook',
    SMS_WEBHOOK_URL: sms.url,
    SMS_WEBHOOK_SECRET: SMS_SECRET,
    LIPSYNC_PROVIDER: 'http',
    LIPSYNC_API_URL: predictions.url,
    LIPSYNC_API_TOKEN: TOKEN,
    LIPSYNC_MODEL: 'chaos/lipsync',
    GENERATION_PROVIDER: 'http',
    GENERATION_API_URL: predictions.url,
    GENERATION_API_TOKEN: TOKEN,
    WHATSAPP_PROVIDER: 'cloud',
    WHATSAPP_API_BASE_URL: whatsapp.url,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: 'verify-chaos',
    ...(groq ? { PHOTO_VALIDATOR: 'groq', GROQ_API_KEY: GROQ_FAKE_KEY, GROQ_BASE_URL: groq.url, GROQ_VISION_MODEL: GROQ_FAKE_MODEL } : {}),
  };
  return {
    predictions,
    whatsapp,
    sms,
    groq,
    env,
    async close() {
      await Promise.all([predictions.close(), whatsapp.close(), sms.close(), groq?.close()]);
    },
  };
}
