import { z } from 'zod';
import { PROVIDER_QUEUES } from '../workflows/engine/provider-queues.js';

/** The value types lib/config.ts builds its variables from, each with the message a wrong value gets. */

export const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

/** A port, or 0 for "off". */
export const portOrOff = z.coerce
  .number({ error: 'must be a port number or 0' })
  .int('must be a whole number')
  .min(0, 'must be between 0 (off) and 65535')
  .max(65535, 'must be between 0 (off) and 65535');

export const positiveInt = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be positive');

export const url = z.url({ error: 'must be a URL' });

export const bool = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1');

export const optionalText = z.string().min(1).optional();

/** `*`, or comma-separated origins (`https://app.example.com`, no path), normalised as browsers send them. */
export const corsOrigins = z.string().transform((value, ctx) => {
  const origins = new Set<string>();
  for (const entry of value.split(',').map((item) => item.trim()).filter(Boolean)) {
    if (entry === '*') return ['*'];
    const parsed = URL.canParse(entry) ? new URL(entry) : undefined;
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.pathname !== '/' || parsed.search || parsed.hash || parsed.username || parsed.password) {
      ctx.addIssue({ code: 'custom', message: 'must be * or comma-separated origins such as https://app.example.com (no path)' });
      return z.NEVER;
    }
    origins.add(parsed.origin);
  }
  return [...origins];
});

/** A 32-byte key, given as 64 hex characters or as base64. */
export const key32 = z.string().transform((value, ctx) => {
  const bytes = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (bytes.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as 64 hex characters or base64' });
    return z.NEVER;
  }
  return bytes;
});

/** Counts and DUST amounts: whole, 0 or more. */
export const wholeNumber = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 or more');

/** Money rates (USD per unit): 0 or more, fractions allowed. */
export const rate = z.coerce.number({ error: 'must be a number' }).min(0, 'must be 0 or more');

/**
 * The task queues a worker process can poll (WORKER_TASK_QUEUES): `main` (the workflows and every
 * activity without a queue of its own), each rate-limited provider's, and the feed's renders.
 */
export const WORKER_QUEUES = ['main', ...PROVIDER_QUEUES, 'feed-generation'] as const;
export type WorkerQueue = (typeof WORKER_QUEUES)[number];

/** A comma-separated list of WORKER_QUEUES names, at least one, each once. */
export const workerQueues = z.string().transform((value, ctx) => {
  const names = [...new Set(value.split(',').map((name) => name.trim()).filter(Boolean))];
  const unknown = names.filter((name) => !(WORKER_QUEUES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    const what = unknown.length > 0 ? `unknown: ${unknown.join(', ')}` : 'none given';
    ctx.addIssue({ code: 'custom', message: `must list queues among ${WORKER_QUEUES.join(', ')} (${what})` });
    return z.NEVER;
  }
  return names as WorkerQueue[];
});
