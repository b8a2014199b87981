import { createRoute, z } from '@hono/zod-openapi';
import { ErrorSchema, errorResponses } from '../lib/errors.js';

/** One job event as both streams send it (SSE `data:`; WebSocket adds `type: 'event'`). */
export const JobStreamEventSchema = z
  .object({
    job_id: z.number().int(),
    job_key: z.uuid(),
    seq: z.number().int().openapi({ description: 'Numbered 1.. per job; the SSE `id:`, and what `since` / Last-Event-ID resume after' }),
    kind: z.enum(['status', 'progress']),
    status: z.string(),
    stage: z.string().nullable(),
    progress: z.number().nullable().openapi({ description: '0–1 within the stage (progress events); never lower than the previous one of the stage' }),
    detail: z.record(z.string(), z.unknown()).nullable(),
    at: z.string().openapi({ example: '2026-01-08T09:01:02.345Z' }),
  })
  .openapi('JobStreamEvent');

export type JobStreamEventBody = z.infer<typeof JobStreamEventSchema>;

const JobParams = z.object({
  job: z.string().openapi({ param: { name: 'job', in: 'path' }, description: 'The job id or its key (UUID)', example: '123' }),
});

const Seq = z.string().regex(/^\d{1,9}$/, 'must be a non-negative integer').optional();
const Since = Seq.openapi({ description: 'Send only events after this seq (default 0: the whole timeline)' });
const LastEventId = Seq.openapi({ description: 'The last seq the client has; EventSource sends it when it reconnects. Wins over `since`.' });
const TrackingToken = z.string().optional().openapi({ description: 'Close-Up jobs: the tracking token from the submit answer' });
const AccessToken = z.string().optional().openapi({ description: 'Signed-in products’ jobs: the Supabase access token, for clients that cannot send Authorization (EventSource, browsers’ WebSocket)' });

const AccessDescription =
  'Admins send `Authorization: Bearer <ADMIN_TOKEN>`; anyone else as the job’s pipeline says (Close-Up: `tracking_token` query parameter or `X-Tracking-Token`; generation and dubbing: the owner’s access token as bearer or `access_token`). ' +
  'An unknown job and a refused one both answer 404.';

/** Any one of these reads a job its pipeline lets it read; product-ad and MV jobs need none (`{}`). */
const JOB_READERS: Record<string, string[]>[] = [{ AdminToken: [] }, { TrackingToken: [] }, { TrackingQueryToken: [] }, { SupabaseToken: [] }, { SupabaseQueryToken: [] }, {}];

export const events = createRoute({
  method: 'get',
  path: '/api/v1/jobs/{job}/events',
  operationId: 'streamJobEvents',
  security: JOB_READERS,
  tags: ['Jobs'],
  summary: 'Server-sent events: a job’s status and progress events, replayable, until the job ends',
  description:
    'Each event is `event: status|progress`, `id: <seq>`, `data: JobStreamEvent`; `: keepalive` comments every 15 s. ' +
    'Resumes after `Last-Event-ID` (EventSource sends it on reconnect; it wins over `since`). The stream closes after the event that ends the job; ' +
    'a client that already has it gets 204, which stops EventSource from reconnecting. ' +
    AccessDescription,
  request: {
    params: JobParams,
    query: z.object({ since: Since, tracking_token: TrackingToken, access_token: AccessToken }),
    headers: z.object({ 'last-event-id': LastEventId }),
  },
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
    204: { description: 'The job has ended and the client has its last event' },
    ...errorResponses(400, 401, 404),
  },
});

export const socket = createRoute({
  method: 'get',
  path: '/api/v1/jobs/{job}/ws',
  operationId: 'openJobSocket',
  security: JOB_READERS,
  tags: ['Jobs'],
  summary: 'WebSocket: the same events as the SSE stream, as JSON messages',
  description:
    'Server messages: `{"type":"event", ...JobStreamEvent}`, `{"type":"keepalive"}` every 15 s when idle, `{"type":"pong"}` for a client `{"type":"ping"}`. ' +
    'Closes 1000 after the event that ends the job; 1008 (with the reason) when the job is unknown or may not be read. ' +
    AccessDescription,
  request: {
    params: JobParams,
    // Checked by the handler: a refused upgrade can only say why in its close frame.
    query: z.object({ since: z.string().optional().openapi({ description: 'Send only events after this seq (default 0: the whole timeline)' }), tracking_token: TrackingToken, access_token: AccessToken }),
  },
  responses: {
    101: { description: 'Switched to the WebSocket protocol' },
    ...errorResponses(400, 426),
    // A handshake has no 2xx; anything unforeseen answers the error shape, as every route does.
    default: { description: 'Any other failure', content: { 'application/json': { schema: ErrorSchema } } },
  },
});
