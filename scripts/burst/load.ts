import { randomInt } from 'node:crypto';
import type { SmsWebhookReceipt } from '../../test/fakes/sms.js';
import { pool } from '../bench/figures.js';
import type { Http } from '../chaos/http.js';

/**
 * The burst: `count` Close-Up submissions of new numbers through the public API, as the page sends
 * them (POST /api/v1/video/submit, multipart), `concurrency` in flight so the API takes them as
 * fast as it can; each accepted one is then verified (POST /api/v1/auth/verify-otp) with the code
 * the SMS gateway fake received, as its user would, while the burst goes on.
 */

export interface Accepted {
  jobId: number;
  mobile: string;
  /** Epoch ms at which its submit request was sent. */
  submittedAt: number;
  /** Submit request to answer, ms (client retries of 5xx included). */
  latencyMs: number;
}

export interface BurstLoad {
  accepted: Accepted[];
  /** Submissions not answered `otp_sent` (or not answered): how many, and the first few. */
  refused: number;
  refusals: string[];
  /** First submit sent to last submit answered, ms. */
  submitWindowMs: number;
  /** Verified with their code (200). */
  verified: number;
  verifyProblems: string[];
}

/** Codes the SMS fake received, per number, read once each; waiting for one costs a map lookup. */
function smsInbox(received: readonly SmsWebhookReceipt[]) {
  const codes = new Map<string, string>();
  const waiting = new Map<string, (code: string) => void>();
  let seen = 0;
  const timer = setInterval(() => {
    for (; seen < received.length; seen++) {
      const receipt = received[seen]!;
      const code = receipt.text.match(/\b(\d{6})\b/)?.[1];
      if (!code) continue;
      codes.set(receipt.to, code);
      waiting.get(receipt.to)?.(code);
    }
  }, 100);
  return {
    /** The code texted to `to` (E.164), or undefined after `timeoutMs`. */
    code(to: string, timeoutMs: number): Promise<string | undefined> {
      const known = codes.get(to);
      if (known) return Promise.resolve(known);
      return new Promise((resolve) => {
        const expiry = setTimeout(() => (waiting.delete(to), resolve(undefined)), timeoutMs);
        waiting.set(to, (code) => (clearTimeout(expiry), waiting.delete(to), resolve(code)));
      });
    },
    close: () => clearInterval(timer),
  };
}

/** `count` distinct Indian mobile numbers (10 digits, starting with 9), from a random base. */
function mobiles(count: number): string[] {
  const base = randomInt(0, 1_000_000_000 - count);
  return Array.from({ length: count }, (_, index) => `9${String(base + index).padStart(9, '0')}`);
}

export async function runBurst(options: {
  http: Http;
  smsReceived: readonly SmsWebhookReceipt[];
  /** A selfie the validator approves (JPEG). */
  photo: Buffer;
  count: number;
  concurrency: number;
  /** How long a user waits for a code before giving up. */
  otpPatienceMs: number;
}): Promise<BurstLoad> {
  const { http } = options;
  const inbox = smsInbox(options.smsReceived);
  const load: BurstLoad = { accepted: [], refused: 0, refusals: [], submitWindowMs: 0, verified: 0, verifyProblems: [] };
  const verifications: Promise<void>[] = [];
  const numbers = mobiles(options.count);

  const verify = async (accepted: Accepted) => {
    const code = await inbox.code(`+91${accepted.mobile}`, options.otpPatienceMs);
    if (!code) return void load.verifyProblems.push(`job ${accepted.jobId}: no code texted within ${options.otpPatienceMs / 1000} s`);
    const reply = await http.json('POST', '/api/v1/auth/verify-otp', { mobile_number: accepted.mobile, otp: code });
    if (reply.status === 200) load.verified += 1;
    else load.verifyProblems.push(`job ${accepted.jobId}: verify answered ${reply.status} ${JSON.stringify(reply.body).slice(0, 160)}`);
  };

  const submit = async (index: number): Promise<number> => {
    const mobile = numbers[index]!;
    const form = () => {
      const body = new FormData();
      for (const [name, value] of Object.entries({ mobile_number: mobile, gender: index % 2 ? 'male' : 'female', attribute_love: 'Smile', relationship_status: 'Dating', vibe: 'Romance' })) body.set(name, value);
      body.set('photo', new Blob([new Uint8Array(options.photo)], { type: 'image/jpeg' }), 'selfie.jpg');
      return body;
    };
    const submittedAt = Date.now();
    const started = performance.now();
    const reply = await http.call('POST', '/api/v1/video/submit', { body: form });
    const latencyMs = performance.now() - started;
    if (reply.status !== 200 || reply.body.status !== 'otp_sent' || typeof reply.body.job_id !== 'number') {
      throw new Error(`submit #${index}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`);
    }
    const accepted: Accepted = { jobId: reply.body.job_id, mobile, submittedAt, latencyMs };
    load.accepted.push(accepted);
    verifications.push(verify(accepted).catch((error: Error) => void load.verifyProblems.push(`job ${accepted.jobId}: ${error.message}`)));
    return latencyMs;
  };

  try {
    const run = await pool(options.concurrency, options.count, submit);
    load.submitWindowMs = run.wallMs;
    load.refused = run.failures;
    if (run.firstFailure) load.refusals.push(run.firstFailure);
    await Promise.all(verifications);
  } finally {
    inbox.close();
  }
  return load;
}
