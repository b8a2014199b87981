import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { createApp } from '../../api/app.js';
import type { JobEventHub } from '../../api/jobs/event-hub.js';
import { createAppDeps } from '../../api/lib/deps.js';
import type { AppDeps, AppOpenAPI } from '../../api/lib/types.js';
import type { Sql } from '../../db/client.js';
import type { JobRef, JobWriter } from '../../db/jobs/types.js';
import { createTemporalClient } from '../../lib/temporal.js';
import type { PipelineDefinition } from '../../pipelines/types.js';
import { testConfig, testSql } from './harness.js';

/** One event of a job's stream, as SSE data and WebSocket messages carry it. */
export interface StreamEvent {
  job_id: number;
  job_key: string;
  seq: number;
  kind: 'status' | 'progress';
  status: string;
  stage: string | null;
  progress: number | null;
  detail: Record<string, unknown> | null;
  at: string;
}

/** One SSE frame; `comment` is a `:` line (the keepalives). */
export interface SseFrame {
  event?: string;
  id?: string;
  data?: string;
  comment?: string;
}

/** A message of a job's WebSocket. */
export type SocketMessage = ({ type: 'event' } & StreamEvent) | { type: 'pong' | 'keepalive' };

export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The app on a real loopback port, WebSocket upgrades included (as api/main.ts serves it). */
export async function serveWithSockets(app: AppOpenAPI): Promise<{ url: string; wsUrl: string; close(): Promise<void> }> {
  const websocket = { server: new WebSocketServer({ noServer: true }) };
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0, websocket }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        websocket.server.close();
        server.close(() => resolve());
        // Event streams never end on their own.
        (server as Server).closeAllConnections();
      }),
  };
}

/** Splits the complete frames off the front of `buffer`; `rest` is a frame still arriving. */
function takeFrames(buffer: string): { frames: SseFrame[]; rest: string } {
  const frames: SseFrame[] = [];
  for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
    const frame: SseFrame = {};
    for (const line of buffer.slice(0, end).split('\n')) {
      if (line.startsWith(':')) frame.comment = line.slice(1).trim();
      else frame[line.slice(0, line.indexOf(':')) as 'event' | 'id' | 'data'] = line.slice(line.indexOf(':') + 1).trim();
    }
    frames.push(frame);
    buffer = buffer.slice(end + 2);
  }
  return { frames, rest: buffer };
}

const eventsOf = (frames: SseFrame[]) => frames.filter((frame) => frame.data !== undefined).map((frame) => JSON.parse(frame.data!) as StreamEvent);

/** Reads an SSE stream until the server closes it; returns its events' data. */
export async function sseEvents(url: string, headers: Record<string, string> = {}): Promise<StreamEvent[]> {
  const response = await fetch(url, { headers });
  if (response.status !== 200) throw new Error(`SSE ${url} answered ${response.status}: ${await response.text()}`);
  return eventsOf(takeFrames(await response.text()).frames);
}

/** An SSE client: frames as they arrive, `ended` when the server closes the stream. */
export async function openSse(url: string, headers: Record<string, string> = {}) {
  const aborter = new AbortController();
  const response = await fetch(url, { headers, signal: aborter.signal });
  const frames: SseFrame[] = [];
  let ended = false;
  const reading = (async () => {
    let buffer = '';
    for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
      const taken = takeFrames(buffer + chunk);
      frames.push(...taken.frames);
      buffer = taken.rest;
    }
  })()
    .catch(() => {})
    .finally(() => (ended = true));
  const events = () => eventsOf(frames);
  return {
    response,
    frames,
    events,
    waitForEvents: (count: number) => waitUntil(() => events().length >= count, `${count} events`),
    ended: async () => {
      await waitUntil(() => ended, 'the stream to end');
      await reading;
    },
    close: () => aborter.abort(),
  };
}

/** A WebSocket client: parsed messages, and the close code and reason once closed. */
export async function openSocket(url: string) {
  const socket = new WebSocket(url);
  const messages: SocketMessage[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as SocketMessage));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const events = () => messages.filter((message): message is Extract<SocketMessage, { type: 'event' }> => message.type === 'event');
  return { socket, messages, closed, events };
}

/** Collects a WebSocket's job events until the server closes it; rejects on a close other than 1000. */
export async function wsEvents(url: string): Promise<StreamEvent[]> {
  const ws = await openSocket(url);
  const { code, reason } = await ws.closed;
  if (code !== 1000) throw new Error(`WebSocket closed ${code} ${reason}`);
  return ws.events();
}

const config = testConfig();
const logger = pino({ level: 'silent' });

/** A pipeline without workflows: tests write its jobs' events through the store themselves. */
const testPipe: PipelineDefinition = {
  name: 'test-pipe',
  workflows: [],
  canRead: (c) => c.req.query('secret') === 's3cret',
  terminalStatuses: ['done', 'failed'],
  retryStatus: 'queued',
};

/** Each process gets its own application_name, so its LISTEN connection can be counted in pg_stat_activity. */
export function namedSql(name: string): Sql {
  const url = new URL(config.DATABASE_URL);
  url.searchParams.set('application_name', `${name}-${process.pid}`);
  return testSql(testConfig({ DATABASE_URL: url.toString() }));
}

/** How many LISTEN connections the pools of namedSql(`name`) hold. */
export const listeners = async (sql: Sql, name: string) =>
  (await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where application_name = ${`${name}-${process.pid}`} and query ilike 'listen%'`)[0]!.n;

/** Counts live subscriptions of a hub. */
function countingHub(hub: JobEventHub) {
  let active = 0;
  return {
    active: () => active,
    hub: {
      subscribe(jobId: number, onNotify: (seq: number) => void) {
        active += 1;
        const unsubscribe = hub.subscribe(jobId, onNotify);
        let done = false;
        return () => {
          if (done) return;
          done = true;
          active -= 1;
          unsubscribe();
        };
      },
      subscribeAll: (onNotify: (jobId: number, seq: number) => void) => hub.subscribeAll(onNotify),
      close: () => hub.close(),
    } satisfies JobEventHub,
  };
}

export interface StreamApi {
  deps: AppDeps;
  url: string;
  wsUrl: string;
  /** Live subscriptions of the app's hub. */
  active(): number;
  /** Closes the server, then the hub; later calls wait for the first. */
  stop(): Promise<void>;
}

/** The app serving only `test-pipe` (read with `secret=s3cret`), its hub counted. */
export async function startStreamApi(sql: Sql, temporal: Client): Promise<StreamApi> {
  const deps = createAppDeps(config, { logger, sql, temporal, pipelines: [testPipe] });
  const counting = countingHub(deps.hub);
  deps.hub = counting.hub;
  const server = await serveWithSockets(createApp(deps));
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= server.close().then(() => deps.hub.close()));
  return { deps, url: server.url, wsUrl: server.wsUrl, active: counting.active, stop };
}

/** A test file's stream API on its own named pool, a way to make `test-pipe` jobs, and close() for after(). */
export async function streamFixture(name: string) {
  const sql = namedSql(name);
  const temporal = createTemporalClient(config);
  const api = await startStreamApi(sql, temporal);
  const { store } = api.deps;
  async function newJob(): Promise<{ ref: JobRef; writer: JobWriter }> {
    const workflowId = `test-pipe-${randomUUID()}`;
    const { ref } = await sql.begin((tx) => store.create(tx, { pipeline: 'test-pipe', owner: null, status: 'queued', workflowId, originRunId: 'origin' }));
    return { ref, writer: { workflowId, originRunId: 'origin', runId: 'run-1' } };
  }
  const close = async () => {
    await api.stop();
    await sql.end();
    await temporal.connection.close();
  };
  return { sql, temporal, api, store, newJob, close };
}

export const eventsPath = (job: number | string, query = 'secret=s3cret') => `/api/v1/jobs/${job}/events?${query}`;
