import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledFailure } from '@temporalio/common';
import { z } from 'zod';

import type { Config } from '../../lib/config.js';
import { httpJson, httpRequest } from '../http.js';
import type { ActivityProgress, LipsyncGenerator, LipsyncInput, SubmissionAnswers } from '../ports.js';
import { ProviderError } from '../provider-error.js';

/** Heartbeats at least this often while a prediction runs (the shortest heartbeat timeout allowed is 1 s; keep well under the default 30 s). */
const HEARTBEAT_EVERY_MS = 1_000;

/**
 * Lip-sync through a Replicate-style predictions API:
 *
 *   POST {LIPSYNC_API_URL}/predictions            Authorization: Bearer {LIPSYNC_API_TOKEN}
 *        {"version": "{LIPSYNC_MODEL}", "input": {"image": "<signed portrait URL>", "text": "<script>"}}
 *   GET  {LIPSYNC_API_URL}/predictions/{id}        until succeeded | failed | canceled | aborted
 *   GET  <output>                                  the clip (a URL), written to input.outputPath
 *   POST {LIPSYNC_API_URL}/predictions/{id}/cancel when the job is cancelled
 *
 * LIPSYNC_MODEL goes in `version`, which Replicate reads as a version id, `owner/name:version` or,
 * for official models, `owner/name`. The prediction id is heartbeated as soon as it exists, so the
 * attempt after a worker crash polls the same prediction instead of paying for a second one.
 */

const STATUSES = ['starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted'] as const;

const PredictionSchema = z.object({
  id: z.string().min(1),
  status: z.enum(STATUSES),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
});
type Prediction = z.infer<typeof PredictionSchema>;

const ResumeSchema = z.object({ predictionId: z.string().min(1) });

/** Temporal aborts an attempt with a CancelledFailure naming why. After these the next attempt resumes the prediction, so it must keep running. */
const ATTEMPT_ONLY_REASONS = new Set(['TIMED_OUT', 'WORKER_SHUTDOWN', 'PAUSED', 'HEARTBEAT_DETAILS_CONVERSION_FAILED']);

export interface HttpLipsyncOptions {
  apiUrl: string;
  token: string;
  model: string;
  /** First wait between polls; it grows by half each poll up to maxPollIntervalMs. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  requestTimeoutMs?: number;
  downloadTimeoutMs?: number;
}

const MAX_SCRIPT_ANSWER = 40;
/** The cancelled activity waits for the cancel call; keep that wait short. */
const CANCEL_TIMEOUT_MS = 5_000;

/** What the portrait says, built from the form's answers. */
export function lipsyncScript(answers: SubmissionAnswers): string {
  const clean = (answer: string) => {
    const text = answer.replace(/\s+/g, ' ').trim();
    return text.length > MAX_SCRIPT_ANSWER ? text.slice(0, MAX_SCRIPT_ANSWER) : text;
  };
  return `What I love most: ${clean(answers.attribute_love)}. ${clean(answers.relationship_status)}, and all about ${clean(answers.vibe)}. This is my Close-Up moment!`;
}

function describeProviderError(error: unknown): string {
  if (typeof error === 'string' && error) return error;
  if (error && typeof error === 'object') return JSON.stringify(error).slice(0, 500);
  return 'no reason given';
}

function outputUrl(prediction: Prediction): string {
  const output = Array.isArray(prediction.output) ? prediction.output[0] : prediction.output;
  const parsed = z.url({ protocol: /^https?$/ }).safeParse(output);
  if (!parsed.success) {
    throw new ProviderError('LIPSYNC_NO_OUTPUT_URL', `lip-sync prediction ${prediction.id} succeeded without an output URL`, { retryable: false });
  }
  return parsed.data;
}

export class HttpLipsyncGenerator implements LipsyncGenerator {
  readonly name = 'http' as const;
  private readonly apiUrl: string;
  private readonly pollIntervalMs: number;
  private readonly maxPollIntervalMs: number;
  private readonly requestTimeoutMs: number;
  private readonly downloadTimeoutMs: number;

  constructor(private readonly options: HttpLipsyncOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.maxPollIntervalMs = options.maxPollIntervalMs ?? 15_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.downloadTimeoutMs = options.downloadTimeoutMs ?? 120_000;
  }

  async generate(input: LipsyncInput, progress: ActivityProgress): Promise<{ predictionId: string }> {
    const { signal } = progress;
    const resumed = ResumeSchema.safeParse(progress.resumeFrom);
    let predictionId = resumed.success ? resumed.data.predictionId : undefined;
    try {
      if (!predictionId) {
        const created = await this.create(input, signal);
        predictionId = created.id;
        progress.heartbeat({ predictionId, status: created.status });
      }
      const finished = await this.pollUntilDone(predictionId, progress);
      await this.download(outputUrl(finished), input.outputPath, signal);
      return { predictionId };
    } catch (error) {
      if (!signal.aborted) throw error;
      if (predictionId && !(signal.reason instanceof CancelledFailure && ATTEMPT_ONLY_REASONS.has(signal.reason.message))) {
        await this.cancel(predictionId);
      }
      throw signal.reason ?? error;
    }
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' };
  }

  private async call(path: string, method: 'GET' | 'POST', signal: AbortSignal | undefined, body?: unknown, timeoutMs = this.requestTimeoutMs): Promise<Prediction> {
    const answer = await httpJson<unknown>({
      provider: 'LIPSYNC',
      url: `${this.apiUrl}${path}`,
      method,
      headers: this.headers(),
      timeoutMs,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
    const prediction = PredictionSchema.safeParse(answer);
    if (!prediction.success) {
      throw new ProviderError('LIPSYNC_BAD_RESPONSE', `lip-sync API answered ${method} ${path} with an unexpected body: ${prediction.error.message.slice(0, 300)}`, { retryable: true });
    }
    return prediction.data;
  }

  private create(input: LipsyncInput, signal: AbortSignal): Promise<Prediction> {
    return this.call('/predictions', 'POST', signal, {
      version: this.options.model,
      input: { image: input.portraitUrl, text: lipsyncScript(input.answers) },
    });
  }

  private async pollUntilDone(predictionId: string, progress: ActivityProgress): Promise<Prediction> {
    for (let wait = this.pollIntervalMs; ; wait = Math.min(Math.round(wait * 1.5), this.maxPollIntervalMs)) {
      const prediction = await this.call(`/predictions/${encodeURIComponent(predictionId)}`, 'GET', progress.signal);
      progress.heartbeat({ predictionId, status: prediction.status });
      // Predictions say only their phase; downloading the output is the last tenth.
      if (prediction.status === 'processing') progress.report(0.5);
      else if (prediction.status === 'succeeded') progress.report(0.9);
      switch (prediction.status) {
        case 'succeeded':
          return prediction;
        case 'failed':
          throw new ProviderError('LIPSYNC_PREDICTION_FAILED', `lip-sync prediction ${predictionId} failed: ${describeProviderError(prediction.error)}`, { retryable: false });
        case 'canceled':
          throw new ProviderError('LIPSYNC_PREDICTION_CANCELED', `lip-sync prediction ${predictionId} was canceled at the provider`, { retryable: false });
        case 'aborted':
          throw new ProviderError('LIPSYNC_PREDICTION_ABORTED', `lip-sync prediction ${predictionId} was aborted by the provider: ${describeProviderError(prediction.error)}`, { retryable: false });
      }
      // Heartbeat while waiting too: a backed-off poll must not outlast a short heartbeat timeout.
      let left = wait;
      for (; left > HEARTBEAT_EVERY_MS; left -= HEARTBEAT_EVERY_MS) {
        await sleep(HEARTBEAT_EVERY_MS, undefined, { signal: progress.signal });
        progress.heartbeat({ predictionId, status: prediction.status });
      }
      await sleep(left, undefined, { signal: progress.signal });
    }
  }

  /** Streams the clip to a temporary file beside outputPath and renames it into place. */
  private async download(url: string, outputPath: string, signal: AbortSignal): Promise<void> {
    // The token goes only to the API's own origin, never to a file host named in a response.
    const sameOrigin = new URL(url).origin === new URL(this.apiUrl).origin;
    const response = await httpRequest({
      provider: 'LIPSYNC',
      url,
      timeoutMs: this.downloadTimeoutMs,
      signal,
      ...(sameOrigin ? { headers: { authorization: `Bearer ${this.options.token}` } } : {}),
    });
    if (!response.body) throw new ProviderError('LIPSYNC_EMPTY_OUTPUT', `lip-sync output ${url} has no body`, { retryable: true });
    const temp = join(dirname(outputPath), `.${basename(outputPath)}.${randomUUID()}.tmp`);
    try {
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(temp), { signal });
      await rename(temp, outputPath);
    } catch (error) {
      await rm(temp, { force: true });
      if (error instanceof ProviderError || signal.aborted) throw error;
      throw new ProviderError('LIPSYNC_DOWNLOAD', `lip-sync output download broke off: ${(error as Error).message}`, { retryable: true, cause: error });
    }
  }

  /** Best effort: the job is gone either way, the cancel only stops the provider's meter. */
  private async cancel(predictionId: string): Promise<void> {
    await this.call(`/predictions/${encodeURIComponent(predictionId)}/cancel`, 'POST', undefined, undefined, CANCEL_TIMEOUT_MS).catch(() => undefined);
  }
}

export function createHttpLipsyncGenerator(
  config: Pick<Config, 'LIPSYNC_API_URL' | 'LIPSYNC_API_TOKEN' | 'LIPSYNC_MODEL'>,
  options: Omit<HttpLipsyncOptions, 'apiUrl' | 'token' | 'model'> = {},
): HttpLipsyncGenerator {
  if (!config.LIPSYNC_API_URL || !config.LIPSYNC_API_TOKEN || !config.LIPSYNC_MODEL) {
    throw new Error('LIPSYNC_API_URL, LIPSYNC_API_TOKEN and LIPSYNC_MODEL are required for LIPSYNC_PROVIDER=http');
  }
  return new HttpLipsyncGenerator({ apiUrl: config.LIPSYNC_API_URL, token: config.LIPSYNC_API_TOKEN, model: config.LIPSYNC_MODEL, ...options });
}
