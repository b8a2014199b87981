import type { ServerResponse } from 'node:http';
import { readBody, sendJson, startLoopbackServer } from './loopback.js';

/**
 * A Replicate-style predictions API as documented: Bearer auth, POST /predictions → 201 with a
 * prediction in `starting`, GET /predictions/{id} advancing through `plan` one status per poll
 * (the last one sticks), POST /predictions/{id}/cancel → `canceled`, errors as
 * {title, detail, status}, and the output clip served from /files/{id}.mp4.
 */

export type PredictionStatus = 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';

/** An answer given instead of the normal one, once per entry; 'hang' never answers. */
export type ScriptedAnswer = { status: number; body: unknown; headers?: Record<string, string> } | 'hang';

interface FakePrediction {
  id: string;
  version: string;
  input: { image: string; text: string };
  plan: PredictionStatus[];
  step: number;
  status: PredictionStatus;
  created_at: string;
}

export interface LipsyncApiFake {
  url: string;
  /** Every accepted create, in order. */
  creates: { version: string; input: { image: string; text: string } }[];
  /** Prediction ids of every answered poll. */
  polls: string[];
  cancels: string[];
  downloads: string[];
  /** Statuses a new prediction's polls walk through; the last repeats. */
  plan: PredictionStatus[];
  /** The `error` a prediction reports when it reaches failed or aborted. */
  failureError: string;
  script: { create: ScriptedAnswer[]; poll: ScriptedAnswer[]; download: ScriptedAnswer[] };
  /** Moves a prediction to a status right away (the provider finishing, or failing, on its own). */
  settle(id: string, status: PredictionStatus): void;
  close(): Promise<void>;
}

const problem = (response: ServerResponse, status: number, title: string, detail: string) =>
  sendJson(response, status, { title, detail, status });

export async function startLipsyncApiFake(options: { token: string; clip: Buffer }): Promise<LipsyncApiFake> {
  const predictions = new Map<string, FakePrediction>();
  const fake: Omit<LipsyncApiFake, 'url' | 'close'> = {
    creates: [],
    polls: [],
    cancels: [],
    downloads: [],
    plan: ['starting', 'processing', 'succeeded'],
    failureError: 'CUDA out of memory',
    script: { create: [], poll: [], download: [] },
    settle(id, status) {
      const prediction = predictions.get(id);
      if (!prediction) throw new Error(`no prediction ${id}`);
      prediction.plan = [status];
      prediction.step = 0;
      prediction.status = status;
    },
  };
  let baseUrl = '';

  const view = (prediction: FakePrediction) => {
    const terminal = ['succeeded', 'failed', 'canceled', 'aborted'].includes(prediction.status);
    return {
      id: prediction.id,
      model: 'reelflow/lipsync',
      version: prediction.version,
      input: prediction.input,
      logs: '',
      status: prediction.status,
      output: prediction.status === 'succeeded' ? `${baseUrl}/files/${prediction.id}.mp4` : null,
      error: prediction.status === 'failed' || prediction.status === 'aborted' ? fake.failureError : null,
      created_at: prediction.created_at,
      completed_at: terminal ? new Date().toISOString() : null,
      urls: { get: `${baseUrl}/predictions/${prediction.id}`, cancel: `${baseUrl}/predictions/${prediction.id}/cancel` },
    };
  };

  const answer = (response: ServerResponse, scripted: ScriptedAnswer) => {
    if (scripted !== 'hang') sendJson(response, scripted.status, scripted.body, scripted.headers);
  };

  const server = await startLoopbackServer(async (request, response) => {
    const raw = await readBody(request);
    const path = new URL(request.url ?? '/', 'http://fake').pathname;

    const file = /^\/files\/([\w-]+)\.mp4$/.exec(path);
    if (request.method === 'GET' && file?.[1]) {
      const scripted = fake.script.download.shift();
      if (scripted) return answer(response, scripted);
      if (predictions.get(file[1])?.status !== 'succeeded') return problem(response, 404, 'Not found', 'no such file');
      fake.downloads.push(file[1]);
      response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(options.clip.length) });
      return void response.end(options.clip);
    }

    if (request.headers.authorization !== `Bearer ${options.token}`) {
      return problem(response, 401, 'Unauthenticated', 'You did not pass a valid authentication token');
    }

    if (request.method === 'POST' && path === '/predictions') {
      const scripted = fake.script.create.shift();
      if (scripted) return answer(response, scripted);
      const body = JSON.parse(raw.toString('utf8') || '{}') as { version?: unknown; input?: { image?: unknown; text?: unknown } };
      if (typeof body.version !== 'string' || typeof body.input?.image !== 'string' || typeof body.input.text !== 'string') {
        return sendJson(response, 422, { title: 'Input validation failed', detail: 'version, input.image and input.text are required', status: 422 });
      }
      const input = { image: body.input.image, text: body.input.text };
      fake.creates.push({ version: body.version, input });
      const id = `p${fake.creates.length}${Math.random().toString(36).slice(2, 10)}`;
      const prediction: FakePrediction = { id, version: body.version, input, plan: [...fake.plan], step: -1, status: 'starting', created_at: new Date().toISOString() };
      predictions.set(id, prediction);
      return sendJson(response, 201, view(prediction));
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
  });
  baseUrl = server.url;
  return Object.assign(fake, { url: server.url, close: server.close });
}
