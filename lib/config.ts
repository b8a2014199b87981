import { z } from 'zod';
import { bool, corsOrigins, wholeNumber, key32, optionalText, port, portOrOff, positiveInt, rate, url, WORKER_QUEUES, workerQueues } from './config-fields.js';

/**
 * Every environment variable reelflow reads, parsed once. Defaults suit local development;
 * secrets have development defaults only, so production must set them explicitly.
 */

/** Secrets: required in production, development defaults otherwise. Values are fixed so dev data stays readable across restarts. */
const DEVELOPMENT_SECRETS = {
  ADMIN_TOKEN: 'dev-admin-token',
  PHONE_ENCRYPTION_KEY: '6465762d70686f6e652d656e6372797074696f6e2d6b65792d2d2d2d2d2d2d2d',
  PHONE_HASH_KEY: '6465762d70686f6e652d626c696e642d696e6465782d6b65792d2d2d2d2d2d2d',
  MEDIA_SIGNING_KEY: '6465762d6d656469612d75726c2d7369676e696e672d6b65792d2d2d2d2d2d2d',
  WEBHOOK_SIGNING_SECRET: 'whsec_ZGV2LXdlYmhvb2stc2lnbmluZy1zZWNyZXQtLS0tLS0tLS0tLS0tLS0=',
} as const;

type SecretName = keyof typeof DEVELOPMENT_SECRETS;

/** Where the worker serves the Temporal SDK's Prometheus metrics unless WORKER_METRICS_PORT says otherwise. */
export const DEFAULT_WORKER_METRICS_PORT = 9464;

/** The shortest ADMIN_TOKEN production accepts (elsewhere 16). */
export const PRODUCTION_ADMIN_TOKEN_LENGTH = 32;

/** Signs `npm run token`'s tokens when no Supabase project is configured (never in production: see requirements). */
export const DEVELOPMENT_SUPABASE_JWT_SECRET = 'reelflow-development-supabase-jwt-secret-not-for-production';

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production'], { error: 'must be development, test or production' }).default('development'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], { error: 'must be a pino level (trace … fatal, silent)' }).default('info'),

  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port.default(8000),
  PUBLIC_BASE_URL: url.optional(),
  // Browser frontends on other origins; the default depends on NODE_ENV (see loadConfig).
  CORS_ALLOWED_ORIGINS: corsOrigins.optional(),
  // GET /metrics answers only `Authorization: Bearer <METRICS_TOKEN>` when set; open when unset.
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // The worker's Temporal SDK metrics (Prometheus, on HOST); 0 turns them off, the default under NODE_ENV=test.
  WORKER_METRICS_PORT: portOrOff.optional(),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/reelflow'),

  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('reelflow'),
  TEMPORAL_UI_URL: url.default('http://localhost:8233'),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_CLI: optionalText,
  TEMPORAL_DB_FILE: optionalText,
  WORKFLOW_BUNDLE_PATH: optionalText,
  // Workflows kept in the worker's sticky cache; evicted ones replay their (short) history when woken.
  // How long a stage activity (lip-sync, stitching, delivery) may go silent before Temporal gives
  // its attempt to another worker; tests shorten it so a killed worker costs seconds.
  ACTIVITY_HEARTBEAT_TIMEOUT_SECONDS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(3600).default(30),
  WORKER_MAX_CACHED_WORKFLOWS: wholeNumber.default(100),
  // Which queues this worker process polls (main, groq, whatsapp, sms, predictions, feed-generation): scale each apart.
  WORKER_TASK_QUEUES: workerQueues.default([...WORKER_QUEUES]),
  // Provider queues (workflows/engine/provider-queues.ts): Temporal dispatches at most this many of
  // a provider's activities per second across all its workers (0: no limit); see .env.example.
  GROQ_MAX_RPS: rate.default(10),
  WHATSAPP_MAX_MPS: rate.default(80),
  SMS_MAX_RPS: rate.default(10),
  PREDICTIONS_MAX_RPS: rate.default(10),
  // Predictions (lip-sync, generation) one predictions worker runs at once: the deployment's bound is workers × this.
  PREDICTIONS_MAX_CONCURRENT: positiveInt.default(10),

  FFMPEG_PATH: optionalText,
  FFPROBE_PATH: optionalText,
  BRAND_INTRO_PATH: optionalText,
  BRAND_OUTRO_PATH: optionalText,

  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  PHONE_ENCRYPTION_KEY: key32.optional(),
  PHONE_HASH_KEY: key32.optional(),
  MEDIA_SIGNING_KEY: key32.optional(),

  // Fractions allowed (0.05 = 3 s) so tests can watch a code expire.
  OTP_EXPIRY_MINUTES: z.coerce.number({ error: 'must be a number' }).positive('must be positive').default(10),
  OTP_MAX_ATTEMPTS: positiveInt.default(3),
  OTP_RESEND_COOLDOWN_SECONDS: positiveInt.default(60),
  OTP_MAX_SENDS_PER_HOUR: positiveInt.default(5),

  PHOTO_VALIDATOR: z.enum(['groq', 'local'], { error: 'must be groq or local' }).optional(),
  GROQ_API_KEY: optionalText,
  GROQ_BASE_URL: url.optional(),
  GROQ_VISION_MODEL: z.string().min(1).default('meta-llama/llama-4-scout-17b-16e-instruct'),
  // Ad scripts and MV scenes (JSON answers validated with zod); the local writer needs no key.
  LLM_PROVIDER: z.enum(['groq', 'local'], { error: 'must be groq or local' }).optional(),
  GROQ_TEXT_MODEL: z.string().min(1).default('openai/gpt-oss-20b'),
  // Voice-overs: Groq's OpenAI-compatible speech endpoint, or espeak-ng offline.
  TTS_PROVIDER: z.enum(['groq', 'local'], { error: 'must be groq or local' }).optional(),
  GROQ_TTS_MODEL: z.string().min(1).default('canopylabs/orpheus-v1-english'),
  GROQ_TTS_VOICE: z.string().min(1).default('autumn'),
  ESPEAK_PATH: optionalText,
  // Stage costs (jobs.cost_usd) from the providers' reported usage; 0 = not priced. Local adapters report none.
  LLM_USD_PER_MILLION_INPUT_TOKENS: rate.default(0),
  LLM_USD_PER_MILLION_OUTPUT_TOKENS: rate.default(0),
  TTS_USD_PER_MILLION_CHARACTERS: rate.default(0),
  PREDICTION_USD_PER_SECOND: rate.default(0),

  SMS_PROVIDER: z.enum(['console', 'webhook', 'twilio'], { error: 'must be console, webhook or twilio' }).default('console'),
  SMS_WEBHOOK_URL: url.optional(),
  SMS_WEBHOOK_SECRET: optionalText,
  TWILIO_ACCOUNT_SID: optionalText,
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_FROM_NUMBER: optionalText,
  TWILIO_API_BASE_URL: url.default('https://api.twilio.com'),

  LIPSYNC_PROVIDER: z.enum(['local', 'http'], { error: 'must be local or http' }).default('local'),
  LIPSYNC_API_URL: url.optional(),
  LIPSYNC_API_TOKEN: optionalText,
  LIPSYNC_MODEL: optionalText,

  STORAGE_BACKEND: z.enum(['local', 's3'], { error: 'must be local or s3' }).default('local'),
  MEDIA_ROOT: z.string().min(1).default('.data/media'),
  MEDIA_URL_TTL_SECONDS: positiveInt.default(7 * 24 * 3600),
  S3_ENDPOINT: url.optional(),
  S3_BUCKET: z.string().min(3).default('reelflow-media'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: bool.default(false),
  AWS_ACCESS_KEY_ID: optionalText,
  AWS_SECRET_ACCESS_KEY: optionalText,

  WHATSAPP_PROVIDER: z.enum(['outbox', 'cloud'], { error: 'must be outbox or cloud' }).default('outbox'),
  WHATSAPP_API_BASE_URL: url.default('https://graph.facebook.com/v21.0'),
  WHATSAPP_PHONE_NUMBER_ID: optionalText,
  WHATSAPP_ACCESS_TOKEN: optionalText,
  WHATSAPP_TEMPLATE_NAME: z.string().min(1).default('closeup_video_ready'),
  WHATSAPP_TEMPLATE_LANG: z.string().min(1).default('en'),
  WHATSAPP_APP_SECRET: optionalText,
  WHATSAPP_VERIFY_TOKEN: optionalText,

  // Signed-in users (generation, library, feed): Supabase access tokens, by JWKS and/or the legacy HS256 secret.
  SUPABASE_URL: url.optional(),
  SUPABASE_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SUPABASE_JWT_AUDIENCE: z.string().min(1).default('authenticated'),

  // Generation jobs (../shared/seeds/async-generation-api.md): text-to-video and image-to-video.
  GENERATION_PROVIDER: z.enum(['local', 'http'], { error: 'must be local or http' }).default('local'),
  GENERATION_API_URL: url.optional(),
  GENERATION_API_TOKEN: optionalText,
  TEXT_TO_VIDEO_MODEL: z.string().min(1).default('minimax/video-01'),
  IMAGE_TO_VIDEO_MODEL: z.string().min(1).default('minimax/video-01-live'),
  // Still images (MV character references) through the same predictions API, or rendered locally.
  IMAGE_MODEL: z.string().min(1).default('black-forest-labs/flux-schnell'),
  // MV config flavors: one folder each (image_params.yaml, image_prompts.yaml, scene_prompts.yaml, parameters.yaml).
  MV_CONFIG_DIR: z.string().min(1).default('config/mv'),
  MV_SYNC_TIMEOUT_SECONDS: positiveInt.default(60),
  DUST_TEXT_TO_VIDEO_COST: wholeNumber.default(10),
  DUST_IMAGE_TO_VIDEO_COST: wholeNumber.default(8),
  DUST_STARTING_BALANCE: wholeNumber.default(100),
  JOB_RETENTION_SECONDS: positiveInt.default(86_400),
  // The video library (../shared/seeds/s3-video-library-api.md): uploads are refused past this
  // size while they stream; dubbing a library video costs DUBBING_COST DUST.
  VIDEO_UPLOAD_MAX_BYTES: positiveInt.default(500 * 1024 * 1024),
  DUBBING_COST: wholeNumber.default(6),
  // The feed (../shared/seeds/feed-backend-integration-plan.md), mounted under FEED_BASE_PATH: at most
  // VIDEO_QUEUE_MAXSIZE creations waiting, one per user per cooldown, VIDEO_MAX_CONCURRENT_GENERATIONS
  // rendering per worker (a task queue of its own); FEED_VIDEO_COST DUST each (0: free).
  FEED_BASE_PATH: z.string().regex(/^\/[a-z0-9_-]+(\/[a-z0-9_-]+)*$/, 'must be a path such as /feed (no trailing slash)').default('/feed'),
  VIDEO_QUEUE_MAXSIZE: positiveInt.default(10),
  VIDEO_CREATION_COOLDOWN_SECONDS: wholeNumber.default(120),
  VIDEO_MAX_CONCURRENT_GENERATIONS: positiveInt.default(1),
  FEED_VIDEO_COST: wholeNumber.default(0),
  // Mutating feed requests must carry X-InstaVeo-Timestamp and X-InstaVeo-Signature when this is set.
  REQUEST_SIGNATURE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  REQUEST_SIGNATURE_TTL_SECONDS: positiveInt.default(120),
  // Fetching URLs users give (image_url, webhook_url): private, loopback, link-local and metadata
  // addresses are refused unless their host:port is listed here.
  REMOTE_FETCH_ALLOW_HOSTS: z
    .string()
    .transform((value) => value.split(',').map((host) => host.trim().toLowerCase()).filter(Boolean))
    .default([]),
  REMOTE_FETCH_MAX_BYTES: positiveInt.default(20 * 1024 * 1024),
  REMOTE_FETCH_TIMEOUT_SECONDS: positiveInt.default(30),
  // Standard Webhooks secret (whsec_<base64>) signing completion webhooks.
  WEBHOOK_SIGNING_SECRET: z.string().min(24, 'must be at least 24 characters').optional(),
});

/** The names of every variable reelflow reads (used to check .env.example and docker-compose.yml). */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as readonly (keyof z.input<typeof envSchema>)[];

type ParsedEnv = z.output<typeof envSchema>;

export type Config = Omit<ParsedEnv, SecretName | 'PUBLIC_BASE_URL' | 'PHOTO_VALIDATOR' | 'LLM_PROVIDER' | 'TTS_PROVIDER' | 'CORS_ALLOWED_ORIGINS' | 'WORKER_METRICS_PORT'> & {
  ADMIN_TOKEN: string;
  PHONE_ENCRYPTION_KEY: Buffer;
  PHONE_HASH_KEY: Buffer;
  MEDIA_SIGNING_KEY: Buffer;
  WEBHOOK_SIGNING_SECRET: string;
  PUBLIC_BASE_URL: string;
  PHOTO_VALIDATOR: 'groq' | 'local';
  LLM_PROVIDER: 'groq' | 'local';
  TTS_PROVIDER: 'groq' | 'local';
  /** `['*']`: any origin; `[]`: no CORS headers at all. */
  CORS_ALLOWED_ORIGINS: string[];
  /** 0: no worker metrics endpoint. */
  WORKER_METRICS_PORT: number;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Cross-field rules: what a chosen provider needs, and what production may not default. */
function requirements(env: ParsedEnv): [string, string][] {
  const missing: [string, string][] = [];
  const need = (name: keyof ParsedEnv, why: string) => {
    if (env[name] === undefined) missing.push([name, `is required ${why}`]);
  };
  if (env.NODE_ENV === 'production') {
    for (const name of Object.keys(DEVELOPMENT_SECRETS) as SecretName[]) need(name, 'when NODE_ENV=production');
    // Whoever guesses it is every user's admin: 32 hex characters are 128 bits.
    if (env.ADMIN_TOKEN !== undefined && env.ADMIN_TOKEN.length < PRODUCTION_ADMIN_TOKEN_LENGTH) {
      missing.push(['ADMIN_TOKEN', `must be at least ${PRODUCTION_ADMIN_TOKEN_LENGTH} characters when NODE_ENV=production (openssl rand -hex 32)`]);
    }
    if (env.SMS_PROVIDER === 'console') missing.push(['SMS_PROVIDER', 'must not be console when NODE_ENV=production']);
    if (!env.SUPABASE_URL && !env.SUPABASE_JWT_SECRET) missing.push(['SUPABASE_URL', 'or SUPABASE_JWT_SECRET is required when NODE_ENV=production']);
  }
  if (env.PHOTO_VALIDATOR === 'groq') need('GROQ_API_KEY', 'when PHOTO_VALIDATOR=groq');
  if (env.LLM_PROVIDER === 'groq') need('GROQ_API_KEY', 'when LLM_PROVIDER=groq');
  if (env.TTS_PROVIDER === 'groq') need('GROQ_API_KEY', 'when TTS_PROVIDER=groq');
  if (env.SMS_PROVIDER === 'webhook') {
    need('SMS_WEBHOOK_URL', 'when SMS_PROVIDER=webhook');
    need('SMS_WEBHOOK_SECRET', 'when SMS_PROVIDER=webhook');
  }
  if (env.SMS_PROVIDER === 'twilio') {
    need('TWILIO_ACCOUNT_SID', 'when SMS_PROVIDER=twilio');
    need('TWILIO_AUTH_TOKEN', 'when SMS_PROVIDER=twilio');
    need('TWILIO_FROM_NUMBER', 'when SMS_PROVIDER=twilio');
  }
  if (env.LIPSYNC_PROVIDER === 'http') {
    need('LIPSYNC_API_URL', 'when LIPSYNC_PROVIDER=http');
    need('LIPSYNC_API_TOKEN', 'when LIPSYNC_PROVIDER=http');
    need('LIPSYNC_MODEL', 'when LIPSYNC_PROVIDER=http');
  }
  if (env.GENERATION_PROVIDER === 'http') {
    need('GENERATION_API_URL', 'when GENERATION_PROVIDER=http');
    need('GENERATION_API_TOKEN', 'when GENERATION_PROVIDER=http');
  }
  if (env.WHATSAPP_PROVIDER === 'cloud') {
    need('WHATSAPP_PHONE_NUMBER_ID', 'when WHATSAPP_PROVIDER=cloud');
    need('WHATSAPP_ACCESS_TOKEN', 'when WHATSAPP_PROVIDER=cloud');
    need('WHATSAPP_APP_SECRET', 'when WHATSAPP_PROVIDER=cloud');
    need('WHATSAPP_VERIFY_TOKEN', 'when WHATSAPP_PROVIDER=cloud');
  }
  return missing;
}

function describe(value: unknown): string {
  const text = String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Parses the environment; throws a ConfigError whose message is one line naming each bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as in most .env tooling.
  const env = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const secret = name in DEVELOPMENT_SECRETS || /TOKEN|SECRET|KEY/.test(name);
      const shown = secret ? '' : ` (got "${describe(env[name])}")`;
      return `${name} ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  const missing = requirements(values);
  if (missing.length > 0) {
    throw new ConfigError(`Invalid configuration: ${missing.map(([name, why]) => `${name} ${why}`).join('; ')}`);
  }
  const secret = (name: Exclude<SecretName, 'ADMIN_TOKEN' | 'WEBHOOK_SIGNING_SECRET'>) => values[name] ?? Buffer.from(DEVELOPMENT_SECRETS[name], 'hex');
  return {
    ...values,
    ADMIN_TOKEN: values.ADMIN_TOKEN ?? DEVELOPMENT_SECRETS.ADMIN_TOKEN,
    PHONE_ENCRYPTION_KEY: secret('PHONE_ENCRYPTION_KEY'),
    PHONE_HASH_KEY: secret('PHONE_HASH_KEY'),
    MEDIA_SIGNING_KEY: secret('MEDIA_SIGNING_KEY'),
    WEBHOOK_SIGNING_SECRET: values.WEBHOOK_SIGNING_SECRET ?? DEVELOPMENT_SECRETS.WEBHOOK_SIGNING_SECRET,
    PUBLIC_BASE_URL: (values.PUBLIC_BASE_URL ?? `http://localhost:${values.PORT}`).replace(/\/$/, ''),
    PHOTO_VALIDATOR: values.PHOTO_VALIDATOR ?? (values.GROQ_API_KEY ? 'groq' : 'local'),
    LLM_PROVIDER: values.LLM_PROVIDER ?? (values.GROQ_API_KEY ? 'groq' : 'local'),
    TTS_PROVIDER: values.TTS_PROVIDER ?? (values.GROQ_API_KEY ? 'groq' : 'local'),
    // Any origin is safe for tokens sent in a header (no cookies); production still opts in.
    CORS_ALLOWED_ORIGINS: values.CORS_ALLOWED_ORIGINS ?? (values.NODE_ENV === 'production' ? [] : ['*']),
    // Tests start many workers at once: none of them may claim the one default port.
    WORKER_METRICS_PORT: values.WORKER_METRICS_PORT ?? (values.NODE_ENV === 'test' ? 0 : DEFAULT_WORKER_METRICS_PORT),
    // Neither Supabase setting outside production: tokens from `npm run token`, signed with a development secret.
    SUPABASE_JWT_SECRET: values.SUPABASE_JWT_SECRET ?? (values.SUPABASE_URL ? undefined : DEVELOPMENT_SUPABASE_JWT_SECRET),
  };
}

/** For process entry points: parse or print the one-line reason and exit. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
