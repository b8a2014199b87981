import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, startLoopbackServer } from './loopback.js';
import { createRateLimiter, type RateLimitOption } from './rate-limit.js';

/**
 * A Replicate-style predictions API as documented: Bearer auth, POST /predictions → 201 with a
 * prediction in `starting`, GET /predictions/{id} advancing through `plan` one status per poll
 * (the last one sticks), POST /predictions/{id}/cancel → `canceled`, GET /predictions listing
 * them newest first `listPageSize` to a page with `next` as the following page's URL, errors as
 * {title, detail, status}, and the output file served from /files/{id}.mp4 (on a second origin
 * when `separateFileHost`, as Replicate serves outputs from its own file host).
 */

export type PredictionStatus = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';

/**
 * An answer given instead of the normal one, once per entry; 'hang' never answers; 'lost' (creates
 * only) makes the prediction and never answers, as when the creating worker dies before the answer.
 */
export type ScriptedAnswer = { status: number; body: unknown; headers?: Record<string, string> } | 'hang' | 'lost';

interface FakePrediction<Input> {
  id: string;
  version: string;
  input: Input;
  plan: PredictionStatus[];
  step: number;
  status: PredictionStatus;
  created_at: string;
}

export interface PredictionsApiFake<Input> {
  url: string;
  /** Every accepted create, in order. */
  creates: { version: string; input: Input }[];
  /** Prediction ids of every answered poll. */
  polls: string[];
  cancels: string[];
  /** Prediction ids of every file served, and the Authorization header each download sent (null: none). */
  downloads: string[];
  downloadAuthorizations: (string | null)[];
  /** Statuses a new prediction's polls walk through; the last repeats. */
  plan: PredictionStatus[];
  /** The `error` a prediction reports when it reaches failed or aborted. */
  failureError: string;
  /** Predictions per page of GET /predictions (Replicate: 100). */
  listPageSize: number;
  /** Pages of GET /predictions answered. */
  listings: number;
  /** Spreads each file download over this many ms (a slow file host); 0 sends it at once. */
  downloadMs: number;
  script: { create: ScriptedAnswer[]; poll: ScriptedAnswer[]; download: ScriptedAnswer[] };
  /** Creates answered 429 because they came beyond `rateLimit`. */
  readonly tooManyRequests: number;
  /** Moves a prediction to a status right away (the provider finishing, or failing, on its own). */
  settle(id: string, status: PredictionStatus): void;
  close(): Promise<void>;
}

export interface PredictionsApiFakeOptions<Input> {
  token: string;
  /** The bytes every succeeded prediction's output file holds. */
  output: Buffer;
  /** The model's input check: the input to record, or why it is refused (answered 422). */
  parseInput: (input: unknown) => { input: Input } | { invalid: string };
  failureError?: string;
  separateFileHost?: boolean;
  /**
   * Creates per second (Replicate meters creates apart from its other endpoints, at 600 a minute
   * by default); creates beyond it are answered 429 {detail} with Retry-After. Polls, cancels,
   * listings and downloads are not limited.
   */
  rateLimit?: RateLimitOption;
}

const problem = (response: ServerResponse, status: number, title: string, detail: string) =>
  sendJson(response, status, { title, detail, status });

export async function startPredictionsApiFake<Input>(options: PredictionsApiFakeOptions<Input>): Promise<PredictionsApiFake<Input>> {
  const predictions = new Map<string, FakePrediction<Input>>();
  const limiter = createRateLimiter(options.rateLimit);
  const fake: Omit<PredictionsApiFake<Input>, 'url' | 'close'> = {
    creates: [],
    polls: [],
    cancels: [],
    downloads: [],
    downloadAuthorizations: [],
    plan: ['starting', 'processing', 'succeeded'],
    failureError: options.failureError ?? 'CUDA out of memory',
    downloadMs: 0,
    listPageSize: 100,
    listings: 0,
    script: { create: [], poll: [], download: [] },
    get tooManyRequests() {
      return limiter.refused;
    },
    settle(id, status) {
      const prediction = predictions.get(id);
      if (!prediction) throw new Error(`no prediction ${id}`);
      prediction.plan = [status];
      prediction.step = 0;
      prediction.status = status;
    },
  };
  let baseUrl = '';
  let filesUrl = '';

  const view = (prediction: FakePrediction<Input>) => {
    const terminal = ['succeeded', 'failed', 'canceled', 'aborted'].includes(prediction.status);
    return {
      id: prediction.id,
      model: prediction.version.split(':')[0],
      version: prediction.version,
      input: prediction.input,
      logs: '',
      status: prediction.status,
      output: prediction.status === 'succeeded' ? `${filesUrl}/files/${prediction.id}.mp4` : null,
      error: prediction.status === 'failed' || prediction.status === 'aborted' ? fake.failureError : null,
      created_at: prediction.created_at,
      completed_at: terminal ? new Date().toISOString() : null,
      urls: { get: `${baseUrl}/predictions/${prediction.id}`, cancel: `${baseUrl}/predictions/${prediction.id}/cancel` },
    };
  };

  const answer = (response: ServerResponse, scripted: ScriptedAnswer) => {
    if (typeof scripted === 'object') sendJson(response, scripted.status, scripted.body, scripted.headers);
  };

  const serveFile = (request: IncomingMessage, response: ServerResponse, id: string) => {
    const scripted = fake.script.download.shift();
    if (scripted) return answer(response, scripted);
    if (predictions.get(id)?.status !== 'succeeded') return problem(response, 404, 'Not found', 'no such file');
    fake.downloads.push(id);
    fake.downloadAuthorizations.push(request.headers.authorization ?? null);
    response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(options.output.length) });
    if (fake.downloadMs <= 0) {
      response.end(options.output);
      return;
    }
    const pieces = 20;
    const size = Math.ceil(options.output.length / pieces);
    let sent = 0;
    const timer = setInterval(() => {
      const piece = options.output.subarray(sent, sent + size);
      sent += piece.length;
      if (sent >= options.output.length) {
        clearInterval(timer);
        response.end(piece);
      } else response.write(piece);
    }, fake.downloadMs / pieces);
    response.on('close', () => clearInterval(timer));
  };

  const create = (response: ServerResponse, raw: Buffer, answered = true) => {
    const body = JSON.parse(raw.toString('utf8') || '{}') as { version?: unknown; input?: unknown };
    const version = typeof body.version === 'string' ? body.version : undefined;
    const parsed = version ? options.parseInput(body.input) : { invalid: 'version is required' };
    if (!version || 'invalid' in parsed) {
      return sendJson(response, 422, { title: 'Input validation failed', detail: 'invalid' in parsed ? parsed.invalid : '', status: 422 });
    }
    fake.creates.push({ version, input: parsed.input });
    const id = `p${fake.creates.length}${Math.random().toString(36).slice(2, 10)}`;
    const prediction: FakePrediction<Input> = { id, version, input: parsed.input, plan: [...fake.plan], step: -1, status: 'starting', created_at: new Date().toISOString() };
    predictions.set(id, prediction);
    if (answered) sendJson(response, 201, view(prediction));
  };

  const list = (response: ServerResponse, url: string) => {
    fake.listings += 1;
    const offset = Number(new URL(url, 'http://fake').searchParams.get('cursor') ?? 0);
    const newestFirst = [...predictions.values()].reverse();
    const page = newestFirst.slice(offset, offset + fake.listPageSize);
    const next = offset + fake.listPageSize < newestFirst.length ? `${baseUrl}/predictions?cursor=${offset + fake.listPageSize}` : null;
    sendJson(response, 200, { next, previous: null, results: page.map(view) });
  };

  const handler = async (request: IncomingMessage, response: ServerResponse) => {
    const raw = await readBody(request);
    const path = new URL(request.url ?? '/', 'http://fake').pathname;

    const file = /^\/files\/([\w-]+)\.mp4$/.exec(path);
    if (request.method === 'GET' && file?.[1]) return serveFile(request, response, file[1]);

    if (request.headers.authorization !== `Bearer ${options.token}`) {
      return problem(response, 401, 'Unauthenticated', 'You did not pass a valid authentication token');
    }

    if (request.method === 'GET' && path === '/predictions') return list(response, request.url ?? '/');
    if (request.method === 'POST' && path === '/predictions') {
      if (!limiter.admit()) {
        const seconds = limiter.retryAfterSeconds();
        return sendJson(response, 429, { detail: `Request was throttled. Your rate limit resets in ~${seconds}s.` }, { 'retry-after': String(seconds) });
      }
      const scripted = fake.script.create.shift();
      if (scripted === 'lost') return create(response, raw, false);
      return scripted ? answer(response, scripted) : create(response, raw);
    }

    const match = /^\/predictions\/([\w-]+)(\/cancel)?$/.exec(path);
    const prediction = match?.[1] ? predictions.get(match[1]) : undefined;
    if (!match || !prediction) return problem(response, 404, 'Not found', `no route or prediction for ${path}`);

    if (request.method === 'POST' && match[2]) {
      fake.cancels.push(prediction.id);
      if (!['succeeded', 'failed', 'aborted'].includes(prediction.status)) fake.settle(prediction.id, 'canceled');
      return sendJson(response, 200, view(prediction));
    }
    if (request.method === 'GET' && !match[2]) {
      const scripted = fake.script.poll.shift();
      if (scripted) return answer(response, scripted);
      prediction.step = Math.min(prediction.step + 1, prediction.plan.length - 1);
      prediction.status = prediction.plan[prediction.step] ?? prediction.status;
      fake.polls.push(prediction.id);
      return sendJson(response, 200, view(prediction));
    }
    return problem(response, 405, 'Method not allowed', `${request.method} ${path}`);
  };

  const server = await startLoopbackServer(handler);
  const fileHost = options.separateFileHost ? await startLoopbackServer(handler) : undefined;
  baseUrl = server.url;
  filesUrl = fileHost?.url ?? server.url;
  const close = async () => {
    await Promise.all([server.close(), fileHost?.close()]);
  };
  return Object.assign(fake, { url: server.url, close });
}
