import { upgradeWebSocket } from '@hono/node-server';
import type { RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { WSEvents } from 'hono/ws';
import type { JobEvent, JobRow } from '../../db/jobs/types.js';
import { FAILED } from '../../workflows/engine/contract.js';
import { ApiError } from '../lib/errors.js';
import type { AppEnv } from '../lib/types.js';
import { authorizeJobRead, type JobAccess } from './job-access.js';
import { jobEventStream, KEEPALIVE } from './job-stream.js';
import type * as routes from './stream.routes.js';
import type { JobStreamEventBody } from './stream.routes.js';

/** A client's `{"type":"ping"}` gets `{"type":"pong"}`; anything else is ignored. */
export const answerPing: NonNullable<WSEvents['onMessage']> = (event, ws) => {
  if (typeof event.data !== 'string') return;
  try {
    if ((JSON.parse(event.data) as { type?: unknown } | null)?.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
  } catch {
    // not JSON: nothing to answer
  }
};

/** WebSocket close codes (RFC 6455): done, refused by policy, server error. */
const CLOSE_NORMAL = 1000;
const CLOSE_POLICY = 1008;
const CLOSE_ERROR = 1011;

/** The wire shape of one event (SSE data; WebSocket adds `type`). */
export function toStreamEvent(job: Pick<JobRow, 'id' | 'key'>, event: JobEvent): JobStreamEventBody {
  return {
    job_id: job.id,
    job_key: job.key,
    seq: event.seq,
    kind: event.kind,
    status: event.status,
    stage: event.stage,
    progress: event.progress,
    detail: event.detail,
    at: event.createdAt.toISOString(),
  };
}

/** `failed` ends every pipeline's jobs (until an admin retries one); the pipeline adds its own. */
const terminalOf = (access: JobAccess) => [...(access.pipeline?.terminalStatuses ?? []), FAILED];

export const events: RouteHandler<typeof routes.events, AppEnv> = async (c) => {
  const { job: idOrKey } = c.req.valid('param');
  // EventSource reconnects to the same URL (with its `since`) and adds Last-Event-ID: that one is newer.
  const since = Number(c.req.valid('header')['last-event-id'] ?? c.req.valid('query').since ?? 0);
  const access = await authorizeJobRead(c, idOrKey);
  const { job } = access;
  const terminalStatuses = terminalOf(access);
  if (terminalStatuses.includes(job.status) && since >= job.eventSeq) return c.body(null, 204);

  const { deps, logger } = c.var;
  return streamSSE(c, async (stream) => {
    const aborted = new AbortController();
    stream.onAbort(() => aborted.abort());
    const release = deps.metrics.openStream('sse');
    try {
      for await (const item of jobEventStream(deps, job.id, { since, terminalStatuses, signal: aborted.signal })) {
        if (item === KEEPALIVE) await stream.write(': keepalive\n\n');
        else await stream.writeSSE({ event: item.kind, id: String(item.seq), data: JSON.stringify(toStreamEvent(job, item)) });
      }
    } catch (error) {
      // The client reconnects with Last-Event-ID; the error's text is not for it.
      logger.error({ err: error, jobId: job.id }, 'job event stream failed');
    } finally {
      release();
      aborted.abort();
    }
  });
};

/** Accepts the socket only to close it with the refusal: browsers cannot read a refused handshake's status. */
function refusal(error: ApiError): WSEvents {
  return {
    onOpen: (_event, ws) => ws.close(CLOSE_POLICY, closeReason(`${error.type}: ${error.message}`)),
  };
}

/** A close reason is at most 123 bytes of UTF-8. */
function closeReason(text: string): string {
  const bytes = Buffer.from(text);
  return bytes.length <= 123 ? text : bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD+$/, '') + '...';
}

function follow(c: Context<AppEnv>, access: JobAccess, since: number): WSEvents {
  const { deps, logger } = c.var;
  const { job } = access;
  const aborted = new AbortController();
  let release = () => {};
  const end = () => {
    release();
    aborted.abort();
  };
  return {
    onOpen(_event, ws) {
      release = deps.metrics.openStream('websocket');
      const send = (message: object) => {
        if (ws.readyState === 1) ws.send(JSON.stringify(message));
      };
      void (async () => {
        try {
          for await (const item of jobEventStream(deps, job.id, { since, terminalStatuses: terminalOf(access), signal: aborted.signal })) {
            send(item === KEEPALIVE ? { type: 'keepalive' } : { type: 'event', ...toStreamEvent(job, item) });
          }
          if (!aborted.signal.aborted) ws.close(CLOSE_NORMAL, 'job finished');
        } catch (error) {
          logger.error({ err: error, jobId: job.id }, 'job event socket failed');
          ws.close(CLOSE_ERROR, 'internal error; reconnect with since=<last seq>');
        }
      })();
    },
    onMessage: answerPing,
    onClose: end,
    onError: end,
  };
}

export const socket: RouteHandler<typeof routes.socket, AppEnv> = async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    c.header('Upgrade', 'websocket');
    throw new ApiError(426, 'UpgradeRequired', 'This endpoint speaks WebSocket; connect with a WebSocket client (or use /events for SSE).');
  }
  const { job: idOrKey } = c.req.valid('param');
  const sinceText = c.req.valid('query').since ?? '0';
  const since = /^\d{1,9}$/.test(sinceText) ? Number(sinceText) : undefined;
  // Authorised before the upgrade: a refused client never subscribes to anything.
  const access =
    since === undefined
      ? new ApiError(400, 'ValidationError', 'since: must be a non-negative integer')
      : await authorizeJobRead(c, idOrKey).catch((error: unknown) => {
          if (error instanceof ApiError) return error;
          throw error;
        });
  return upgradeWebSocket(c, access instanceof ApiError ? refusal(access) : follow(c, access, since!));
};
