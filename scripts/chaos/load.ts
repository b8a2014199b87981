import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { signAccessToken } from '../../lib/auth/development-token.js';
import type { Config } from '../../lib/config.js';
import type { ChaosProviders } from './providers.js';
import type { Http, Reply } from './http.js';

/**
 * One job of each pipeline, driven through the public HTTP API as its client would: Close-Up's
 * submit → OTP (read at the SMS gateway fake) → verify; the signed-in products with a development
 * token of a fresh user. A driver returns once its job is accepted and needs nothing more from the
 * client; the run then waits for every job to end. Keyed by pipeline name (pipelines/index.ts):
 * a pipeline without a driver stops the run, so a new one cannot go untested.
 */

export interface LoadContext {
  http: Http;
  config: Config;
  providers: ChaosProviders;
  /** A selfie the local validator approves (JPEG). */
  photo: Buffer;
  /** A short playable mp4 to upload to the video library. */
  clip: Buffer;
  /** Keys of jobs whose cancellation was asked for: they may end cancelled instead of completed. */
  cancelRequested: Set<string>;
  /** Problems a driver met (a refused submission, no OTP): each fails the run. */
  problems: string[];
  /** Codes asked for again because none arrived (one lost with a worker killed mid-send). */
  resends: number;
}

export type Driver = (context: LoadContext, n: number) => Promise<void>;

function problem(context: LoadContext, pipeline: string, what: string, reply?: Reply<unknown>): void {
  context.problems.push(`${pipeline}: ${what}${reply ? ` (${reply.status} ${JSON.stringify(reply.body).slice(0, 200)})` : ''}`);
}

async function bearer(config: Config, userId = randomUUID()): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signAccessToken({ secret: config.SUPABASE_JWT_SECRET!, userId, audience: config.SUPABASE_JWT_AUDIENCE })}` };
}

/** The newest code texted to `to` since `after` (an index into the gateway's receipts). */
async function otpFor(context: LoadContext, to: string, after: number, timeoutMs = 180_000): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = context.providers.sms.received.slice(after).filter((receipt) => receipt.to === to).at(-1)?.text;
    const code = text?.match(/\b(\d{6})\b/)?.[1];
    if (code) return code;
    await sleep(200);
  }
  return undefined;
}

const closeup: Driver = async (context, n) => {
  const mobile = `9${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}`;
  const smsBefore = context.providers.sms.received.length;
  const form = () => {
    const body = new FormData();
    for (const [name, value] of Object.entries({ mobile_number: mobile, gender: n % 2 ? 'male' : 'female', attribute_love: 'Smile', relationship_status: 'Dating', vibe: 'Romance' })) body.set(name, value);
    body.set('photo', new Blob([new Uint8Array(context.photo)], { type: 'image/jpeg' }), 'selfie.jpg');
    return body;
  };
  const submitted = await context.http.call('POST', '/api/v1/video/submit', { body: form });
  if (submitted.status !== 200 || submitted.body.status !== 'otp_sent') return problem(context, 'closeup', `submit of #${n} not otp_sent`, submitted);
  // A code is texted at most once: one lost with a worker killed mid-send is asked for again, as a user would.
  let code = await otpFor(context, `+91${mobile}`, smsBefore, 60_000);
  for (let resends = 0; !code && resends < 3; resends++) {
    const resent = await context.http.json('POST', '/api/v1/auth/resend-otp', { mobile_number: mobile });
    if (resent.status !== 200 && resent.status !== 429) problem(context, 'closeup', `resend for #${n}`, resent);
    context.resends += 1;
    code = await otpFor(context, `+91${mobile}`, smsBefore, 60_000);
  }
  if (!code) return problem(context, 'closeup', `no OTP texted for #${n} (job ${String(submitted.body.job_id)})`);
  const verified = await context.http.json('POST', '/api/v1/auth/verify-otp', { mobile_number: mobile, otp: code });
  // A verify retried after a 5xx may meet its own earlier success (the code is used): the job's end decides.
  if (verified.status !== 200 && verified.status !== 400) problem(context, 'closeup', `verify of #${n}`, verified);
};

const generation: Driver = async (context, n) => {
  const auth = await bearer(context.config);
  const accepted = await context.http.json('POST', '/videos/generate', { prompt: `chaos generation ${n}: a paper boat in a storm`, duration: 'short', resolution: 'sd_480p' }, { ...auth, 'idempotency-key': randomUUID() });
  if (accepted.status !== 202 && accepted.status !== 200) return problem(context, 'generation', `generate #${n}`, accepted);
  const jobId = String(accepted.body.job_id);
  // Every fourth job is cancelled while it runs (or just after it ended): its DUST must come back once.
  if (n % 4 === 0) {
    await sleep(randomInt(500, 4_000));
    context.cancelRequested.add(jobId);
    const cancelled = await context.http.call('DELETE', `/videos/jobs/${jobId}`, { headers: auth });
    if (cancelled.status >= 500) problem(context, 'generation', `cancel of ${jobId}`, cancelled);
  }
};

const productAd: Driver = async (context, n) => {
  const form = () => {
    const body = new FormData();
    body.set('product_name', `Chaos Bottle ${n}`);
    body.set('style', 'modern');
    body.set('cta_text', 'Buy Now!');
    body.set('aspect_ratio', '1:1');
    return body;
  };
  const accepted = await context.http.call('POST', '/api/generate', { body: form });
  if (accepted.status >= 300) problem(context, 'product-ad', `generate #${n}`, accepted);
};

const mv: Driver = async (context, n) => {
  const accepted =
    n % 2 === 0
      ? await context.http.json('POST', '/api/mv/scenes', { concept_prompt: `Chaos robot ${n} exploring Austin`, num_scenes: 3 })
      : await context.http.json('POST', '/api/mv/video', { prompt: `Chaos robot ${n} walking downtown`, duration: 5 });
  if (accepted.status !== 200 && accepted.status !== 202) problem(context, 'mv', `request #${n}`, accepted);
};

const dubbing: Driver = async (context, n) => {
  const auth = await bearer(context.config);
  const upload = () => {
    const body = new FormData();
    body.set('file', new Blob([new Uint8Array(context.clip)], { type: 'video/mp4' }), `chaos-${n}.mp4`);
    return body;
  };
  const uploaded = await context.http.call('POST', '/api/v1/upload/video', { headers: auth, body: upload });
  if (uploaded.status !== 201 && uploaded.status !== 200) return problem(context, 'dubbing', `upload #${n}`, uploaded);
  const created = await context.http.json('POST', '/api/v1/jobs/create', { s3_video_id: uploaded.body.id, transcript_text: `Hello from chaos dub ${n}.` }, auth);
  if (created.status !== 202 && created.status !== 200) problem(context, 'dubbing', `create #${n}`, created);
};

const feed: Driver = async (context, n) => {
  const auth = await bearer(context.config);
  const created = await context.http.json('POST', `${context.config.FEED_BASE_PATH}/videos/create`, { prompt: `Chaos feed ${n}: a lighthouse at dawn` }, auth);
  if (created.status !== 201) problem(context, 'feed', `create #${n}`, created);
};

export const DRIVERS: Readonly<Record<string, Driver>> = { closeup, generation, product_ad: productAd, mv, dubbing, feed };
