import type { AdmissionState } from '../../db/feed/creation.js';
import { ApiError } from '../lib/errors.js';

/**
 * Who may start a feed video now (create and recreate alike), and how the answer says so.
 *
 * Two policies, checked under one advisory lock with the insert that follows (db/feed/creation.ts):
 * - `queue`: at most VIDEO_QUEUE_MAXSIZE videos waiting (pending or processing), every user's;
 * - `cooldown`: one creation per user per VIDEO_CREATION_COOLDOWN_SECONDS (0: no cooldown),
 *   counted from their newest video's creation, whatever became of it.
 *
 * Both are advertised with the IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers-11,
 * Structured Fields lists):
 *   RateLimit-Policy: "queue";q=10;qu="concurrent-requests", "cooldown";q=1;w=120
 *   RateLimit: "queue";r=7, "cooldown";r=0;t=120
 * `r` is what is left: free queue places (shared by everyone), creations this user may make now;
 * `t` is the seconds until that changes, when known (the cooldown's remaining seconds; a full
 * queue's estimate). A refusal is 429 with Retry-After the longest wait among the policies it broke.
 */

export interface AdmissionLimits {
  /** VIDEO_QUEUE_MAXSIZE. */
  queueSize: number;
  /** VIDEO_CREATION_COOLDOWN_SECONDS; 0 turns the cooldown off. */
  cooldownSeconds: number;
}

export type Policy = 'queue' | 'cooldown';

/** A full queue's Retry-After without recent history to estimate it from, in seconds. */
export const DEFAULT_QUEUE_WAIT_SECONDS = 30;
const MAX_QUEUE_WAIT_SECONDS = 600;

export type Admission =
  | { admitted: true; fields: Record<string, string> }
  | { admitted: false; violated: Policy[]; retryAfterSeconds: number; fields: Record<string, string> };

/** The seconds of cooldown the user still has to wait; 0 when they may create now. */
export function cooldownLeft(state: AdmissionState, limits: AdmissionLimits): number {
  if (limits.cooldownSeconds === 0 || state.secondsSinceLast === null) return 0;
  return Math.max(0, Math.ceil(limits.cooldownSeconds - state.secondsSinceLast));
}

/** A full queue's wait: one video's worth of recent throughput (seconds per finished video), whole seconds, 1–600. */
export function queueWait(secondsPerVideo: number | undefined): number {
  const seconds = secondsPerVideo ?? DEFAULT_QUEUE_WAIT_SECONDS;
  return Math.min(MAX_QUEUE_WAIT_SECONDS, Math.max(1, Math.ceil(seconds)));
}

/** RateLimit-Policy: what the policies are (the same on every answer). */
function policyField(limits: AdmissionLimits): string {
  const policies = [`"queue";q=${limits.queueSize};qu="concurrent-requests"`];
  if (limits.cooldownSeconds > 0) policies.push(`"cooldown";q=1;w=${limits.cooldownSeconds}`);
  return policies.join(', ');
}

/** RateLimit: what is left under each policy, and for how long (`t`, when known). */
function limitField(limits: AdmissionLimits, left: { queue: number; queueSeconds?: number; cooldown: number; cooldownSeconds: number }): string {
  const queue = `"queue";r=${left.queue}${left.queueSeconds === undefined ? '' : `;t=${left.queueSeconds}`}`;
  if (limits.cooldownSeconds === 0) return queue;
  const cooldown = `"cooldown";r=${left.cooldown}${left.cooldownSeconds > 0 ? `;t=${left.cooldownSeconds}` : ''}`;
  return `${queue}, ${cooldown}`;
}

/**
 * Decides a creation on the state read under the admission lock. `secondsPerVideo` estimates a
 * full queue's wait (db secondsPerFinishedVideo); it is only asked for when the queue is full.
 * Admitted: the fields as they stand once this creation is counted (one place fewer, the cooldown
 * restarted).
 */
export async function decideAdmission(state: AdmissionState, limits: AdmissionLimits, secondsPerVideo: () => Promise<number | undefined>): Promise<Admission> {
  const cooldown = cooldownLeft(state, limits);
  const queueFull = state.waiting >= limits.queueSize;
  const policy = policyField(limits);
  if (cooldown === 0 && !queueFull) {
    const fields = {
      'RateLimit-Policy': policy,
      RateLimit: limitField(limits, { queue: limits.queueSize - state.waiting - 1, cooldown: 0, cooldownSeconds: limits.cooldownSeconds }),
    };
    return { admitted: true, fields };
  }
  const queueSeconds = queueFull ? queueWait(await secondsPerVideo()) : undefined;
  const violated: Policy[] = [...(queueFull ? ['queue' as const] : []), ...(cooldown > 0 ? ['cooldown' as const] : [])];
  const retryAfterSeconds = Math.max(cooldown, queueSeconds ?? 0);
  const fields = {
    'RateLimit-Policy': policy,
    RateLimit: limitField(limits, {
      queue: Math.max(0, limits.queueSize - state.waiting),
      ...(queueSeconds === undefined ? {} : { queueSeconds }),
      cooldown: cooldown > 0 ? 0 : 1,
      cooldownSeconds: cooldown,
    }),
  };
  return { admitted: false, violated, retryAfterSeconds, fields };
}

/** A refused creation: 429 in the error shape; `headers` (Retry-After and the RateLimit fields) go on the answer. */
export class AdmissionRefused extends ApiError {
  readonly headers: Record<string, string>;

  constructor(refusal: Extract<Admission, { admitted: false }>) {
    const reasons = refusal.violated.map((policy) =>
      policy === 'queue' ? 'too many videos are waiting to be generated' : 'you created a video too recently',
    );
    super(429, 'TooManyRequests', `Cannot create a video now: ${reasons.join(' and ')}. Retry in ${refusal.retryAfterSeconds} s.`, {
      violatedPolicies: refusal.violated,
      retryAfterSeconds: refusal.retryAfterSeconds,
    });
    this.headers = { ...refusal.fields, 'Retry-After': String(refusal.retryAfterSeconds) };
  }
}
