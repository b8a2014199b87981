import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

import { httpJson, httpRequest } from '../http.js';
import type { ActivityProgress } from '../ports.js';
import { stopsOnlyThisAttempt } from '../progress.js';
import { ProviderError } from '../provider-error.js';
import { MAX_PAGES, PredictionPageSchema, ResumeSchema, searchPage } from './lost-create.js';

/**
 * One prediction on a Replicate-style predictions API, run to its output file:
 *
 *   POST {apiUrl}/predictions            Authorization: Bearer {token}
 *        {"version": "<model>", "input": {…}}
 *   GET  {apiUrl}/predictions/{id}        until succeeded | failed | canceled | aborted
 *   GET  <output>                         the file (a URL, or the first of a list), written to outputPath
 *   POST {apiUrl}/predictions/{id}/cancel when the job is cancelled
 *   GET  {apiUrl}/predictions             after a lost attempt: the prediction it created, if any
 *
 * `version` is read by Replicate as a version id, `owner/name:version` or, for official models,
 * `owner/name`. The prediction id is heartbeated as soon as it exists, and an attempt after one
 * that was lost before Temporal heard it looks the prediction up (lost-create.ts), so the attempt
 * after a worker crash polls the same prediction instead of paying for a second one.
 */

/** Heartbeats at least this often while a prediction runs (the shortest heartbeat timeout allowed is 1 s; keep well under the default 30 s). */
const HEARTBEAT_EVERY_MS = 1_000;
/** The cancelled activity waits for the cancel call; keep that wait short. */
const CANCEL_TIMEOUT_MS = 5_000;

const STATUSES = ['starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted'] as const;

const PredictionSchema = z.object({
  id: z.string().min(1),
  status: z.enum(STATUSES),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
});
type Prediction = z.infer<typeof PredictionSchema>;


/** Where the API is and how patiently to talk to it; what an adapter's options share. */
export interface PredictionsApiOptions {
  apiUrl: string;
  token: string;
  /** First wait between polls, in ms; it grows by half each poll up to maxPollIntervalMs. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  requestTimeoutMs?: number;
  downloadTimeoutMs?: number;
}

export interface PredictionsClientOptions extends PredictionsApiOptions {
  /** Names the provider in error codes: `${provider}_PREDICTION_FAILED`, `${provider}_429`, `${provider}_TIMEOUT`, … */
  provider: string;
  /** What the predictions do, starting every error message: "Lip-sync", "Video generation". */
  label: string;
}

export interface PredictionRequest {
  /** The model, as Replicate's `version`. */
  version: string;
  input: Record<string, unknown>;
  /** Where the output file must be written. */
  outputPath: string;
}

function describeProviderError(error: unknown): string {
  if (typeof error === 'string' && error) return error;
  if (error && typeof error === 'object') return JSON.stringify(error).slice(0, 500);
  return 'no reason given';
}

export class PredictionsClient {
  private readonly apiUrl: string;
  private readonly pollIntervalMs: number;
  private readonly maxPollIntervalMs: number;
  private readonly requestTimeoutMs: number;
  private readonly downloadTimeoutMs: number;

  constructor(private readonly options: PredictionsClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.maxPollIntervalMs = options.maxPollIntervalMs ?? 15_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.downloadTimeoutMs = options.downloadTimeoutMs ?? 120_000;
  }

  /**
   * Creates the prediction, or resumes the one named by `progress.resumeFrom` ({predictionId}) or,
   * on a later attempt without one, the live one of this request an earlier attempt created; polls it while heartbeating {predictionId, status}, and downloads its output to
   * request.outputPath (through a temporary file beside it, renamed into place). Reports 0.5 while
   * processing, 0.9 once succeeded, 1 once downloaded.
   *
   * Throws ProviderError: `${provider}_PREDICTION_FAILED|CANCELED|ABORTED` (not retryable; a
   * failure's message is "<label> failed: <the provider's reason>"), `${provider}_NO_OUTPUT_URL`,
   * and the retryable HTTP, timeout, bad-response and download errors. When progress.signal aborts
   * it rethrows the signal's reason, first cancelling the prediction unless only this attempt is
   * stopping (progress.onlyThisAttemptStopped: timed out, worker shutting down, …; the next
   * attempt resumes it).
   */
  async run(request: PredictionRequest, progress: ActivityProgress): Promise<{ predictionId: string }> {
    const { signal } = progress;
    const resumed = ResumeSchema.safeParse(progress.resumeFrom);
    let predictionId = resumed.success ? resumed.data.predictionId : undefined;
    try {
      // An earlier attempt may have created it and been lost before Temporal heard its id.
      if (!predictionId && progress.earlierAttemptsSince) {
        predictionId = await this.findCreated(request, progress.earlierAttemptsSince, signal);
        if (predictionId) progress.heartbeat({ predictionId });
      }
      if (!predictionId) {
        const created = await this.call('/predictions', 'POST', signal, { version: request.version, input: request.input });
        predictionId = created.id;
        progress.heartbeat({ predictionId, status: created.status });
      }
      const finished = await this.pollUntilDone(predictionId, progress);
      await this.download(this.outputUrl(finished), request.outputPath, signal);
      progress.report(1);
      return { predictionId };
    } catch (error) {
      if (!signal.aborted) throw error;
      // Left running when only this attempt stopped: the next one resumes it.
      const attemptOnly = () => (progress.onlyThisAttemptStopped ? progress.onlyThisAttemptStopped() : Promise.resolve(stopsOnlyThisAttempt(signal.reason)));
      if (predictionId && !(await attemptOnly())) await this.cancel(predictionId);
      throw signal.reason ?? error;
    }
  }

  private error(suffix: string, message: string, options: { retryable: boolean; cause?: unknown }): ProviderError {
    return new ProviderError(`${this.options.provider}_${suffix}`, `${this.options.label} ${message}`, options);
  }

  private async call(path: string, method: 'GET' | 'POST', signal: AbortSignal | undefined, body?: unknown, timeoutMs = this.requestTimeoutMs): Promise<Prediction> {
    const answer = await httpJson<unknown>({
      provider: this.options.provider,
      url: `${this.apiUrl}${path}`,
      method,
      headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' },
      timeoutMs,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
    const prediction = PredictionSchema.safeParse(answer);
    if (!prediction.success) {
      throw this.error('BAD_RESPONSE', `API answered ${method} ${path} with an unexpected body: ${prediction.error.message.slice(0, 300)}`, { retryable: true });
    }
    return prediction.data;
  }

  /** The id of a live prediction of this request created since `since` (listed newest first), if any. */
  private async findCreated(request: PredictionRequest, since: Date, signal: AbortSignal): Promise<string | undefined> {
    let url: string | null | undefined = `${this.apiUrl}/predictions`;
    // `next` is followed only on the API's own origin: the token goes nowhere else.
    for (let page = 0; url && new URL(url).origin === new URL(this.apiUrl).origin && page < MAX_PAGES; page++) {
      const answer = await httpJson<unknown>({
        provider: this.options.provider,
        url,
        headers: { authorization: `Bearer ${this.options.token}` },
        timeoutMs: this.requestTimeoutMs,
        signal,
      });
      const listed = PredictionPageSchema.safeParse(answer);
      if (!listed.success) throw this.error('BAD_RESPONSE', `API answered GET /predictions with an unexpected body: ${listed.error.message.slice(0, 300)}`, { retryable: true });
      const outcome = searchPage(listed.data.results, request, since);
      if (outcome === 'past') return undefined;
      if (outcome !== 'more') return outcome.found;
      url = listed.data.next;
    }
    return undefined;
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
          throw this.error('PREDICTION_FAILED', `failed: ${describeProviderError(prediction.error)}`, { retryable: false });
        case 'canceled':
          throw this.error('PREDICTION_CANCELED', `prediction ${predictionId} was canceled at the provider`, { retryable: false });
        case 'aborted':
          throw this.error('PREDICTION_ABORTED', `prediction ${predictionId} was aborted by the provider: ${describeProviderError(prediction.error)}`, { retryable: false });
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

  private outputUrl(prediction: Prediction): string {
    const output = Array.isArray(prediction.output) ? prediction.output[0] : prediction.output;
    const parsed = z.url({ protocol: /^https?$/ }).safeParse(output);
    if (!parsed.success) {
      throw this.error('NO_OUTPUT_URL', `prediction ${prediction.id} succeeded without an output URL`, { retryable: false });
    }
    return parsed.data;
  }

  /** Streams the output to a temporary file beside outputPath and renames it into place. */
  private async download(url: string, outputPath: string, signal: AbortSignal): Promise<void> {
    // The token goes only to the API's own origin, never to a file host named in a response.
    const sameOrigin = new URL(url).origin === new URL(this.apiUrl).origin;
    const response = await httpRequest({
      provider: this.options.provider,
      url,
      timeoutMs: this.downloadTimeoutMs,
      signal,
      ...(sameOrigin ? { headers: { authorization: `Bearer ${this.options.token}` } } : {}),
    });
    if (!response.body) throw this.error('EMPTY_OUTPUT', `output ${url} has no body`, { retryable: true });
    const temp = join(dirname(outputPath), `.${basename(outputPath)}.${randomUUID()}.tmp`);
    try {
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(temp), { signal });
      await rename(temp, outputPath);
    } catch (error) {
      await rm(temp, { force: true });
      if (error instanceof ProviderError || signal.aborted) throw error;
      throw this.error('DOWNLOAD', `output download broke off: ${(error as Error).message}`, { retryable: true, cause: error });
    }
  }

  /** Best effort: the job is gone either way, the cancel only stops the provider's meter. */
  private async cancel(predictionId: string): Promise<void> {
    await this.call(`/predictions/${encodeURIComponent(predictionId)}/cancel`, 'POST', undefined, undefined, CANCEL_TIMEOUT_MS).catch(() => undefined);
  }
}
